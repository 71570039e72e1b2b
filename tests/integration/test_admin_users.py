"""/admin and /admin/users: who has access, invitations, disabling, role and unit changes.

Through HTTP as the people who use it: an admin (every unit) and a unit's supervisor (their
own unit's staff and supervisors). Both databases (TEST_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select, update

from rumah_kemasan.accounts import people
from rumah_kemasan.accounts.models import OneTimeToken, User
from rumah_kemasan.admin_sections import SECTIONS
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import OutboxEmail
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "kemasan-baru-2026"
LINK = re.compile(r"https?://[^/\s\"]+(/auth/reset/[A-Za-z0-9_-]+)")


def _client(app, user=None):
    """A browser in English (the messages below are the msgids), signed in as `user`."""
    client = app.test_client()
    if user is not None:
        assert login(client, user).status_code == 302
    client.post("/lang/en")
    return client


def _audit(action: str, user: User) -> list[AuditLog]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == action, AuditLog.target == f"user:{user.id}")
            .order_by(AuditLog.id)
        )
    )


def _user(**where) -> User | None:
    db.session.rollback()
    stmt = select(User)
    for column, value in where.items():
        stmt = stmt.where(getattr(User, column) == value)
    return db.session.scalar(stmt)


def _set_password(client, path: str):
    return client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


# --- the home page and the menu --------------------------------------------------------------


def test_admin_home_lists_the_sections_the_user_may_open(app, make_user):
    supervisor = make_user(Role.SUPERVISOR)
    staff = make_user(Role.STAFF)
    page = _client(app, supervisor).get("/admin").get_data(as_text=True)
    assert 'href="/admin/users"' in page
    home = _client(app, supervisor).get("/requests").get_data(as_text=True)
    assert 'href="/admin"' in home  # the menu link
    staff_client = _client(app, staff)
    assert staff_client.get("/admin").status_code == 403
    assert 'href="/admin"' not in staff_client.get("/requests").get_data(as_text=True)


def test_every_section_of_the_registry_is_a_page_the_admin_reaches(app, make_user):
    """A row appended to admin_sections.SECTIONS must name a GET page; the admin sees it."""
    admin = make_user(Role.ADMIN)
    client = _client(app, admin)
    home = client.get("/admin").get_data(as_text=True)
    with app.test_request_context():
        urls = [url_for(section.endpoint) for section in SECTIONS]
    for url in urls:
        assert f'href="{url}"' in home, url
        assert client.get(url).status_code == 200, url


# --- invitations -----------------------------------------------------------------------------


def test_invite_by_email_then_the_link_sets_the_password_and_signs_in(app, make_user, unit):
    admin = make_user(Role.ADMIN)
    client = _client(app, admin)
    resp = client.post(
        "/admin/users/invite",
        data={
            "full_name": "Desainer Baru",
            "email": " Baru@Example.com ",
            "phone": "",
            "role": "staff",
            "unit_id": str(unit.id),
        },
    )
    assert resp.status_code == 302, re.findall(
        r'class="error"[^>]*>([^<]*)', resp.get_data(as_text=True)
    )
    new = _user(email="baru@example.com")
    assert new.role == Role.STAFF and new.unit_id == unit.id and new.password_hash is None
    assert resp.headers["Location"].endswith(f"/admin/users/{new.id}")
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == new.id))
    assert mail.to_address == "baru@example.com"
    path = LINK.search(mail.body_text).group(1)
    [row] = _audit("user.invite", new)
    assert row.actor_id == admin.id and row.details["emailed"] is True
    # no password yet: nobody signs in with any
    assert (
        app.test_client()
        .post("/auth/login", data={"login": "baru@example.com", "password": NEW_PASSWORD})
        .status_code
        == 200
    )

    invited = app.test_client()
    assert invited.get(path).status_code == 200
    assert _set_password(invited, path).status_code == 302
    assert invited.get("/desk").status_code == 200  # signed in, as staff of the unit
    assert _user(id=new.id).last_login_at is not None  # the link's sign-in counts
    fresh = app.test_client()
    resp = fresh.post("/auth/login", data={"login": "baru@example.com", "password": NEW_PASSWORD})
    assert resp.status_code == 302
    assert fresh.get("/desk").status_code == 200
    assert _user(id=new.id).last_login_at is not None
    # the list shows them with their last sign-in
    listing = client.get("/admin/users?q=baru").get_data(as_text=True)
    assert "Desainer Baru" in listing and "Never" not in listing


def test_invite_by_phone_shows_the_link_once_and_a_new_link_voids_it(app, make_user, unit):
    supervisor = make_user(Role.SUPERVISOR)
    client = _client(app, supervisor)
    resp = client.post(
        "/admin/users/invite",
        data={"full_name": "Kadek Loket", "email": "", "phone": "0812-3456-7001", "role": "staff"},
    )
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    page = resp.get_data(as_text=True)
    first = LINK.search(page).group(1)
    assert "https://wa.me/6281234567001" in page
    new = _user(phone="6281234567001")
    assert new.unit_id == supervisor.unit_id and new.role == Role.STAFF  # their own unit
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == new.id)) is None
    assert _audit("user.invite", new)[0].details["emailed"] is False
    # not shown again on the person's page
    assert first not in client.get(f"/admin/users/{new.id}").get_data(as_text=True)

    resp = client.post(f"/admin/users/{new.id}/reinvite")
    assert resp.status_code == 200
    second = LINK.search(resp.get_data(as_text=True)).group(1)
    assert second != first
    assert len(_audit("user.reinvite", new)) == 1
    invited = app.test_client()
    assert invited.get(first).status_code == 410  # the old link is void
    assert _set_password(invited, second).status_code == 302
    assert invited.get("/desk").status_code == 200
    # once the password is set, no more invitation links into the account
    assert client.post(f"/admin/users/{new.id}/reinvite").status_code == 409


def test_the_invite_form_says_what_is_wrong_and_keeps_what_was_typed(app, make_user, unit):
    admin = make_user(Role.ADMIN)
    taken = make_user(Role.STAFF, email="ada@example.com", phone="6281234567002")
    client = _client(app, admin)
    base = {"full_name": "Nyoman Teliti", "role": "staff", "unit_id": str(unit.id)}

    resp = client.post("/admin/users/invite", data=base | {"email": "", "phone": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Give an e-mail or a WhatsApp number." in page and 'value="Nyoman Teliti"' in page

    resp = client.post("/admin/users/invite", data=base | {"phone": "0361-234567"})
    assert resp.status_code == 400 and "landline" in resp.get_data(as_text=True)

    resp = client.post("/admin/users/invite", data=base | {"email": taken.email})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "already belongs to an account" in page
    assert 'value="ada@example.com"' in page
    resp = client.post("/admin/users/invite", data=base | {"phone": "0812 3456 7002"})
    assert resp.status_code == 409 and "already belongs to an account" in resp.get_data(
        as_text=True
    )

    resp = client.post("/admin/users/invite", data=base | {"unit_id": "", "email": "x@example.com"})
    assert resp.status_code == 409 and "choose one" in resp.get_data(as_text=True)
    assert _user(full_name="Nyoman Teliti") is None


def test_a_supervisor_invites_only_staff_or_supervisors_of_their_own_unit(
    app, make_user, unit, other_unit
):
    supervisor = make_user(Role.SUPERVISOR)
    client = _client(app, supervisor)
    base = {"full_name": "Coba Coba", "email": "coba@example.com"}
    for data in (
        {"role": "admin", "unit_id": ""},
        {"role": "staff", "unit_id": str(other_unit.id)},
        {"role": "supervisor", "unit_id": str(other_unit.id)},
    ):
        assert client.post("/admin/users/invite", data=base | data).status_code == 400, data
    assert _user(email="coba@example.com") is None
    resp = client.post(
        "/admin/users/invite", data=base | {"role": "supervisor", "unit_id": str(unit.id)}
    )
    assert resp.status_code == 302
    assert _user(email="coba@example.com").role == Role.SUPERVISOR


def test_an_admin_invites_a_supervisor_of_another_unit_and_an_admin(app, make_user, other_unit):
    admin = make_user(Role.ADMIN)
    client = _client(app, admin)
    resp = client.post(
        "/admin/users/invite",
        data={
            "full_name": "Kepala Badung",
            "email": "kepala@badung.example",
            "role": "supervisor",
            "unit_id": str(other_unit.id),
        },
    )
    assert resp.status_code == 302
    assert _user(email="kepala@badung.example").unit_id == other_unit.id
    resp = client.post(
        "/admin/users/invite",
        data={"full_name": "Operator Dua", "email": "op2@example.com", "role": "admin"},
    )
    assert resp.status_code == 302
    second = _user(email="op2@example.com")
    assert second.role == Role.ADMIN and second.unit_id is None


# --- disabling -------------------------------------------------------------------------------


def test_disabling_ends_a_live_session_keeps_the_history_and_reenabling_works(
    app, make_user, make_request
):
    supervisor = make_user(Role.SUPERVISOR)
    staff = make_user(Role.STAFF, full_name="Desainer Pergi")
    colleague = make_user(Role.STAFF, full_name="Desainer Tetap")
    owner = make_user()
    job = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    done = make_request(owner, status=Status.COMPLETED, assignee=staff)

    live = _client(app, staff)
    assert (
        live.post(f"/requests/{job.code}/comments", data={"text": "Draf besok"}).status_code == 302
    )
    assert live.get("/desk").status_code == 200

    boss = _client(app, supervisor)
    page = boss.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert job.code in page and done.code not in page  # open jobs only
    resp = boss.post(f"/admin/users/{staff.id}/disable", data={"reason": "Pindah kerja"})
    assert resp.status_code == 302

    # the live session ends on its very next request, and signing in is refused, clearly
    resp = live.get("/desk")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    resp = _client(app).post("/auth/login", data={"login": staff.email, "password": PASSWORD})
    assert resp.status_code == 403 and "This account is disabled" in resp.get_data(as_text=True)
    # a wrong password learns nothing about the account
    resp = _client(app).post("/auth/login", data={"login": staff.email, "password": "salah-123456"})
    assert "disabled" not in resp.get_data(as_text=True)

    [row] = _audit("user.disable", staff)
    assert row.actor_id == supervisor.id and row.address is not None
    assert row.details == {"reason": "Pindah kerja", "open_jobs": 1}
    # nothing they did is lost
    assert db.session.get(ServiceRequest, job.id).assignee_id == staff.id
    assert db.session.get(ServiceRequest, done.id).assignee_id == staff.id
    assert db.session.scalar(
        select(RequestEvent).where(
            RequestEvent.actor_id == staff.id, RequestEvent.note == "Draf besok"
        )
    )
    timeline = boss.get(f"/requests/{job.code}").get_data(as_text=True)
    assert "Draf besok" in timeline and "Desainer Pergi" in timeline

    # the page gives the reason and hands the open job over right there
    page = boss.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert "Pindah kerja" in page and f'value="{colleague.id}"' in page
    assert f'<option value="{staff.id}"' not in page
    resp = boss.post(
        f"/requests/{job.code}/assign?next=/admin/users/{staff.id}",
        data={
            "assignee_id": colleague.id,
            "reason": "Desainer Pergi keluar",
            "version": job.version,
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/users/{staff.id}")
    db.session.rollback()
    assert db.session.get(ServiceRequest, job.id).assignee_id == colleague.id
    assert job.code not in boss.get(f"/admin/users/{staff.id}").get_data(as_text=True)

    # re-enabled: the old password works again
    assert (
        boss.post(f"/admin/users/{staff.id}/enable", data={"reason": "Kembali"}).status_code == 302
    )
    assert _audit("user.enable", staff)[0].details == {"reason": "Kembali"}
    assert _client(app, staff).get("/desk").status_code == 200


def test_disabling_needs_a_reason_and_voids_unused_links(app, make_user):
    supervisor = make_user(Role.SUPERVISOR)
    client = _client(app, supervisor)
    client.post(
        "/admin/users/invite",
        data={"full_name": "Belum Masuk", "phone": "0812-3456-7003", "role": "staff"},
    )
    invited = _user(phone="6281234567003")
    resp = client.post(f"/admin/users/{invited.id}/disable", data={"reason": "  "})
    assert resp.status_code == 400 and "This field is required." in resp.get_data(as_text=True)
    assert _user(id=invited.id).active
    assert (
        client.post(f"/admin/users/{invited.id}/disable", data={"reason": "Batal"}).status_code
        == 302
    )
    db.session.rollback()
    assert (
        db.session.scalar(
            select(OneTimeToken).where(
                OneTimeToken.user_id == invited.id, OneTimeToken.used_at.is_(None)
            )
        )
        is None
    )
    assert client.post(f"/admin/users/{invited.id}/reinvite").status_code == 409


# --- role and unit ---------------------------------------------------------------------------


def test_role_change_is_audited_with_its_reason(app, make_user):
    supervisor = make_user(Role.SUPERVISOR)
    staff = make_user(Role.STAFF)
    client = _client(app, supervisor)
    unit_id = str(staff.unit_id)
    resp = client.post(
        f"/admin/users/{staff.id}/role", data={"role": "supervisor", "unit_id": unit_id}
    )
    assert resp.status_code == 400 and _user(id=staff.id).role == Role.STAFF  # no reason
    resp = client.post(
        f"/admin/users/{staff.id}/role",
        data={"role": "supervisor", "unit_id": unit_id, "reason": "Kepala shift baru"},
    )
    assert resp.status_code == 302 and _user(id=staff.id).role == Role.SUPERVISOR
    [row] = _audit("user.change", staff)
    assert row.actor_id == supervisor.id
    assert row.details == {"reason": "Kepala shift baru", "role": ["staff", "supervisor"]}
    resp = client.post(
        f"/admin/users/{staff.id}/role",
        data={"role": "supervisor", "unit_id": unit_id, "reason": "Lagi"},
    )
    assert resp.status_code == 409 and "Nothing to change" in resp.get_data(as_text=True)


def test_a_supervisor_cannot_make_admins_or_move_people_out(app, make_user, other_unit):
    supervisor = make_user(Role.SUPERVISOR)
    staff = make_user(Role.STAFF)
    client = _client(app, supervisor)
    for data in (
        {"role": "admin", "unit_id": ""},
        {"role": "staff", "unit_id": str(other_unit.id)},
    ):
        resp = client.post(f"/admin/users/{staff.id}/role", data=data | {"reason": "Coba"})
        assert resp.status_code == 400, data
    assert _user(id=staff.id).role == Role.STAFF and _user(id=staff.id).unit_id != other_unit.id
    assert _audit("user.change", staff) == []


def test_moving_someone_with_open_jobs_waits_for_the_jobs_to_be_reassigned(
    app, make_user, make_request, other_unit
):
    admin = make_user(Role.ADMIN)
    staff = make_user(Role.STAFF)
    owner = make_user()
    job = make_request(owner, status=Status.ACCEPTED, assignee=staff)
    client = _client(app, admin)
    move = {"role": "staff", "unit_id": str(other_unit.id), "reason": "Mutasi ke Badung"}
    resp = client.post(f"/admin/users/{staff.id}/role", data=move)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "still has open jobs" in page
    assert "Mutasi ke Badung" in page  # what was typed is kept
    assert _user(id=staff.id).unit_id != other_unit.id
    # a role change inside the unit is not a move: allowed with open jobs
    job.status = Status.COMPLETED
    db.session.commit()
    assert client.post(f"/admin/users/{staff.id}/role", data=move).status_code == 302
    assert _user(id=staff.id).unit_id == other_unit.id
    assert _audit("user.change", staff)[0].details["unit_id"] == [job.unit_id, other_unit.id]


def test_nobody_changes_or_disables_themselves(app, make_user):
    admin = make_user(Role.ADMIN)
    supervisor = make_user(Role.SUPERVISOR)
    for me in (admin, supervisor):
        client = _client(app, me)
        assert client.get(f"/admin/users/{me.id}").status_code == 200
        assert client.post(f"/admin/users/{me.id}/disable", data={"reason": "x"}).status_code == 403
        resp = client.post(
            f"/admin/users/{me.id}/role", data={"role": "staff", "unit_id": "", "reason": "x"}
        )
        assert resp.status_code == 403
    assert _user(id=admin.id).active and _user(id=supervisor.id).role == Role.SUPERVISOR


def test_the_last_active_admin_stays(app, make_user, unit):
    """Two admins who disable each other at the same moment: the second one is refused."""
    first = make_user(Role.ADMIN)
    second = make_user(Role.ADMIN)
    for attempt in (
        lambda: people.disable(second, first, "Balas"),
        lambda: people.change(second, first, Role.STAFF, unit, "Turun"),
    ):
        # another request disables `second` while `second` is about to act (loaded, active)
        db.session.execute(
            update(User)
            .where(User.id == second.id)
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(people.PersonRefused) as refused:
            attempt()
        assert refused.value.code == "last_admin"
        db.session.rollback()
    assert _user(id=first.id).active and _user(id=first.id).role == Role.ADMIN
    # with another active admin, demoting works
    third = make_user(Role.ADMIN)
    people.change(third, first, Role.STAFF, unit, "Kembali ke unit")
    db.session.commit()
    assert _user(id=first.id).role == Role.STAFF and _user(id=first.id).unit_id == unit.id


# --- who sees whom ---------------------------------------------------------------------------


def test_each_sees_only_the_people_they_manage(app, make_user, other_unit):
    admin = make_user(Role.ADMIN, full_name="Operator Pusat")
    supervisor = make_user(Role.SUPERVISOR, full_name="Kepala Denpasar")
    staff = make_user(Role.STAFF, full_name="Desainer Denpasar", phone="6281234567010")
    other_staff = make_user(Role.STAFF, unit_=other_unit, full_name="Desainer Badung")
    other_supervisor = make_user(Role.SUPERVISOR, unit_=other_unit, full_name="Kepala Badung")
    make_user(full_name="Pemilik Usaha")

    mine = _client(app, supervisor)
    listing = mine.get("/admin/users").get_data(as_text=True)
    assert "Desainer Denpasar" in listing and "Kepala Denpasar" in listing
    for hidden in ("Desainer Badung", "Kepala Badung", "Operator Pusat", "Pemilik Usaha"):
        assert hidden not in listing, hidden
    # another unit's person and an admin look like nobody: 404, also on every action
    for person in (other_staff, admin):
        assert mine.get(f"/admin/users/{person.id}").status_code == 404
        for action in ("disable", "enable", "role", "reinvite"):
            resp = mine.post(f"/admin/users/{person.id}/{action}", data={"reason": "x"})
            assert resp.status_code == 404, action
    theirs = _client(app, other_supervisor)
    assert theirs.get(f"/admin/users/{staff.id}").status_code == 404
    assert theirs.post(f"/admin/users/{staff.id}/disable", data={"reason": "x"}).status_code == 404
    assert _user(id=staff.id).active

    everyone = _client(app, admin)
    listing = everyone.get("/admin/users").get_data(as_text=True)
    for shown in ("Desainer Denpasar", "Desainer Badung", "Kepala Badung", "Operator Pusat"):
        assert shown in listing, shown
    assert "Pemilik Usaha" not in listing
    only_badung = everyone.get(f"/admin/users?unit={other_unit.id}").get_data(as_text=True)
    assert "Desainer Badung" in only_badung and "Desainer Denpasar" not in only_badung
    for q in ("denpasar", "0812-3456-7010", staff.email.upper()):
        found = everyone.get("/admin/users", query_string={"q": q}).get_data(as_text=True)
        assert "Desainer Denpasar" in found and "Desainer Badung" not in found, q


def test_the_list_counts_open_jobs(app, make_user, make_request):
    supervisor = make_user(Role.SUPERVISOR)
    staff = make_user(Role.STAFF)
    owner = make_user()
    make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    make_request(owner, status=Status.ACCEPTED, assignee=staff)
    make_request(owner, status=Status.COMPLETED, assignee=staff)
    page = _client(app, supervisor).get("/admin/users").get_data(as_text=True)
    card = re.search(rf'<li class="card" data-id="{staff.id}">(.*?)</li>', page, re.S).group(1)
    assert '<strong class="open-jobs">2</strong>' in card


@pytest.mark.parametrize(("lang", "heading"), [("id", "Pengguna"), ("en", "People")])
def test_the_admin_pages_speak_both_languages(app, make_user, lang, heading):
    """Needs the compiled catalogs (`make extract`, scripts/i18n/users.py, `make translations`)."""
    supervisor = make_user(Role.SUPERVISOR, locale=lang)
    staff = make_user(Role.STAFF)
    client = app.test_client()
    login(client, supervisor)
    for path in ("/admin", "/admin/users", "/admin/users/invite", f"/admin/users/{staff.id}"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert f'<html lang="{lang}">' in resp.get_data(as_text=True), path
    assert f"<h1>{heading}</h1>" in client.get("/admin/users").get_data(as_text=True)
