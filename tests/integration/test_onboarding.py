"""Importing an office's spreadsheet (issue 15, item 4; docs/import.md), on both databases.

The Done-when case: a 1,000-row file with 5 bad rows is refused naming exactly those rows and
columns, and nothing is saved; corrected, it creates exactly the expected owners, businesses
and requests; imported again, it creates nothing. Also: the dates and statuses are kept (a
request submitted in March counts in March's report), the template round-trips, the audit
row, and another unit's supervisor gets 404.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import event, func, select

from rumah_kemasan.accounts.models import Business, ConsentRecord, User
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import Notification, OutboxEmail
from rumah_kemasan.onboarding import services as onboarding
from rumah_kemasan.onboarding.spreadsheet import MAX_UNPACKED, SheetError, read_table
from rumah_kemasan.onboarding.validation import COLUMNS, parse_date
from rumah_kemasan.reports.periods import period_of
from rumah_kemasan.reports.queries import period_report
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import EventKind, RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login

KEYS = [c.key for c in COLUMNS]
AREAS = [
    ("Denpasar Selatan", "Sesetan"),
    ("Denpasar Timur", "Sumerta Kaja"),
    ("denpasar selatan", "SANUR"),
]
SERVICES = ["DESAIN-LABEL", "desain-logo", "Konsultasi", "CETAK-STIKER"]
# (status as an office might write it, closed?) in code, English and Indonesian.
STATUSES = [
    ("completed", True),
    ("Selesai", True),
    ("Submitted", False),
    ("Diterima, Dalam Antrean", False),
    ("needs_info", False),
    ("Ditolak", True),
    ("Cancelled", False),
    ("Siap Diambil", False),
]
OWNERS, BUSINESSES_PER_OWNER, ROWS = 300, 2, 1000


def phone(i: int) -> str:
    return f"0812-{3000 + i // 10000:04d}-{i % 10000:04d}"


def big_file_rows() -> list[dict]:
    """1,000 requests of 300 owners and 600 businesses (half with an NIB); two thirds carry the
    office's number. Dates from June 2025 to October 2026, 60 of them in March 2026."""
    rows = []
    for n in range(ROWS):
        owner = n % OWNERS
        biz = (n // OWNERS) % BUSINESSES_PER_OWNER
        kecamatan, desa = AREAS[n % len(AREAS)]
        status, closed = STATUSES[n % len(STATUSES)]
        if n < 60:
            submitted = date(2026, 3, 1 + n % 28)
        else:
            submitted = date(2025 + (n % 17 + 5) // 12, (n % 17 + 5) % 12 + 1, 1 + n % 28)
        rows.append(
            {
                "ref": f"REG/{n:04d}" if n % 3 else "",
                "owner_name": f"Pemilik {owner}",
                "phone": phone(owner),
                "email": f"pemilik{owner}@contoh.id" if owner % 2 else "",
                "business_name": f"Usaha {owner}-{biz}",
                "nib": f"{9100000000000 + owner * 10 + biz}" if biz == 0 else "",
                "category": ["pangan", "Kerajinan", "agro"][owner % 3],
                "scale": ["mikro", "Kecil"][owner % 2],
                "kecamatan": kecamatan,
                "desa": desa,
                "service": SERVICES[n % len(SERVICES)],
                "product_name": f"Produk {n}",
                "brief": "Label baru" if n % 2 else "",
                "submitted": submitted,
                "status": status,
                "closed": date(submitted.year, submitted.month, 28) if closed else "",
            }
        )
    return rows


def xlsx(rows: list[dict], header=KEYS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row[k] for k in KEYS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sign_in(client, user):
    """Sign in and read the pages in English (the messages the assertions quote)."""
    assert login(client, user).status_code == 302
    client.post("/lang/en", data={"next": "/admin/import"})


def upload(client, unit_id: int, data: bytes, name="register.xlsx"):
    return client.post(
        "/admin/import",
        data={"unit_id": str(unit_id), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def problems_of(html: str) -> list[tuple[int, str]]:
    return [
        (int(r), c) for r, c in re.findall(r'<tr data-row="(\d+)" data-column="([a-z_]*)"', html)
    ]


def counts_of(html: str) -> dict[str, tuple[int, int]]:
    found = re.findall(
        r'<tr data-kind="(\w+)"><th scope="row">[^<]*</th><td>(\d+)</td><td>(\d+)</td>', html
    )
    return {kind: (int(a), int(b)) for kind, a, b in found}


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def totals() -> tuple[int, int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count(User.id)).where(User.role == Role.OWNER)),
        db.session.scalar(select(func.count(Business.id))),
        db.session.scalar(select(func.count(ServiceRequest.id))),
    )


class QueryCounter:
    def __init__(self):
        self.n = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self.count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self.count)

    def count(self, *args):
        self.n += 1


def test_a_1000_row_file_with_5_bad_rows_is_refused_then_imported_once(
    app, client, make_user, unit
):
    supervisor = make_user(Role.SUPERVISOR)
    admin = make_user(Role.ADMIN)
    sign_in(client, supervisor)
    rows = big_file_rows()
    good = {i: dict(rows[i]) for i in (17, 250, 401, 777, 998)}
    rows[17]["phone"] = "0361-234567"  # a landline
    rows[250]["service"] = "DESAIN-PERAHU"
    rows[401]["submitted"] = "31/02/2026"
    rows[777]["status"], rows[777]["closed"] = "Completed", ""
    rows[998]["desa"] = "Kuta"
    before = totals()

    resp = upload(client, unit.id, xlsx(rows))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "The file was not imported" in html
    assert problems_of(html) == [
        (19, "phone"),
        (252, "service"),
        (403, "submitted"),
        (779, "closed"),
        (1000, "desa"),
    ]
    assert 'name="token"' not in html  # nothing to confirm
    assert totals() == before

    for i, row in good.items():
        rows[i] = row
    resp = upload(client, unit.id, xlsx(rows))
    html = resp.get_data(as_text=True)
    owners, businesses = OWNERS, OWNERS * BUSINESSES_PER_OWNER
    assert counts_of(html) == {
        "owners": (owners, 0),
        "businesses": (businesses, 0),
        "requests": (ROWS, 0),
    }, problems_of(html)
    assert totals() == before  # the preview saves nothing
    resp = client.post("/admin/import/confirm", data={"token": token_of(html)})
    assert resp.status_code == 303
    after = totals()
    assert after == (before[0] + owners, before[1] + businesses, before[2] + ROWS)

    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.action == onboarding.AUDIT_ACTION)
    ).one()
    assert audit.actor_id == supervisor.id and audit.target == f"unit:{unit.id}"
    assert audit.details["requests_created"] == ROWS
    assert audit.details["owners_created"] == owners

    # Imported again, by the admin: everything is recognised, nothing is offered or created.
    client.post("/auth/logout")
    sign_in(client, admin)
    resp = upload(client, unit.id, xlsx(rows))
    html = resp.get_data(as_text=True)
    assert counts_of(html) == {
        "owners": (0, owners),
        "businesses": (0, businesses),
        "requests": (0, ROWS),
    }
    assert 'name="token"' not in html
    # and the save, if it were called, would create nothing either
    db.session.rollback()
    with QueryCounter() as queries:
        checked = onboarding.check_file(unit, xlsx(rows))
    assert checked.ok and checked.plan.counts()["requests_created"] == 0
    assert queries.n < 30  # prefetched per file, not per row
    onboarding.apply(checked.plan, admin, "again.xlsx")
    db.session.commit()
    assert totals() == after


