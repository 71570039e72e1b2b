"""Owner side: business profiles with validated permit numbers, requests, and privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import Area, Business
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status


def _business_form(area_id, **overrides):
    data = {
        "name": "Keripik Bu Sari",
        "category": "pangan",
        "scale": "mikro",
        "area_id": str(area_id),
        "banjar": "Banjar Kaja",
        "address": "Jl. Tukad Badung 12",
    }
    return data | overrides


@pytest.fixture
def area(ctx, unit):
    return db.session.scalar(select(Area).where(Area.unit_id == unit.id, Area.name == "Panjer"))


def test_business_saved_with_normalised_numbers(client, login_as, make_user, area):
    owner = make_user()
    login_as(owner)
    resp = client.post(
        "/account/businesses/new",
        data=_business_form(area.id, nib="1234 5678 90123", pirt="P-IRT No. 2065171010123-28"),
    )
    assert resp.status_code == 302
    db.session.rollback()
    business = db.session.scalar(select(Business).where(Business.owner_id == owner.id))
    assert business.nib == "1234567890123"
    assert business.pirt == "206517101012328"
    assert business.area.kecamatan == "Denpasar Selatan"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nib", "123456789012", "NIB terdiri atas tepat 13 digit"),
        ("pirt", "P-IRT 12-34", "Nomor P-IRT terdiri atas 15 digit"),
        ("bpom", "MD 12345", "Nomor BPOM"),
        ("cosmetics", "NX123", "otifikasi kosmetik"),
    ],
)
def test_malformed_permit_number_gets_field_message_and_nothing_saved(
    client, login_as, make_user, area, field, value, message
):
    owner = make_user()
    login_as(owner)
    resp = client.post("/account/businesses/new", data=_business_form(area.id, **{field: value}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html, html[html.find('class="error"') - 200 :][:600]
    assert f'id="{field}-err"' in html  # the message sits at the field
    assert "Keripik Bu Sari" in html  # what was typed is kept
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Business)) == 0


def test_the_business_joins_the_unit_of_its_area(client, login_as, make_user, other_unit):
    """Issue 15: no default unit; an area of another unit puts the business in that unit."""
    foreign = Area(unit_id=other_unit.id, kecamatan="Kuta", name="Legian", kind="kelurahan")
    db.session.add(foreign)
    db.session.commit()
    login_as(make_user())
    resp = client.post("/account/businesses/new", data=_business_form(foreign.id))
    assert resp.status_code == 302
    db.session.rollback()
    business = db.session.scalar(select(Business))
    assert business.unit_id == other_unit.id and business.area_id == foreign.id


def test_an_area_that_does_not_exist_is_refused(client, login_as, make_user, area):
    login_as(make_user())
    resp = client.post("/account/businesses/new", data=_business_form(area.id + 10_000))
    assert resp.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Business)) == 0


def test_owner_files_request_and_sees_timeline(client, login_as, make_user, make_business, service):
    owner = make_user()
    business = make_business(owner)
    login_as(owner)
    resp = client.post(
        "/requests/new",
        data={
            "business_id": business.id,
            "service_type_id": service("DESAIN-LABEL").id,
            "product_name": "Sambal Matah",
            "product_category": "pangan",
            "brief": "Label botol 150 ml",
            "target_market": "lokal",
        },
    )
    assert resp.status_code == 302
    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest))
    assert req.code.startswith("RK-") and req.status == Status.SUBMITTED
    events = db.session.scalars(select(RequestEvent).where(RequestEvent.request_id == req.id)).all()
    assert [e.to_status for e in events] == [Status.SUBMITTED]
    page = client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert "Sambal Matah" in page and "Diajukan" in page and "WITA" in page


def test_printing_service_needs_quantity_and_packaging(
    client, login_as, make_user, make_business, service
):
    owner = make_user()
    business = make_business(owner)
    login_as(owner)
    resp = client.post(
        "/requests/new",
        data={
            "business_id": business.id,
            "service_type_id": service("CETAK-STIKER").id,
            "product_name": "Kopi",
            "product_category": "pangan",
            "brief": "Stiker",
            "target_market": "lokal",
        },
    )
    assert resp.status_code == 200
    assert "jumlah" in resp.get_data(as_text=True).lower()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


def test_owner_never_sees_another_owners_request_or_business(
    client, login_as, make_user, make_request, make_business
):
    alice, bob = make_user(), make_user()
    alice_req = make_request(alice, product_name="Pie Susu Alice")
    bob_business = make_business(bob, name="Usaha Rahasia Bob")
    bob_req = make_request(bob, business=bob_business, product_name="Arak Bob")
    login_as(alice)
    assert client.get(f"/requests/{bob_req.code}").status_code == 404
    assert client.get(f"/requests/{bob_req.code}/edit").status_code == 404
    assert client.post(f"/requests/{bob_req.code}/comments", data={"text": "hi"}).status_code == 404
    assert client.get(f"/account/businesses/{bob_business.id}").status_code == 404
    listing = client.get("/requests").get_data(as_text=True)
    assert "Pie Susu Alice" in listing and "Arak Bob" not in listing
    assert "Usaha Rahasia Bob" not in client.get("/account/businesses").get_data(as_text=True)
    # Filing against someone else's business is refused too.
    resp = client.post(
        "/requests/new",
        data={
            "business_id": bob_business.id,
            "service_type_id": alice_req.service_type_id,
            "product_name": "x",
            "product_category": "pangan",
            "brief": "x",
            "target_market": "lokal",
        },
    )
    assert resp.status_code in (200, 404)
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ServiceRequest)
            .where(ServiceRequest.business_id == bob_business.id)
        )
        == 1
    )


def test_staff_see_only_their_unit(client, login_as, make_user, make_request, other_unit):
    owner = make_user()
    req = make_request(owner, product_name="Kacang Disco")
    outsider = make_user(Role.STAFF, unit_=other_unit)
    login_as(outsider)
    assert client.get(f"/requests/{req.code}").status_code == 404
    assert "Kacang Disco" not in client.get("/requests").get_data(as_text=True)


def test_extra_fields_do_not_change_status_or_owner(client, login_as, make_user, make_request):
    owner, other = make_user(), make_user()
    req = make_request(owner, status=Status.NEEDS_INFO)
    login_as(owner)
    client.post(
        f"/requests/{req.code}/edit",
        data={
            "business_id": req.business_id,
            "service_type_id": req.service_type_id,
            "product_name": "Baru",
            "product_category": "pangan",
            "brief": "b",
            "target_market": "lokal",
            "status": "completed",
            "applicant_id": other.id,
            "assignee_id": other.id,
        },
    )
    db.session.rollback()
    fresh = db.session.get(ServiceRequest, req.id)
    assert fresh.product_name == "Baru"
    assert fresh.status == Status.NEEDS_INFO and fresh.applicant_id == owner.id
    assert fresh.assignee_id is None
