"""The service catalog per unit (issue 15): each unit offers its own services on its own
terms, a request keeps the terms it was filed under, and only the admin or the unit's own
supervisor changes a unit's catalog (audited)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import Unit
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import catalog, queries, services, sla
from rumah_kemasan.service_requests.models import ServiceRequest, ServiceType, UnitService
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import PASSWORD, login

# A Monday in WITA without a national holiday near it (acceptance instant for due dates).
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    db.session.rollback()  # end the test's read (WAL): the next write must see the latest state
    return client


def _terms(**overrides) -> dict:
    data = {
        "enabled": "y",
        "sla_days": "10",
        "free_revisions": "3",
        "documents_required": "Foto produk; NIB",
        "extra_fields": "",
    }
    data |= overrides
    return {k: v for k, v in data.items() if v is not None}


def _set(client, unit, code, **overrides):
    resp = client.post(f"/admin/units/{unit.id}/services/{code}", data=_terms(**overrides))
    db.session.rollback()
    return resp


def _offer(unit, code) -> UnitService:
    db.session.rollback()
    return db.session.scalar(
        select(UnitService)
        .join(UnitService.service_type)
        .where(UnitService.unit_id == unit.id, UnitService.service_type.has(code=code))
    )


def _accept(req, user, monkeypatch, at=MONDAY):
    monkeypatch.setattr(services, "utcnow", lambda: at)
    services.transition(req, user, Status.ACCEPTED)
    db.session.commit()
    return req


def _offered_ids(page: str) -> set[int]:
    """The service ids the filing form's service select offers."""
    select_html = re.search(r'<select[^>]*name="service_type_id".*?</select>', page, re.S)
    assert select_html is not None
    return {int(v) for v in re.findall(r'value="(\d+)"', select_html.group(0))}


def _filing(business, service_id, **extra) -> dict:
    return {
        "business_id": str(business.id),
        "service_type_id": str(service_id),
        "product_name": "Sambal Matah",
        "product_category": "pangan",
        "brief": "Label botol 150 ml",
        "target_market": "lokal",
    } | extra


def test_every_unit_of_the_data_files_offers_the_national_catalog_and_a_new_unit_nothing(
    ctx, unit, service, make_user, make_business
):
    offers = catalog.offered_services(unit)
    national_codes = db.session.scalars(
        select(ServiceType.code).where(ServiceType.active).order_by(ServiceType.position)
    ).all()
    assert [o.service_type.code for o in offers] == national_codes and len(national_codes) > 5
    logo = next(o for o in offers if o.service_type.code == "DESAIN-LOGO")
    national = service("DESAIN-LOGO")
    assert (logo.sla_days, logo.free_revisions) == (national.sla_days, national.free_revisions)
    fresh = Unit(slug="sleman", name="Rumah Kemasan Sleman", city="Sleman")
    db.session.add(fresh)
    db.session.commit()
    assert catalog.offered_services(fresh) == []
    owner = make_user()
    business = make_business(owner, unit_id=fresh.id)
    with pytest.raises(catalog.NotOffered):
        services.file_request(
            services.RequestInput(
                business=business,
                service_type=national,
                product_name="Kopi",
                product_category="pangan",
                brief="Label",
                target_market="lokal",
            ),
            owner,
        )


def test_a_request_keeps_the_terms_it_was_filed_under(
    app, unit, make_user, make_request, service, monkeypatch
):
    supervisor = make_user(Role.SUPERVISOR)
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LOGO", sla_days="5", free_revisions="1").status_code == 303
    old = make_request(make_user())
    assert (old.sla_days, old.free_revisions) == (5, 1)
    assert old.documents_required == "Foto produk; NIB"

    assert _set(admin, unit, "DESAIN-LOGO", sla_days="12", free_revisions="4").status_code == 303
    new = make_request(make_user())
    assert (new.sla_days, new.free_revisions) == (12, 4)

    # Both accepted at the same instant, after the change: each counts its own days.
    cal = sla.zone_calendar()
    _accept(old, supervisor, monkeypatch)
    _accept(new, supervisor, monkeypatch)
    assert old.due_at == sla.due_at(MONDAY, 5, 0, cal)
    assert new.due_at == sla.due_at(MONDAY, 12, 0, cal)
    assert old.due_at < new.due_at
    db.session.rollback()
    assert db.session.get(ServiceRequest, old.id).sla_days == 5