def test_imported_requests_keep_their_dates_status_and_history(app, client, make_user, unit):
    supervisor = make_user(Role.SUPERVISOR)
    admin = make_user(Role.ADMIN)
    sign_in(client, supervisor)
    rows = big_file_rows()[:120]
    html = upload(client, unit.id, xlsx(rows)).get_data(as_text=True)
    assert client.post("/admin/import/confirm", data={"token": token_of(html)}).status_code == 303
    db.session.rollback()

    march = period_of("month", date(2026, 3, 1))
    now = db.session.scalar(select(func.max(ServiceRequest.last_changed_at)))
    report = period_report(admin, unit.id, march, now)
    submitted_in_march = sum(1 for r in rows if r["submitted"].strftime("%Y-%m") == "2026-03")
    completed_in_march = sum(
        1
        for r in rows
        if r["status"] in ("completed", "Selesai") and r["closed"].strftime("%Y-%m") == "2026-03"
    )
    assert submitted_in_march > 60 and completed_in_march > 0
    assert report.received == submitted_in_march
    assert report.completed == completed_in_march

    by_ref = {r.import_ref: r for r in db.session.scalars(select(ServiceRequest))}
    done = by_ref["REG/0001"]  # row 1: "Selesai", submitted 2 March 2026, closed 28 March
    assert done.status is Status.COMPLETED
    assert done.code.startswith("RK-2026-")
    zone = ZoneInfo(unit.timezone)
    assert done.submitted_at.astimezone(zone).date() == date(2026, 3, 2)
    assert done.completed_at.astimezone(zone).date() == date(2026, 3, 28)
    assert done.accepted_at == done.submitted_at and done.due_at > done.accepted_at
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == done.id).order_by(RequestEvent.id)
    ).all()
    assert [(e.kind, e.to_status) for e in events] == [
        (EventKind.STATUS, Status.SUBMITTED),
        (EventKind.STATUS, Status.COMPLETED),
    ]
    audit_id = db.session.scalar(select(AuditLog.id).where(AuditLog.action == "import.requests"))
    assert all(f"#{audit_id}" in e.note for e in events)
    assert events[0].created_at == done.submitted_at
    assert events[1].created_at == done.completed_at
    older = next(r for r in by_ref.values() if r.submitted_at.year == 2025)
    assert older.code.startswith("RK-2025-")  # the year it was submitted
    rejected = by_ref["REG/0005"]  # "Ditolak"
    assert rejected.status is Status.REJECTED and rejected.completed_at is None

    owner = db.session.scalar(select(User).where(User.phone == "6281230000001"))
    assert owner.password_hash is None and owner.email == "pemilik1@contoh.id"
    consent = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.user_id == owner.id)
    ).one()
    assert consent.kind == "import" and f"#{audit_id}" in consent.purpose
    # no e-mail or notification about history
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_existing_owners_and_businesses_are_recognised(app, client, make_user, make_business, unit):
    supervisor = make_user(Role.SUPERVISOR)
    owner_0 = make_user(Role.OWNER, phone="6281230000000")
    by_name = make_business(owner_0, name="usaha  0-0")  # no NIB yet: found by owner and name
    owner_2 = make_user(Role.OWNER, phone="6281230000002")
    by_nib = make_business(owner_2, name="Nama Lama", nib="9100000000020")
    make_user(Role.STAFF, phone="6281230000003")
    sign_in(client, supervisor)
    rows = big_file_rows()[:12]  # owners 0-11, one business each, with an NIB
    html = upload(client, unit.id, xlsx(rows)).get_data(as_text=True)
    assert problems_of(html) == [(5, "phone")]  # owner 3's number is a staff member's
    assert "This number belongs to a staff account." in html
    rows = [r for r in rows if r["phone"] != phone(3)]
    html = upload(client, unit.id, xlsx(rows)).get_data(as_text=True)
    assert counts_of(html) == {"owners": (9, 2), "businesses": (9, 2), "requests": (11, 0)}
    client.post("/admin/import/confirm", data={"token": token_of(html)})
    db.session.rollback()
    assert db.session.scalar(select(func.count(Business.id))) == 11
    requests_of = lambda b: db.session.scalar(  # noqa: E731
        select(func.count(ServiceRequest.id)).where(ServiceRequest.business_id == b.id)
    )
    assert requests_of(by_name) == 1 and requests_of(by_nib) == 1
    db.session.refresh(by_nib)
    assert by_nib.name == "Nama Lama"  # an existing business is not changed by an import


