"""The staff side of the workflow: the list, the desk, walk-ins, internal notes, SLA display."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from sqlalchemy import event, func, select

from rumah_kemasan.accounts.models import ConsentRecord, User
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, full_name="Arya Desainer")


@pytest.fixture
def owner(make_user):
    return make_user(Role.OWNER, full_name="Made Pemilik")


@pytest.fixture
def query_counter(app):
    """Count the SQL statements a block of code sends."""

    @contextmanager
    def counting():
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def before(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def codes_on(page: str) -> list[str]:
    return re.findall(r"<strong>(RK-\d{4}-\d{5})</strong>", page)


# --- the list ----------------------------------------------------------------------------


def test_list_filters_by_assignee_overdue_and_due_this_week(
    client, login_as, staff, owner, make_user, make_request
):
    other = make_user(Role.STAFF)
    mine_late = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    mine_late.due_at = utcnow() - timedelta(days=2)
    mine_week = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    mine_week.due_at = utcnow() + timedelta(minutes=30)
    theirs = make_request(owner, status=Status.IN_DESIGN, assignee=other)
    theirs.due_at = utcnow() + timedelta(days=40)
    queued = make_request(owner, status=Status.ACCEPTED)
    db.session.commit()
    login_as(staff)

    mine = codes_on(client.get("/requests?assignee=me").get_data(as_text=True))
    assert sorted(mine) == sorted([mine_late.code, mine_week.code])
    unassigned = codes_on(client.get("/requests?assignee=none").get_data(as_text=True))
    assert queued.code in unassigned and theirs.code not in unassigned
    late = codes_on(client.get("/requests?overdue=1").get_data(as_text=True))
    assert late == [mine_late.code]
    week = codes_on(client.get("/requests?week=1").get_data(as_text=True))
    assert mine_week.code in week and theirs.code not in week
    page = client.get("/requests").get_data(as_text=True)
    assert "Terlambat" in page  # the overdue one is marked in the list


def test_text_search_matches_code_product_business_and_owner(
    client, login_as, staff, owner, make_request, make_business
):
    biz = make_business(owner, name="Warung Bu Sari")
    by_product = make_request(owner, product_name="Sambal Matah Segar")
    by_business = make_request(owner, business=biz, product_name="Kopi")
    login_as(staff)
    for term, expected in [
        ("matah", by_product.code),
        ("BU SARI", by_business.code),
        (by_business.code.lower(), by_business.code),
    ]:
        assert codes_on(client.get("/requests", query_string={"q": term}).get_data(True)) == [
            expected
        ]
    by_owner = codes_on(client.get("/requests?q=made pemilik").get_data(as_text=True))
    assert sorted(by_owner) == sorted([by_product.code, by_business.code])


@pytest.mark.parametrize("sort", ["newest", "oldest", "due"])
def test_keyset_pages_cover_the_list_once_in_order(
    client, login_as, staff, owner, make_request, sort
):
    base = utcnow() - timedelta(days=60)
    made = []
    for i in range(60):
        req = make_request(owner, status=Status.ACCEPTED if i % 3 else Status.SUBMITTED)
        req.submitted_at = base + timedelta(hours=i // 2)  # pairs share a timestamp
        req.due_at = None if i % 3 == 0 else base + timedelta(days=10 + (i * 7) % 13)
        made.append(req)
    db.session.commit()
    login_as(staff)
    seen, url = [], f"/requests?sort={sort}"
    for _page in range(10):
        page = client.get(url).get_data(as_text=True)
        seen += codes_on(page)
        nxt = re.search(r'href="(/requests\?after=[^"]+)"', page)
        if not nxt:
            break
        url = html.unescape(nxt.group(1))
    far = datetime.max.replace(tzinfo=UTC)
    keys = {
        "newest": lambda r: (-r.submitted_at.timestamp(), -r.id),
        "oldest": lambda r: (r.submitted_at, r.id),
        "due": lambda r: (r.due_at or far, r.id),
    }
    assert seen == [r.code for r in sorted(made, key=keys[sort])]


def test_list_query_count_does_not_grow_with_rows(
    client, login_as, staff, owner, make_request, make_user, query_counter
):
    def measure():
        with query_counter() as statements:
            resp = client.get("/requests")
        assert resp.status_code == 200
        return len(statements), len(codes_on(resp.get_data(as_text=True)))

    for _ in range(2):
        make_request(make_user(Role.OWNER), status=Status.IN_DESIGN, assignee=staff)
    login_as(staff)
    few_queries, few_rows = measure()
    db.session.rollback()  # leave the old snapshot before writing (SQLite WAL)
    for _ in range(20):
        make_request(make_user(Role.OWNER), status=Status.IN_DESIGN, assignee=staff)
    many_queries, many_rows = measure()
    assert (few_rows, many_rows) == (2, 22)
    assert many_queries == few_queries


# --- the desk ----------------------------------------------------------------------------


def test_desk_shows_my_jobs_overdue_first_and_the_queue(
    client, login_as, staff, owner, make_user, make_request
):
    soon = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    soon.due_at = utcnow() + timedelta(days=1)
    late = make_request(owner, status=Status.APPROVED, assignee=staff)
    late.due_at = utcnow() - timedelta(days=3)
    later = make_request(owner, status=Status.IN_PRODUCTION, assignee=staff)
    later.due_at = utcnow() + timedelta(days=6)
    waiting = make_request(owner, status=Status.AWAITING_APPROVAL, assignee=staff)
    waiting.due_at = utcnow() - timedelta(days=1)
    waiting.paused_at = utcnow() - timedelta(days=2)  # the owner has it: not overdue
    queued = make_request(owner, status=Status.ACCEPTED)
    fresh = make_request(owner)
    someone_elses = make_request(owner, status=Status.IN_DESIGN, assignee=make_user(Role.STAFF))
    done = make_request(owner, status=Status.COMPLETED, assignee=staff)
    db.session.commit()
    login_as(staff)

    page = client.get("/desk").get_data(as_text=True)
    mine_section = page.split('id="mine-h"')[1].split('id="queue-h"')[0]
    assert codes_on(mine_section) == [late.code, waiting.code, soon.code, later.code]
    assert someone_elses.code not in mine_section and done.code not in mine_section
    queue_section = page.split('id="queue-h"')[1].split('id="new-h"')[0]
    assert codes_on(queue_section) == [queued.code]
    assert f'aria-label="Ambil {queued.code}"' in queue_section
    assert codes_on(page.split('id="new-h"')[1]) == [fresh.code]
    counts = dict(
        (label.strip(), int(n))
        for n, label in re.findall(r"<strong>(\d+)</strong>\s*([^<]+)</a>", page)
    )
    assert counts["tugas saya yang terbuka"] == 4
    assert counts["tugas saya terlambat"] == 1
    assert counts["menunggu desainer"] == 1
    assert counts["baru, perlu diperiksa"] == 1


def test_claiming_from_the_desk_moves_the_job_to_my_jobs(
    client, login_as, staff, owner, make_request
):
    queued = make_request(owner, status=Status.ACCEPTED)
    login_as(staff)
    resp = client.post(
        f"/requests/{queued.code}/transition",
        data={"target": "in_design", "version": str(queued.version)},
    )
    assert resp.status_code == 302
    page = client.get("/desk").get_data(as_text=True)
    assert codes_on(page.split('id="mine-h"')[1].split('id="queue-h"')[0]) == [queued.code]
    db.session.rollback()
    assert db.session.get(ServiceRequest, queued.id).assignee_id == staff.id


def test_desk_query_count_does_not_grow_with_rows(
    client, login_as, staff, make_user, make_request, query_counter
):
    def fill(n):
        for _ in range(n):
            o = make_user(Role.OWNER)
            make_request(o, status=Status.IN_DESIGN, assignee=staff)
            make_request(o, status=Status.ACCEPTED)
            make_request(o)

    def measure():
        with query_counter() as statements:
            page = client.get("/desk").get_data(as_text=True)
        return len(statements), len(codes_on(page))

    fill(1)
    login_as(staff)
    few = measure()
    db.session.rollback()  # leave the old snapshot before writing (SQLite WAL)
    fill(10)
    many = measure()
    assert (few[1], many[1]) == (3, 33)
    assert many[0] == few[0]


def test_desk_is_for_staff_only(client, login_as, owner):
    assert client.get("/desk").status_code == 302  # anonymous: to the login page
    login_as(owner)
    assert client.get("/desk").status_code == 403


def test_supervisor_sees_requests_past_the_free_revision_limit(
    client, login_as, make_user, owner, staff, make_request, service
):
    supervisor = make_user(Role.SUPERVISOR)
    limit = service("DESAIN-LOGO").free_revisions
    within = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    within.revision_count = limit
    beyond = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    beyond.revision_count = limit + 1
    db.session.commit()
    login_as(supervisor)
    page = client.get("/desk").get_data(as_text=True)
    flagged = page.split('id="limit-h"')[1].split('id="queue-h"')[0]
    assert codes_on(flagged) == [beyond.code]
    detail = client.get(f"/requests/{beyond.code}").get_data(as_text=True)
    assert f"{limit + 1} / {limit}" in detail and "melebihi batas gratis" in detail


def test_owner_asking_for_changes_counts_a_revision(
    app, client, login_as, owner, staff, make_request, add_file
):
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    add_file(req, proof=True)
    req.status = Status.AWAITING_APPROVAL
    db.session.commit()
    login_as(owner)
    resp = client.post(
        f"/requests/{req.code}/transition",
        data={"target": "in_design", "version": str(req.version), "note": "Warna lebih cerah"},
    )
    assert resp.status_code == 302
    db.session.rollback()
    assert db.session.get(ServiceRequest, req.id).revision_count == 1


# --- walk-ins ----------------------------------------------------------------------------


def walk_in_form(phone="0857-1234-5678", **over):
    data = {
        "owner_phone": phone,
        "owner_name": "Ni Luh Ayu",
        "consent": "y",
        "business_name": "Canang Ayu",
        "business_scale": "mikro",
        "service_type_id": "",
        "product_name": "Dupa Wangi",
        "product_category": "kerajinan",
        "brief": "Label untuk dupa",
        "target_market": "lokal",
    }
    data.update(over)
    return data


@pytest.fixture
def walk_in_data(app, ctx, service):
    from rumah_kemasan.accounts.models import Area

    area = db.session.scalar(select(Area).order_by(Area.id))
    return lambda **over: walk_in_form(
        area_id=str(area.id), service_type_id=str(service("DESAIN-LOGO").id), **over
    )


def test_walk_in_creates_a_passwordless_owner_and_a_one_time_link(
    app, client, login_as, staff, walk_in_data
):
    login_as(staff)
    resp = client.post("/requests/new", data=walk_in_data())
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page
    db.session.rollback()
    owner = db.session.scalar(select(User).where(User.phone == "6285712345678"))
    assert owner.role == Role.OWNER and owner.password_hash is None
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.applicant_id == owner.id))
    assert req.filed_by_id == staff.id and req.status == Status.SUBMITTED
    assert req.business.name == "Canang Ayu" and req.business.unit_id == staff.unit_id
    consent = db.session.scalar(select(ConsentRecord).where(ConsentRecord.user_id == owner.id))
    assert consent.kind == "registration_at_counter"

    wa = html.unescape(re.search(r'href="(https://wa\.me/[^"]+)"', page).group(1))
    parsed = urlparse(wa)
    assert parsed.path == "/6285712345678"
    text = unquote(parse_qs(parsed.query)["text"][0])
    assert req.code in text and "kata sandi" in text
    assert "Ni Luh" not in text  # no personal data beyond the code and the link
    path = urlparse(re.search(r"https?://\S+/auth/reset/[\w-]+", text).group(0)).path

    new = {"password": "dupa-wangi-2026!", "confirm": "dupa-wangi-2026!"}
    assert app.test_client().post(path, data=new).status_code == 302
    assert app.test_client().post(path, data=new).status_code == 410
    signin = app.test_client().post(
        "/auth/login", data={"login": "0857 1234 5678", "password": "dupa-wangi-2026!"}
    )
    assert signin.status_code == 302


def test_walk_in_for_a_known_owner_reuses_account_and_business(
    client, login_as, staff, make_user, make_business, walk_in_data
):
    known = make_user(Role.OWNER, phone="6285711112222")
    biz = make_business(known, name="Canang Ayu")
    login_as(staff)
    resp = client.post(
        "/requests/new", data=walk_in_data(phone="+62 857-1111-2222", business_name="canang ayu")
    )
    assert resp.status_code == 302  # owner has a password: straight to the request
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.applicant_id == known.id))
    assert req.business_id == biz.id


def test_walk_in_refuses_bad_input_and_keeps_what_was_typed(
    client, login_as, staff, make_user, walk_in_data
):
    make_user(Role.STAFF, phone="6285799998888")
    login_as(staff)
    page = client.post("/requests/new", data=walk_in_data(phone="0361-234567")).get_data(True)
    assert 'aria-invalid="true"' in page and "Dupa Wangi" in page
    page = client.post("/requests/new", data=walk_in_data(phone="085799998888")).get_data(True)
    assert "akun staf" in page
    page = client.post("/requests/new", data=walk_in_data(consent="")).get_data(True)
    assert "persetujuan" in page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


# --- internal notes ----------------------------------------------------------------------


def test_owner_never_sees_an_internal_note(app, client, login_as, owner, staff, make_request):
    req = make_request(owner, status=Status.ACCEPTED)
    login_as(staff)
    client.post(
        f"/requests/{req.code}/comments",
        data={"text": "RAHASIA-KOMENTAR pemilik sulit dihubungi", "internal": "y"},
    )
    client.post(
        f"/requests/{req.code}/transition",
        data={
            "target": "in_design",
            "version": str(req.version),
            "note": "RAHASIA-TRANSISI cek harga",
            "internal": "y",
        },
    )
    client.post(f"/requests/{req.code}/comments", data={"text": "Desain dimulai besok"})
    staff_page = client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert "RAHASIA-KOMENTAR" in staff_page and "RAHASIA-TRANSISI" in staff_page

    owner_client = app.test_client()
    assert login(owner_client, owner).status_code == 302
    page = owner_client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert "Desain dimulai besok" in page
    assert "RAHASIA" not in page
    listing = owner_client.get("/requests").get_data(as_text=True)
    assert "RAHASIA" not in listing
    db.session.rollback()
    internal = db.session.scalars(
        select(RequestEvent).where(RequestEvent.note.like("RAHASIA%"))
    ).all()
    assert len(internal) == 2 and all(e.visibility.value == "internal" for e in internal)


def test_owner_cannot_write_an_internal_note(client, login_as, owner, make_request):
    req = make_request(owner)
    login_as(owner)
    client.post(f"/requests/{req.code}/comments", data={"text": "Halo", "internal": "y"})
    db.session.rollback()
    note = db.session.scalar(select(RequestEvent).where(RequestEvent.note == "Halo"))
    assert note.visibility.value == "public"


# --- SLA on the pages --------------------------------------------------------------------


def wita(*args):
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Makassar")).astimezone(UTC)


def test_due_date_across_nyepi_and_a_pause_is_shown_in_wita(
    app, client, login_as, owner, staff, make_request, monkeypatch
):
    """Label design (10 working days) accepted Tue 10 Mar 2026 09:00 WITA.

    Working days: 11, 12, 13, 16, 17, 18, (Nyepi 19), 20, (Idul Fitri 21-22), 23, 24, 25 →
    the due date is Wed 25 Mar 09:00 WITA. The designer then asks the owner for information on
    Wed 11 Mar 09:00 and the owner answers on Thu 12 Mar 09:00: one working day paused, so the
    request is due on Thu 26 Mar 09:00 WITA.
    """
    import rumah_kemasan.service_requests.services as services_mod

    clock = {"now": wita(2026, 3, 10, 9, 0)}
    monkeypatch.setattr(services_mod, "utcnow", lambda: clock["now"])
    req = make_request(owner, code="DESAIN-LABEL")
    owner_client = app.test_client()
    assert login(owner_client, owner).status_code == 302
    login_as(staff)

    def move(browser, target, note=""):
        db.session.rollback()
        version = db.session.get(ServiceRequest, req.id).version
        resp = browser.post(
            f"/requests/{req.code}/transition",
            data={"target": target, "version": str(version), "note": note},
        )
        assert resp.status_code == 302, target

    def shown():
        return client.get(f"/requests/{req.code}").get_data(as_text=True)

    move(client, "accepted")
    assert "25 Maret 2026 pukul 09.00 WITA" in shown()
    clock["now"] = wita(2026, 3, 11, 9, 0)
    move(client, "in_design")
    move(client, "needs_info", "Mohon kirim foto kemasan lama")
    assert "waktu dihentikan sementara" in shown()
    clock["now"] = wita(2026, 3, 12, 9, 0)
    move(owner_client, "submitted")
    move(client, "accepted")
    page = shown()
    assert "26 Maret 2026 pukul 09.00 WITA" in page
    assert "25 Maret" not in page