def test_two_units_promise_different_times_and_each_request_is_due_accordingly(
    app, unit, other_unit, make_user, make_business, make_request, monkeypatch
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LABEL", sla_days="7").status_code == 303
    assert _set(admin, other_unit, "DESAIN-LABEL", sla_days="20").status_code == 303
    owner = make_user()
    here = make_request(owner, code="DESAIN-LABEL")
    there = make_request(
        owner, code="DESAIN-LABEL", business=make_business(owner, unit_id=other_unit.id)
    )
    _accept(here, make_user(Role.SUPERVISOR), monkeypatch)
    _accept(there, make_user(Role.SUPERVISOR, unit_=other_unit), monkeypatch)
    cal = sla.zone_calendar()
    assert here.due_at == sla.due_at(MONDAY, 7, 0, cal)
    assert there.due_at == sla.due_at(MONDAY, 20, 0, cal)


def test_the_desk_counts_revisions_against_the_limit_the_request_was_filed_under(
    app, unit, make_user, make_request
):
    supervisor = make_user(Role.SUPERVISOR)
    req = make_request(make_user(), status=Status.IN_DESIGN, assignee=make_user(Role.STAFF))
    req.revision_count = 2  # within the 3 free revisions it was filed under
    db.session.commit()
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LOGO", free_revisions="0").status_code == 303
    over = db.session.scalars(queries.over_revision_limit(supervisor)).unique().all()
    assert req.id not in {r.id for r in over}
    req = db.session.get(ServiceRequest, req.id)
    req.revision_count = 4
    db.session.commit()
    over = db.session.scalars(queries.over_revision_limit(supervisor)).unique().all()
    assert req.id in {r.id for r in over}


def test_a_disabled_service_is_not_offered_and_a_forged_post_is_refused(
    app, unit, make_user, make_business, service
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LOGO", enabled=None).status_code == 303
    assert _offer(unit, "DESAIN-LOGO").enabled is False
    owner = make_user(locale="en")
    business = make_business(owner)
    client = _client(app, owner)
    page = client.get("/requests/new").get_data(as_text=True)
    logo = service("DESAIN-LOGO")
    offered = _offered_ids(page)
    assert logo.id not in offered and service("DESAIN-LABEL").id in offered
    resp = client.post("/requests/new", data=_filing(business, logo.id))
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "Sambal Matah" in body  # what the owner typed is kept
    assert "does not offer this service" in body
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0
    # The public page shows the unit's catalog without it.
    home = app.test_client().get("/").get_data(as_text=True)
    assert logo.name_id not in home and service("DESAIN-LABEL").name_id in home


def test_a_service_one_unit_offers_is_refused_for_a_business_of_another_unit(
    app, unit, other_unit, make_user, make_business, service
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, other_unit, "DESAIN-LOGO", enabled=None).status_code == 303
    owner = make_user(locale="en")
    make_business(owner, name="Di Denpasar")
    in_badung = make_business(owner, unit_id=other_unit.id, name="Di Badung")
    client = _client(app, owner)
    page = client.get("/requests/new").get_data(as_text=True)
    assert unit.name in page and other_unit.name in page  # each unit's terms are shown
    resp = client.post("/requests/new", data=_filing(in_badung, service("DESAIN-LOGO").id))
    assert resp.status_code == 200
    assert "does not offer this service" in resp.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


EXTRA = "volume | Isi kemasan (ml) | Volume (ml) | number | required\nwarna | Warna | Colour"


def test_extra_fields_are_asked_checked_and_stored_with_the_request(
    app, unit, make_user, make_business, service
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LABEL", extra_fields=EXTRA).status_code == 303
    owner = make_user(locale="en")
    business = make_business(owner)
    client = _client(app, owner)
    label = service("DESAIN-LABEL").id
    offer = _offer(unit, "DESAIN-LABEL")
    volume, colour = f"extra_{offer.id}_volume", f"extra_{offer.id}_warna"
    page = client.get("/requests/new").get_data(as_text=True)
    assert f'name="{volume}"' in page and "Volume (ml)" in page

    missing = client.post("/requests/new", data=_filing(business, label, **{colour: "Merah"}))
    assert missing.status_code == 200
    assert "This service needs this answer." in missing.get_data(as_text=True)
    not_number = client.post("/requests/new", data=_filing(business, label, **{volume: "lots"}))
    assert "Enter a whole number." in not_number.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0

    ok = client.post(
        "/requests/new", data=_filing(business, label, **{volume: "150", colour: "Merah"})
    )
    assert ok.status_code == 302
    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest))
    assert [(a["key"], a["value"]) for a in req.extra_answers] == [
        ("volume", "150"),
        ("warna", "Merah"),
    ]
    detail = client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert "Volume (ml)" in detail and "150" in detail
    # Another service's questions are not required for this one.
    assert (
        client.post("/requests/new", data=_filing(business, service("DESAIN-LOGO").id)).status_code
        == 302
    )


def test_an_owner_edits_a_request_whose_service_was_disabled_since_and_it_keeps_its_terms(
    app, unit, make_user, make_business, service
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LABEL", sla_days="6", extra_fields=EXTRA).status_code == 303
    owner = make_user(locale="en")
    business = make_business(owner)
    client = _client(app, owner)
    offer = _offer(unit, "DESAIN-LABEL")
    volume = f"extra_{offer.id}_volume"
    label = service("DESAIN-LABEL").id
    assert (
        client.post("/requests/new", data=_filing(business, label, **{volume: "150"})).status_code
        == 302
    )
    db.session.rollback()
    code = db.session.scalar(select(ServiceRequest.code))
    disabled = _set(admin, unit, "DESAIN-LABEL", enabled=None, sla_days="30", extra_fields=EXTRA)
    assert disabled.status_code == 303

    edit_page = client.get(f"/requests/{code}/edit").get_data(as_text=True)
    assert 'value="150"' in edit_page  # the stored answer is shown again
    resp = client.post(
        f"/requests/{code}/edit",
        data=_filing(business, label, product_name="Sambal Baru", **{volume: "200"}),
    )
    assert resp.status_code == 302
    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest))
    assert (req.product_name, req.sla_days) == ("Sambal Baru", 6)
    assert req.extra_answers[0]["value"] == "200"
    # Switching to a service the unit does not offer is refused.
    logo_off = _set(admin, unit, "DESAIN-LOGO", enabled=None)
    assert logo_off.status_code == 303
    resp = client.post(f"/requests/{code}/edit", data=_filing(business, service("DESAIN-LOGO").id))
    assert resp.status_code == 200 and "does not offer this service" in resp.get_data(as_text=True)


