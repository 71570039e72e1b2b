"""Each unit's time zone and holidays: due dates, what pages show, and the holidays page.

Catalog: KONSULTASI takes 3 working days. November 2026 has no national holiday; Christmas,
Fri 25 Dec 2026, is one.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text

import rumah_kemasan.service_requests.services as services_mod
from rumah_kemasan.accounts.models import Unit, UnitHoliday
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import services
from rumah_kemasan.service_requests.models import ServiceRequest
from rumah_kemasan.service_requests.services import calendar_for
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import PASSWORD


def at(tz: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


WITA = "Asia/Makassar"


@pytest.fixture
def clock(monkeypatch):
    """The services' clock, set by the test."""
    now = {"now": at(WITA, 2026, 11, 2, 10, 0)}
    monkeypatch.setattr(services_mod, "utcnow", lambda: now["now"])
    return now


@pytest.fixture
def people(make_user, other_unit):
    return {
        "owner": make_user(Role.OWNER),
        "staff": make_user(Role.STAFF),
        "supervisor": make_user(Role.SUPERVISOR),
        "staff_other": make_user(Role.STAFF, unit_=other_unit),
        "supervisor_other": make_user(Role.SUPERVISOR, unit_=other_unit),
        "admin": make_user(Role.ADMIN),
    }


def _accepted(make_request, make_business, owner, staff, unit, code="KONSULTASI"):
    """A request of `unit` filed and accepted (by its staff) at the clock's time."""
    business = make_business(owner, unit_id=unit.id)
    req = make_request(owner, business=business, code=code)
    services.transition(req, staff, Status.ACCEPTED)
    db.session.commit()
    return req


def _due(req) -> datetime:
    db.session.expire_all()
    return db.session.get(ServiceRequest, req.id).due_at


