"""/reports: hand-computed period figures, every count linking to its rows, scope, print CSS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from rumah_kemasan.accounts.models import Business, BusinessScale, ProductCategory
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.reports.periods import local_midnight_utc, local_today
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.report_helpers import figures, listed_codes, set_times, signed_in


@pytest.fixture
def month(make_user, make_request, make_business, other_unit):
    now = utcnow()
    start = local_midnight_utc(local_today(now).replace(day=1))
    inside = max(start + timedelta(minutes=5), now - timedelta(minutes=5))
    staff = make_user(Role.STAFF)
    owner = make_user()
    legal = make_business(owner, nib="1234567890123", pirt="123456789012345")
    plain = make_business(owner, scale=BusinessScale.KECIL, name="Tanpa Izin")
    plain.area_id = None
    halal = make_business(owner, halal="ID51110000123", category=ProductCategory.KERAJINAN)
    db.session.commit()
    r = {}
    r["done"] = make_request(owner, status=Status.COMPLETED, assignee=staff, business=legal)
    set_times(
        r["done"],
        submitted_at=inside,
        completed_at=inside,
        due_at=inside + timedelta(days=2),
        revision_count=2,
    )
    r["open"] = make_request(owner, status=Status.IN_DESIGN, assignee=staff, business=plain)
    set_times(r["open"], submitted_at=inside)
    r["late"] = make_request(
        owner, status=Status.COMPLETED, assignee=staff, business=halal, code="CETAK-STIKER"
    )
    set_times(
        r["late"],
        submitted_at=now - timedelta(days=400),
        completed_at=inside,
        due_at=inside - timedelta(days=1),
        revision_count=1,
        product_category=ProductCategory.KERAJINAN,
    )
    r["old"] = make_request(owner, status=Status.COMPLETED, assignee=staff, business=legal)
    set_times(
        r["old"], submitted_at=now - timedelta(days=500), completed_at=now - timedelta(days=400)
    )
    other_owner = make_user(unit_=other_unit)
    biz = Business(
        owner_id=other_owner.id,
        unit_id=other_unit.id,
        name="Usaha Badung",
        category=ProductCategory.PANGAN,
        scale=BusinessScale.MIKRO,
        nib="9999999999999",
    )
    db.session.add(biz)
    db.session.commit()
    r["other"] = make_request(other_owner, status=Status.COMPLETED, assignee=staff, business=biz)
    db.session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == r["other"].id)
        .values(unit_id=other_unit.id, submitted_at=inside, completed_at=inside)
    )
    db.session.commit()
    sup = make_user(Role.SUPERVISOR)
    admin = make_user(Role.ADMIN)
    return {"sup": sup, "admin": admin, "codes": {k: v.code for k, v in r.items()}}


def test_report_figures_match_the_hand_count(app, month):
    client = signed_in(app, month["sup"])
    resp = client.get("/reports?period=month")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page[-3000:]
    f = {k: n for k, (n, _l) in figures(page).items()}
    assert (f["received"], f["completed"]) == (2, 2)
    assert (f["within"], f["over"]) == (1, 1)
    assert 'data-share="sla">50.0%<' in page
    assert 'data-figure="revisions">1.50<' in page  # (2 + 1) / 2
    assert 'data-count="served">2<' in page
    assert 'data-count="nib">1<' in page and 'data-share="nib">50.0%<' in page
    assert 'data-count="pirt">1<' in page and 'data-count="halal">1<' in page
    assert f["category-pangan-received"] == 2 and f["category-kerajinan-completed"] == 1
    assert f["scale-kecil-received"] == 1 and f["scale-mikro-completed"] == 2
    assert f["area-none-received"] == 1
    css = client.get("/static/css/reports.css")
    assert "@media print" in css.get_data(as_text=True)
    css.close()
    assert month["codes"]["other"] not in page


def test_every_report_number_lists_exactly_its_rows(app, month):
    client = signed_in(app, month["sup"])
    for period in ("month", "quarter", "year"):
        found = figures(client.get(f"/reports?period={period}").get_data(as_text=True))
        assert len(found) >= 12
        for key, (n, link) in found.items():
            codes = listed_codes(client, link)
            assert len(codes) == n, (period, key, link, codes)
            assert month["codes"]["other"] not in codes


def test_admin_report_covers_all_units_or_one(app, month):
    client = signed_in(app, month["admin"])
    f = figures(client.get("/reports").get_data(as_text=True))
    assert f["completed"][0] == 3
    sup_unit = month["sup"].unit_id
    one = figures(client.get(f"/reports?unit={sup_unit}").get_data(as_text=True))
    assert one["completed"][0] == 2
    assert len(listed_codes(client, one["completed"][1])) == 2


def test_previous_year_and_access(app, month, make_user):
    client = signed_in(app, month["sup"])
    last_year = local_today(utcnow()).year - 1
    page = client.get(f"/reports?period=year&year={last_year}").get_data(as_text=True)
    f = figures(page)
    assert f["completed"][0] == (1 if (utcnow() - timedelta(days=400)).year == last_year else 0)
    for role in (Role.STAFF, Role.OWNER):
        assert signed_in(app, make_user(role)).get("/reports").status_code == 403