def test_the_walk_in_form_shows_the_units_catalog_and_refuses_what_it_does_not_offer(
    app, unit, make_user, service
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LOGO", enabled=None).status_code == 303
    staff = _client(app, make_user(Role.STAFF, locale="en"))
    area_id = unit.areas[0].id
    page = staff.get("/requests/new").get_data(as_text=True)
    offered = _offered_ids(page)
    assert service("DESAIN-LOGO").id not in offered and service("DESAIN-LABEL").id in offered
    resp = staff.post(
        "/requests/new",
        data={
            "owner_phone": "0857-2222-3333",
            "owner_name": "Ketut",
            "consent": "y",
            "business_name": "Kopi Ketut",
            "business_scale": "mikro",
            "area_id": str(area_id),
            "service_type_id": str(service("DESAIN-LOGO").id),
            "product_name": "Kopi",
            "product_category": "pangan",
            "brief": "Label kopi",
            "target_market": "lokal",
        },
    )
    assert resp.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 0


def test_every_change_is_audited_with_before_and_after_and_no_change_writes_nothing(
    app, unit, make_user
):
    supervisor = make_user(Role.SUPERVISOR)
    client = _client(app, supervisor)
    assert _set(client, unit, "DESAIN-LOGO", sla_days="8").status_code == 303
    db.session.rollback()
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "catalog.update"))
    assert row.actor_id == supervisor.id and row.target == "unit:denpasar/service:DESAIN-LOGO"
    assert row.details["before"]["sla_days"] == 10 and row.details["after"]["sla_days"] == 8
    assert _set(client, unit, "DESAIN-LOGO", sla_days="8").status_code == 303
    db.session.rollback()
    count = select(func.count()).where(AuditLog.action == "catalog.update")
    assert db.session.scalar(count) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sla_days": "0"}, "Enter a whole number from 1 to 365."),
        ({"sla_days": "366"}, "Enter a whole number from 1 to 365."),
        ({"free_revisions": "21"}, "Enter a whole number from 0 to 20."),
        ({"extra_fields": "ok | Baik\nBad Key | Label"}, "Line 2:"),
        ({"extra_fields": "size | Ukuran | Size | choice"}, "Line 1: a choice needs its choices"),
    ],
)
def test_the_form_says_what_is_wrong_keeps_what_was_typed_and_saves_nothing(
    app, unit, make_user, overrides, message
):
    client = _client(app, make_user(Role.ADMIN, locale="en"))
    resp = _set(client, unit, "DESAIN-LOGO", documents_required="Surat khusus", **overrides)
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert message in body and "Surat khusus" in body
    assert _offer(unit, "DESAIN-LOGO").sla_days == 10
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_only_the_admin_and_the_units_supervisor_reach_its_catalog(
    app, unit, other_unit, make_user
):
    pages = (f"/admin/units/{unit.id}/services", f"/admin/units/{unit.id}/services/DESAIN-LOGO")
    other_supervisor = _client(app, make_user(Role.SUPERVISOR, unit_=other_unit))
    staff = _client(app, make_user(Role.STAFF))
    for url in pages:
        assert other_supervisor.get(url).status_code == 404
        assert staff.get(url).status_code == 403
    assert other_supervisor.post(pages[1], data=_terms(sla_days="2")).status_code == 404
    assert _offer(unit, "DESAIN-LOGO").sla_days == 10
    assert other_supervisor.get(f"/admin/units/{other_unit.id}/services").status_code == 200
    admin = _client(app, make_user(Role.ADMIN))
    assert admin.get(f"/admin/units/{unit.id}/services/NO-SUCH").status_code == 404
    assert admin.get("/admin/units/999999/services").status_code == 404