# SQLite: the test's own session must not hold the database while the app writes, so each
# call into the app first ends the session's transaction (its arguments are read before).
def _client(app, user):
    login_name = user.email
    db.session.rollback()
    client = app.test_client()
    resp = client.post("/auth/login", data={"login": login_name, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def _get(client, url):
    db.session.rollback()
    return client.get(url)


def _post(client, url, data):
    db.session.rollback()
    return client.post(url, data=data)


def _page(app, user, url) -> str:
    client = _client(app, user)
    resp = _get(client, url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def test_wib_and_wit_requests_show_due_times_in_their_units_zone(
    app, clock, people, unit, other_unit, make_request, make_business
):
    unit.timezone, other_unit.timezone = "Asia/Jakarta", "Asia/Jayapura"
    db.session.commit()
    clock["now"] = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB, 12:00 WIT
    wib = _accepted(make_request, make_business, people["owner"], people["staff"], unit)
    wit = _accepted(make_request, make_business, people["owner"], people["staff_other"], other_unit)
    # Three working days in each zone: Thursday at the same local hour.
    assert _due(wib) == at("Asia/Jakarta", 2026, 11, 5, 10, 0)
    assert _due(wit) == at("Asia/Jayapura", 2026, 11, 5, 12, 0)

    page = _page(app, people["staff"], f"/requests/{wib.code}")
    assert "5 November 2026 pukul 10.00 WIB" in page and "WITA" not in page
    page = _page(app, people["staff_other"], f"/requests/{wit.code}")
    assert "5 November 2026 pukul 12.00 WIT" in page
    # The admin (no unit of their own) and the owner see each request in its unit's zone.
    for user in (people["admin"], people["owner"]):
        assert "pukul 10.00 WIB" in _page(app, user, f"/requests/{wib.code}")
        assert "pukul 12.00 WIT" in _page(app, user, f"/requests/{wit.code}")
    people["staff_other"].locale = "en"
    db.session.commit()
    page = _page(app, people["staff_other"], f"/requests/{wit.code}")
    assert "5 November 2026, 12:00 WIT" in page


def test_a_units_day_off_moves_its_due_dates_and_no_other_units(
    app, clock, people, unit, other_unit, make_request, make_business
):
    client = _client(app, people["supervisor"])
    resp = _post(
        client, f"/admin/units/{unit.id}/holidays", data={"day": "2026-11-04", "name": "Galungan"}
    )
    assert resp.status_code == 303
    mine = _accepted(make_request, make_business, people["owner"], people["staff"], unit)
    theirs = _accepted(
        make_request, make_business, people["owner"], people["staff_other"], other_unit
    )
    # Mon 10:00 + 3 working days, Wednesday skipped: Friday; the other unit: Thursday.
    assert _due(mine) == at(WITA, 2026, 11, 6, 10, 0)
    assert _due(theirs) == at(WITA, 2026, 11, 5, 10, 0)
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "unit.holiday.add"))
    assert row.actor_id == people["supervisor"].id and row.target == f"unit:{unit.id}"
    assert row.details["day"] == "2026-11-04" and row.details["name"] == "Galungan"
    page = _get(client, f"/admin/units/{unit.id}/holidays?year=2026").get_data(as_text=True)
    assert "Galungan" in page and "Libur setempat" in page


def test_working_a_national_holiday_opens_that_unit_only_and_moves_open_due_dates(
    app, clock, people, unit, other_unit, make_request, make_business
):
    clock["now"] = at(WITA, 2026, 12, 23, 10, 0)  # Wednesday
    mine = _accepted(make_request, make_business, people["owner"], people["staff"], unit)
    theirs = _accepted(
        make_request, make_business, people["owner"], people["staff_other"], other_unit
    )
    assert _due(mine) == _due(theirs) == at(WITA, 2026, 12, 29, 10, 0)  # Christmas skipped

    admin = _client(app, people["admin"])
    resp = _post(
        admin,
        f"/admin/units/{unit.id}/holidays/change",
        data={"day": "2026-12-25", "action": "work"},
    )
    assert resp.status_code == 303
    assert _due(mine) == at(WITA, 2026, 12, 28, 10, 0)  # Thu 24, Fri 25, Mon 28
    assert _due(theirs) == at(WITA, 2026, 12, 29, 10, 0)
    work = db.session.scalar(select(AuditLog).where(AuditLog.action == "unit.holiday.work"))
    assert work.actor_id == people["admin"].id
    assert work.details["moved"] == [
        [mine.code, at(WITA, 2026, 12, 29, 10).isoformat(), at(WITA, 2026, 12, 28, 10).isoformat()]
    ]
    assert calendar_for(db.session.get(Unit, unit.id)).is_working_day(date(2026, 12, 25))
    assert not calendar_for(db.session.get(Unit, other_unit.id)).is_working_day(date(2026, 12, 25))

    # Restored: a holiday again, and the open request is due on the Tuesday again.
    resp = _post(
        admin,
        f"/admin/units/{unit.id}/holidays/change",
        data={"day": "2026-12-25", "action": "undo"},
    )
    assert resp.status_code == 303
    assert _due(mine) == at(WITA, 2026, 12, 29, 10, 0)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "unit.holiday.restore"))
    assert db.session.scalar(select(UnitHoliday)) is None


def test_only_running_requests_due_on_or_after_the_day_move(
    app, clock, people, unit, make_request, make_business
):
    running = _accepted(make_request, make_business, people["owner"], people["staff"], unit)
    paused = _accepted(make_request, make_business, people["owner"], people["staff"], unit)
    services.transition(paused, people["staff"], Status.IN_DESIGN)
    services.transition(paused, people["staff"], Status.NEEDS_INFO, "Mohon foto produk")
    db.session.commit()
    before = _due(paused)
    client = _client(app, people["supervisor"])
    # A day off after both due dates changes nothing; one before Thursday moves the running one.
    _post(client, f"/admin/units/{unit.id}/holidays", data={"day": "2026-11-09", "name": "Cuti"})
    assert _due(running) == at(WITA, 2026, 11, 5, 10, 0)
    _post(
        client, f"/admin/units/{unit.id}/holidays", data={"day": "2026-11-03", "name": "Kuningan"}
    )
    assert _due(running) == at(WITA, 2026, 11, 6, 10, 0)
    assert _due(paused) == before  # counted again when the owner answers
    actions = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    moved = [r.details["moved"] for r in actions if r.action == "unit.holiday.add"]
    assert moved[0] == [] and [m[0] for m in moved[1]] == [running.code]