def test_a_nib_of_another_owner_and_duplicates_in_the_file_are_named(
    app, client, make_user, make_business, unit
):
    supervisor = make_user(Role.SUPERVISOR)
    make_business(make_user(Role.OWNER), nib="9100000000000")  # owner 0's NIB in the file
    sign_in(client, supervisor)
    rows = big_file_rows()[:10]
    rows[4]["ref"] = rows[2]["ref"]
    rows[6]["ref"] = ""
    rows[9] = dict(rows[6])
    html = upload(client, unit.id, xlsx(rows)).get_data(as_text=True)
    assert problems_of(html) == [(2, "nib"), (6, "ref"), (11, "product_name")]
    assert "This NIB belongs to another owner" in html
    assert "The same original number as row 4" in html


def test_a_filled_template_imports_xlsx_and_csv(app, client, make_user, unit):
    supervisor = make_user(Role.SUPERVISOR)
    sign_in(client, supervisor)  # the template's headers in English
    resp = client.get(f"/admin/import/template.xlsx?unit={unit.id}")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(resp.data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Original number", "Owner name", "Mobile number"]
    lists = workbook.worksheets[1]
    listed = {c.value for col in lists.iter_cols() for c in col}
    assert {"DESAIN-LABEL", "Sesetan", "Denpasar Selatan", "Completed"} <= listed
    rows = big_file_rows()[:3]
    for row in rows:
        sheet.append([row[k] for k in KEYS])
    out = io.BytesIO()
    workbook.save(out)
    html = upload(client, unit.id, out.getvalue()).get_data(as_text=True)
    assert counts_of(html)["requests"] == (3, 0), problems_of(html)
    assert client.post("/admin/import/confirm", data={"token": token_of(html)}).status_code == 303

    resp = client.get("/admin/import/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.data.decode("utf-8-sig")
    more = big_file_rows()[3:6]
    out_csv = io.StringIO()
    writer = csv.writer(out_csv, delimiter=";")  # as Excel writes it in an Indonesian locale
    writer.writerow(next(csv.reader(io.StringIO(text))))
    for row in more:
        writer.writerow(
            [row[k].strftime("%d/%m/%Y") if isinstance(row[k], date) else row[k] for k in KEYS]
        )
    html = upload(client, unit.id, out_csv.getvalue().encode(), "register.csv").get_data(
        as_text=True
    )
    assert counts_of(html)["requests"] == (3, 0), problems_of(html)
    client.post("/admin/import/confirm", data={"token": token_of(html)})
    db.session.rollback()
    assert db.session.scalar(select(func.count(ServiceRequest.id))) == 6


def test_another_units_supervisor_cannot_import_into_it(app, client, make_user, unit, other_unit):
    owner_unit_supervisor = make_user(Role.SUPERVISOR)
    other_supervisor = make_user(Role.SUPERVISOR, unit_=other_unit)
    data = xlsx(big_file_rows()[:3])
    sign_in(client, other_supervisor)
    assert upload(client, unit.id, data).status_code == 404
    assert client.get(f"/admin/import?unit={unit.id}").status_code == 404
    assert client.get(f"/admin/import/template.xlsx?unit={unit.id}").status_code == 404
    page = client.get("/admin/import").get_data(as_text=True)
    assert other_unit.name in page and unit.name not in page

    # A token is good only for whoever uploaded: the other supervisor cannot confirm it.
    own = app.test_client()
    sign_in(own, owner_unit_supervisor)
    token = token_of(upload(own, unit.id, data).get_data(as_text=True))
    resp = client.post("/admin/import/confirm", data={"token": token})
    assert resp.status_code == 303
    assert totals()[2] == 0
    assert own.post("/admin/import/confirm", data={"token": token}).status_code == 303
    assert totals()[2] == 3
    # used once: the same token again finds nothing waiting
    assert own.post("/admin/import/confirm", data={"token": token}).status_code == 303
    assert totals()[2] == 3


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04 not really a workbook", "The file could not be read"),
        (b"Nama pemilik;No. HP\n", "This column is missing from the header row."),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(app, client, make_user, unit, data, message):
    sign_in(client, make_user(Role.SUPERVISOR))
    html = upload(client, unit.id, data, "x.xlsx").get_data(as_text=True)
    assert message in html
    assert 'name="token"' not in html


def test_the_file_is_checked_again_when_confirmed(app, client, make_user, unit):
    """Between the preview and the confirmation the database may change: a phone of the file
    became a staff member's. The confirmation names the row and saves nothing."""
    sign_in(client, make_user(Role.SUPERVISOR))
    html = upload(client, unit.id, xlsx(big_file_rows()[:5])).get_data(as_text=True)
    token = token_of(html)
    db.session.rollback()  # end the test's read transaction before it writes (SQLite)
    make_user(Role.STAFF, phone="6281230000004")  # owner 4, row 6
    resp = client.post("/admin/import/confirm", data={"token": token})
    assert resp.status_code == 200
    assert problems_of(resp.get_data(as_text=True)) == [(6, "phone")]
    assert totals() == (0, 0, 0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-15", date(2026, 3, 15)),
        ("15/03/2026", date(2026, 3, 15)),
        ("15-03-2026", date(2026, 3, 15)),
        ("15.03.2026", date(2026, 3, 15)),
        ("2026-03-15 00:00:00", date(2026, 3, 15)),
        ("03/15/2026", None),  # month first is not a date an Indonesian office writes
        ("15 Maret 2026", None),
        ("", None),
    ],
)
def test_dates_as_offices_write_them(text, expected):
    assert parse_date(text) == expected


def test_an_xlsx_that_unpacks_to_too_much_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (MAX_UNPACKED + 1))
    with pytest.raises(SheetError) as refused:
        read_table(out.getvalue())
    assert refused.value.code == "unreadable"