def test_a_unit_without_a_catalog_is_set_up_from_the_edit_page(app, make_user):
    fresh = Unit(slug="jayapura", name="Rumah Kemasan Jayapura", city="Jayapura")
    db.session.add(fresh)
    db.session.commit()
    admin = _client(app, make_user(Role.ADMIN, locale="en"))
    page = admin.get(f"/admin/units/{fresh.id}/services").get_data(as_text=True)
    assert "not set up yet" in page
    assert _set(admin, fresh, "KONSULTASI", sla_days="2").status_code == 303
    offers = catalog.offered_services(db.session.get(Unit, fresh.id))
    assert [(o.service_type.code, o.sla_days) for o in offers] == [("KONSULTASI", 2)]
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "catalog.update"))
    assert row.details["before"] is None


def test_the_landing_page_shows_the_catalog_of_the_unit_asked_for(app, other_unit, make_user):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, other_unit, "KONSULTASI", sla_days="77").status_code == 303
    anonymous = app.test_client()
    assert "<td>77</td>" in anonymous.get("/?unit=badung").get_data(as_text=True)
    assert "<td>77</td>" not in anonymous.get("/").get_data(as_text=True)
    assert anonymous.get("/?unit=nowhere").status_code == 404


def test_the_answers_are_the_owners_data_exported_with_the_request_and_erased_with_the_account(
    app, unit, make_user, make_business, service
):
    admin = _client(app, make_user(Role.ADMIN))
    assert _set(admin, unit, "DESAIN-LABEL", extra_fields=EXTRA).status_code == 303
    owner = make_user(locale="en")
    business = make_business(owner)
    client = _client(app, owner)
    offer = _offer(unit, "DESAIN-LABEL")
    answers = {f"extra_{offer.id}_volume": "150", f"extra_{offer.id}_warna": "Merah Sari"}
    filed = client.post(
        "/requests/new", data=_filing(business, service("DESAIN-LABEL").id, **answers)
    )
    assert filed.status_code == 302
    resp = client.post("/account/data/export")
    [exported] = json.loads(zipfile.ZipFile(io.BytesIO(resp.get_data())).read("requests.json"))
    assert exported["answers"] == {"volume": "150", "warna": "Merah Sari"}
    gone = client.post("/account/data/delete", data={"password": PASSWORD, "confirm": "y"})
    assert gone.status_code in (200, 302, 303)
    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest))
    assert [a["key"] for a in req.extra_answers] == ["volume", "warna"]
    assert "Merah Sari" not in json.dumps(req.extra_answers)


def test_the_receipt_states_the_terms_the_request_was_filed_under(
    app, unit, make_user, make_request
):
    admin = _client(app, make_user(Role.ADMIN))
    assert (
        _set(admin, unit, "DESAIN-LOGO", sla_days="4", documents_required="KTP").status_code == 303
    )
    owner = make_user(locale="en")
    req = make_request(owner)
    assert _set(admin, unit, "DESAIN-LOGO", sla_days="9").status_code == 303
    resp = _client(app, owner).get(f"/requests/{req.code}/receipt.pdf")
    assert resp.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert "4 working days" in text and "KTP" in text and "9 working days" not in text