def test_the_holidays_page_belongs_to_the_units_supervisor_and_the_admin(app, people, unit):
    url = f"/admin/units/{unit.id}/holidays"
    other = _client(app, people["supervisor_other"])
    assert _get(other, url).status_code == 404
    assert _post(other, url, data={"day": "2026-11-04", "name": "Galungan"}).status_code == 404
    assert (
        _post(other, f"{url}/change", data={"day": "2026-12-25", "action": "work"}).status_code
        == 404
    )
    assert _get(other, "/admin/units/999999/holidays").status_code == 404
    staff = _client(app, people["staff"])
    assert _get(staff, url).status_code == 403
    assert db.session.scalar(select(UnitHoliday)) is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action.like("unit.%"))) is None
    page = _page(app, people["admin"], f"{url}?year=2026")
    assert "Hari Raya Natal" in page or "Natal" in page


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(app, people, unit):
    client = _client(app, people["supervisor"])
    url = f"/admin/units/{unit.id}/holidays"
    resp = _post(client, url, data={"day": "2026-11-04", "name": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'value="2026-11-04"' in page and "wajib" in page
    resp = _post(client, url, data={"day": "2026-11-07", "name": "Sabtu Kliwon"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Sabtu Kliwon" in page and "Sabtu atau Minggu" in page
    resp = _post(client, url, data={"day": "2026-12-25", "name": "Natal"})
    assert resp.status_code == 200 and "hari libur nasional" in resp.get_data(as_text=True)
    resp = _post(client, url, data={"day": "25/11/2026", "name": "Galungan"})
    assert resp.status_code == 200 and "2026-11-25" in resp.get_data(as_text=True)
    assert db.session.scalar(select(UnitHoliday)) is None


def test_a_cached_calendar_is_rebuilt_after_a_change_made_elsewhere(app, ctx, unit):
    first = calendar_for(unit)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert calendar_for(unit) is first  # same stamp: no query, same calendar
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []
    # Another process adds a day off and writes a new stamp, through its own connection; this
    # one reads the unit again in its next transaction (its next request).
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit_holiday (unit_id, day, name, closed, created_at) "
                "VALUES (:u, :d, 'Galungan', :c, :t)"
            ),
            {"u": unit.id, "d": date(2026, 11, 4), "c": True, "t": datetime.now(UTC)},
        )
        conn.execute(
            text("UPDATE unit SET calendar_stamp = 'elsewhere' WHERE id = :u"), {"u": unit.id}
        )
    db.session.rollback()
    fresh = calendar_for(db.session.get(Unit, unit.id))
    assert fresh is not first and not fresh.is_working_day(date(2026, 11, 4))
    assert first.is_working_day(date(2026, 11, 4))


def test_exports_and_reports_write_each_units_zone(
    app, clock, people, unit, other_unit, make_request, make_business
):
    unit.timezone, other_unit.timezone = "Asia/Jakarta", "Asia/Jayapura"
    db.session.commit()
    clock["now"] = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 WIB, 12:00 WIT
    wib = _accepted(make_request, make_business, people["owner"], people["staff"], unit)
    wit = _accepted(make_request, make_business, people["owner"], people["staff_other"], other_unit)
    codes = {wib.code: "WIB", wit.code: "WIT"}
    admin = _client(app, people["admin"])
    text_ = _get(admin, "/reports/export.csv").get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(text_.lstrip("\ufeff"))))
    got = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert got[wib.code]["submitted_at"] == "2026-11-02 10:00"
    assert got[wib.code]["due_at"] == "2026-11-05 10:00"
    assert got[wit.code]["submitted_at"] == "2026-11-02 12:00"
    assert {code: got[code]["time_zone"] for code in codes} == codes
    # A report of one unit counts in its zone; the admin's all-units report in the default.
    supervisor = _client(app, people["supervisor_other"])
    assert "dalam WIT" in _get(supervisor, "/backlog").get_data(as_text=True)
    assert "dalam WITA" in _get(admin, "/reports").get_data(as_text=True)
    assert "dalam WIB" in _get(admin, f"/reports?unit={unit.id}").get_data(as_text=True)
