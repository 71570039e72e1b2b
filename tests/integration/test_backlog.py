"""/backlog: hand-computed figures, scope, and every number linking to exactly its rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rumah_kemasan.accounts.models import Business, BusinessScale, ProductCategory
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.reports.periods import local_midnight_utc, local_today
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import sla
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.report_helpers import (
    add_status_events,
    figures,
    listed_codes,
    set_times,
    signed_in,
)

WITA = ZoneInfo("Asia/Makassar")


def wita(*args) -> datetime:
    return datetime(*args, tzinfo=WITA).astimezone(UTC)


@pytest.fixture
def world(make_user, make_request, other_unit):
    """Open and completed requests of one unit, placed by hand, plus another unit's."""
    now = utcnow()
    week_lo, week_hi = sla.week_bounds(now)
    today = local_today(now)
    month_start = local_midnight_utc(today.replace(day=1))
    a = make_user(Role.STAFF, full_name="Ayu")
    b = make_user(Role.STAFF, full_name="Budi")
    sup = make_user(Role.SUPERVISOR)
    other_sup = make_user(Role.SUPERVISOR, unit_=other_unit)
    admin = make_user(Role.ADMIN)
    owner = make_user()
    r = {}
    r["week"] = make_request(owner, status=Status.IN_DESIGN, assignee=a)
    set_times(
        r["week"], submitted_at=now - timedelta(days=3), due_at=week_hi - timedelta(minutes=1)
    )
    r["overdue"] = make_request(owner, status=Status.IN_DESIGN, assignee=a)
    set_times(
        r["overdue"], submitted_at=now - timedelta(days=10), due_at=week_lo - timedelta(days=2)
    )
    r["queued"] = make_request(owner, status=Status.ACCEPTED)
    set_times(
        r["queued"], submitted_at=now - timedelta(days=20), due_at=week_hi + timedelta(days=3)
    )
    r["new"] = make_request(owner)
    set_times(r["new"], submitted_at=now - timedelta(days=45))
    r["paused"] = make_request(owner, status=Status.AWAITING_APPROVAL, assignee=b)
    set_times(
        r["paused"],
        submitted_at=now - timedelta(days=1),
        due_at=week_lo - timedelta(days=5),
        paused_at=now - timedelta(hours=5),
    )
    r["done"] = make_request(owner, status=Status.COMPLETED, assignee=a)
    set_times(
        r["done"],
        submitted_at=now - timedelta(days=30),
        completed_at=max(month_start + timedelta(minutes=1), now - timedelta(hours=1)),
    )
    r["done_before"] = make_request(owner, status=Status.COMPLETED, assignee=b)
    set_times(
        r["done_before"],
        submitted_at=now - timedelta(days=60),
        completed_at=min(month_start - timedelta(days=1), now - timedelta(days=40)),
    )
    # Stages (weekends and the 17 Feb 2026 holiday skipped):
    # done:        submitted 1, accepted 2, in_design 2, awaiting_approval 1, approved 1
    # done_before: submitted 4, accepted 1, in_design 0
    add_status_events(
        r["done"],
        [
            (Status.SUBMITTED, wita(2026, 2, 9, 9)),
            (Status.ACCEPTED, wita(2026, 2, 10, 9)),
            (Status.IN_DESIGN, wita(2026, 2, 12, 9)),
            (Status.AWAITING_APPROVAL, wita(2026, 2, 16, 9)),
            (Status.APPROVED, wita(2026, 2, 18, 9)),
            (Status.COMPLETED, wita(2026, 2, 19, 9)),
        ],
    )
    add_status_events(
        r["done_before"],
        [
            (Status.SUBMITTED, wita(2026, 2, 2, 9)),
            (Status.ACCEPTED, wita(2026, 2, 6, 9)),
            (Status.IN_DESIGN, wita(2026, 2, 9, 9)),
            (Status.COMPLETED, wita(2026, 2, 9, 15)),
        ],
    )
    other_owner = make_user(unit_=other_unit)
    other_staff = make_user(Role.STAFF, unit_=other_unit)
    biz = Business(
        owner_id=other_owner.id,
        unit_id=other_unit.id,
        name="Usaha Badung",
        category=ProductCategory.KERAJINAN,
        scale=BusinessScale.KECIL,
    )
    db.session.add(biz)
    db.session.commit()
    r["other"] = make_request(
        other_owner, status=Status.IN_DESIGN, assignee=other_staff, business=biz
    )
    set_times(r["other"], unit_id=other_unit.id, due_at=now - timedelta(days=3))
    codes = {k: v.code for k, v in r.items()}
    ids = {"a": a.id, "b": b.id, "unit": sup.unit_id, "other_unit": other_unit.id}
    return {"sup": sup, "other_sup": other_sup, "admin": admin, "codes": codes, "ids": ids}