@pytest.mark.parametrize("nib_first", [True, False])
def test_one_business_written_with_and_without_its_nib_is_one_business(
    app, client, make_user, unit, nib_first
):
    """An office writes the NIB on some lines of a business and not on others: it is one
    business (same owner, same name), it gets the NIB, and a re-import creates nothing."""
    sign_in(client, make_user(Role.SUPERVISOR))
    rows = big_file_rows()[:4]
    for n, row in enumerate(rows):
        row.update(ref="", phone=phone(1), owner_name="Pemilik 1", business_name="Dapur Sari")
        row["nib"] = "9100000000777" if (n % 2 == 0) == nib_first else ""
    rows[1]["business_name"] = "DAPUR  sari"
    html = upload(client, unit.id, xlsx(rows)).get_data(as_text=True)
    assert counts_of(html) == {"owners": (1, 0), "businesses": (1, 0), "requests": (4, 0)}
    client.post("/admin/import/confirm", data={"token": token_of(html)})
    db.session.rollback()
    business = db.session.scalars(select(Business)).one()
    assert business.nib == "9100000000777" and business.name == "Dapur Sari"
    html = upload(client, unit.id, xlsx(rows)).get_data(as_text=True)
    assert counts_of(html) == {"owners": (0, 1), "businesses": (0, 1), "requests": (0, 4)}