def test_backlog_figures_match_the_hand_count(app, world):
    client = signed_in(app, world["sup"])
    page = client.get("/backlog").get_data(as_text=True)
    f = {k: n for k, (n, _link) in figures(page).items()}
    assert f["open"] == 5
    assert f["overdue"] == 1  # the paused one is past due but waits on the owner
    assert f["week"] == 1
    assert (f["status-in_design"], f["status-accepted"], f["status-submitted"]) == (2, 1, 1)
    assert f["status-awaiting_approval"] == 1
    assert [f["age-0-7"], f["age-8-14"], f["age-15-30"], f["age-31+"]] == [2, 1, 1, 1]
    a, b = world["ids"]["a"], world["ids"]["b"]
    assert (f[f"staff-{a}-open"], f[f"staff-{a}-overdue"], f[f"staff-{a}-completed"]) == (2, 1, 1)
    assert (f[f"staff-{b}-open"], f[f"staff-{b}-overdue"], f[f"staff-{b}-completed"]) == (1, 0, 0)
    weekly = [n for k, n in f.items() if re.fullmatch(r"week-\d+-completed", k)]
    assert len(weekly) == 12 and sum(weekly) == 2 and f["week-12-completed"] == 1
    stages = dict(re.findall(r'data-stage="(\w+)">([\d.]+)<', page))
    assert stages == {
        "submitted": "2.5",
        "accepted": "1.5",
        "in_design": "1.0",
        "awaiting_approval": "1.0",
        "approved": "1.0",
    }
    assert 'role="group"' in page and "<title" in page and "<desc" in page
    assert world["codes"]["other"] not in page


def test_every_backlog_number_lists_exactly_its_rows(app, world):
    client = signed_in(app, world["sup"])
    page = client.get("/backlog").get_data(as_text=True)
    found = figures(page)
    assert len(found) > 20
    for key, (n, link) in found.items():
        codes = listed_codes(client, link)
        assert len(codes) == n, (key, link, codes)
        assert world["codes"]["other"] not in codes
    overdue_codes = listed_codes(client, found["overdue"][1])
    assert overdue_codes == [world["codes"]["overdue"]]


def test_admin_sees_all_units_or_one(app, world):
    client = signed_in(app, world["admin"])
    everything = figures(client.get("/backlog").get_data(as_text=True))
    assert everything["open"][0] == 6
    assert everything["overdue"][0] == 2
    one = figures(client.get(f"/backlog?unit={world['ids']['other_unit']}").get_data(as_text=True))
    assert one["open"][0] == 1
    assert listed_codes(client, one["open"][1]) == [world["codes"]["other"]]


def test_backlog_scope_and_access(app, world, make_user):
    other = signed_in(app, world["other_sup"])
    f = figures(other.get("/backlog").get_data(as_text=True))
    assert f["open"][0] == 1 and f["overdue"][0] == 1
    for role in (Role.STAFF, Role.OWNER):
        assert signed_in(app, make_user(role)).get("/backlog").status_code == 403
    assert app.test_client().get("/backlog").status_code == 302
