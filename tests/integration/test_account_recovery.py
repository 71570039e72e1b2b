"""Account recovery cannot be turned into a takeover (README, "Account recovery").

The black-box finding reproduced: staff of unit B file a walk-in with the phone number of an
owner who registered in unit A with a password and no e-mail, then ask for a set-password link.
Refused, and the owner's password is unchanged. An owner who lost their password gets it back
only in person: a staff member records the identity check, a supervisor of the owner's home unit
(not the recorder) approves it, the recorder makes one link that lives half an hour, using it
ends every session, and the owner is told at the next sign-in. Every step is audited.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import AccountRecovery, Area, AreaKind, User
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import ServiceRequest
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "pouch-baru-2026!"


def _signed_in(app, user, password=PASSWORD):
    browser = app.test_client()
    assert login(browser, user, password=password).status_code == 302
    return browser


def _hash(user_id: int) -> str | None:
    db.session.rollback()
    return db.session.get(User, user_id).password_hash


def _audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


@pytest.fixture
def unit_b_area(other_unit):
    area = Area(unit_id=other_unit.id, kecamatan="Kuta", name="Kedonganan", kind=AreaKind.DESA)
    db.session.add(area)
    db.session.commit()
    return area


def _walk_in(browser, phone, area, service, **over):
    data = {
        "owner_phone": phone,
        "owner_name": "Nama Lain",
        "consent": "y",
        "business_name": "Usaha Titipan",
        "business_scale": "mikro",
        "area_id": str(area.id),
        "service_type_id": str(service("DESAIN-LOGO").id),
        "product_name": "Kopi",
        "product_category": "pangan",
        "brief": "Label kopi",
        "target_market": "lokal",
    } | over
    return browser.post("/requests/new", data=data)


def test_the_cross_unit_takeover_is_refused_and_the_password_unchanged(
    app, make_user, make_request, other_unit, unit_b_area, service
):
    # Unit A: an owner who registered with a password and no e-mail.
    owner = make_user(email=None, phone="6281234500011", full_name="Ni Made Ayu")
    own_req = make_request(owner, product_name="Keripik Ayu")
    before = _hash(owner.id)
    staff_b_user = make_user(Role.STAFF, unit_=other_unit, full_name="Staf Badung")
    staff_b = _signed_in(app, staff_b_user)

    # The walk-in by unit B may file the request …
    resp = _walk_in(staff_b, "0812-3450-0011", unit_b_area, service)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = staff_b.get(resp.headers["Location"]).get_data(as_text=True)
    assert "/auth/reset/" not in page and "owner-link" not in page
    db.session.rollback()
    walk_in = db.session.scalar(
        select(ServiceRequest).where(
            ServiceRequest.applicant_id == owner.id, ServiceRequest.unit_id == other_unit.id
        )
    )
    assert walk_in is not None and walk_in.filed_by_id == staff_b_user.id

    # … but gains no power over the account: no link, no password change.
    assert staff_b.post(f"/requests/{walk_in.code}/owner-link").status_code == 403
    assert _hash(owner.id) == before
    assert "account.set_password_link" not in _audit_actions()
    # And still cannot read the owner's unit-A request.
    assert staff_b.get(f"/requests/{own_req.code}").status_code == 404
    # The owner still signs in with their own password.
    _signed_in(app, owner)


def test_staff_of_the_owners_own_unit_cannot_take_over_an_owner_with_a_password(
    app, make_user, make_request
):
    owner = make_user(email=None)  # phone only, with a password
    req = make_request(owner)
    staff = _signed_in(app, make_user(Role.STAFF))
    before = _hash(owner.id)
    page = staff.get(f"/requests/{req.code}").get_data(as_text=True)
    assert "owner-link" not in page and "owner-recovery" in page
    assert staff.post(f"/requests/{req.code}/owner-link").status_code == 403
    assert _hash(owner.id) == before


def test_a_passwordless_walk_in_of_two_units_gets_no_link_from_either(
    app, make_user, make_request, make_business, other_unit
):
    owner = make_user(email=None, password=None)
    req = make_request(owner)
    make_business(owner, unit_id=other_unit.id, name="Usaha di Badung")
    staff = _signed_in(app, make_user(Role.STAFF))
    assert staff.post(f"/requests/{req.code}/owner-link").status_code == 403
    assert _hash(owner.id) is None


def test_a_walk_in_of_one_unit_without_a_password_still_gets_its_link(app, make_user, make_request):
    owner = make_user(email=None, password=None)
    req = make_request(owner)
    staff = _signed_in(app, make_user(Role.STAFF))
    page = staff.post(f"/requests/{req.code}/owner-link").get_data(as_text=True)
    assert "/auth/reset/" in page


def _record(browser, code, **over):
    data = {"document": "ktp", "last4": "4321", "reason": "Lupa kata sandi", "confirm": "y"}
    return browser.post(f"/requests/{code}/owner-recovery", data=data | over)


def test_in_person_recovery_end_to_end_needs_a_supervisor(app, make_user, make_request):
    owner = make_user(email=None, full_name="Ni Luh Sari")
    req = make_request(owner)
    staff_user = make_user(Role.STAFF, full_name="Desainer Dua")
    sup_user = make_user(Role.SUPERVISOR, full_name="Kepala Unit")
    owner_old_session = _signed_in(app, owner)
    staff, sup = _signed_in(app, staff_user), _signed_in(app, sup_user)

    resp = _record(staff, req.code)
    assert resp.status_code == 302
    db.session.rollback()
    row = db.session.scalar(select(AccountRecovery))
    assert (row.owner_id, row.recorded_by_id, row.document_last4) == (
        owner.id,
        staff_user.id,
        "4321",
    )
    url = f"/recoveries/{row.id}"

    # Before approval: no link, and the recorder cannot approve their own check.
    assert staff.post(f"{url}/link").status_code == 403
    assert staff.post(f"{url}/decide", data={"decision": "approve"}).status_code == 403
    assert "Setujui pemulihan" not in staff.get(url).get_data(as_text=True)

    # The supervisor sees it in the list and approves.
    assert url in sup.get("/recoveries").get_data(as_text=True)
    assert sup.post(f"{url}/decide", data={"decision": "approve"}).status_code == 302
    # Only the recorder may make the link, once.
    assert sup.post(f"{url}/link").status_code == 403
    page = staff.post(f"{url}/link").get_data(as_text=True)
    path = re.search(r"http://localhost(/auth/reset/[^\"<\s]+)", page).group(1)
    assert "https://wa.me/6281" in page
    assert staff.post(f"{url}/link").status_code == 403
    db.session.rollback()
    token = db.session.get(AccountRecovery, row.id).token
    assert token.expires_at - utcnow() <= timedelta(minutes=30)

    # The owner sets a new password; their old session ends.
    new = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert app.test_client().post(path, data=new).status_code == 302
    assert app.test_client().post(path, data=new).status_code == 410
    assert owner_old_session.get("/requests").status_code == 302  # back to the sign-in page

    # At the next sign-in the owner is told who reset the password and when, once.
    fresh = app.test_client()
    resp = login(fresh, owner, password=NEW_PASSWORD)
    assert resp.status_code == 302
    notice = fresh.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Desainer Dua" in notice and "diatur ulang" in notice
    again = app.test_client()
    resp = login(again, owner, password=NEW_PASSWORD)
    assert "Desainer Dua" not in again.get(resp.headers["Location"]).get_data(as_text=True)

    assert [a for a in _audit_actions() if a.startswith("account.recovery")] == [
        "account.recovery.recorded",
        "account.recovery.approved",
        "account.recovery.link",
        "account.recovery.completed",
    ]


def test_a_refused_check_allows_no_link(app, make_user, make_request):
    owner = make_user(email=None)
    req = make_request(owner)
    users = [make_user(Role.STAFF), make_user(Role.SUPERVISOR)]
    staff, sup = (_signed_in(app, u) for u in users)
    _record(staff, req.code)
    db.session.rollback()
    row = db.session.scalar(select(AccountRecovery))
    assert sup.post(f"/recoveries/{row.id}/decide", data={"decision": "refuse"}).status_code == 302
    assert staff.post(f"/recoveries/{row.id}/link").status_code == 403
    assert sup.post(f"/recoveries/{row.id}/decide", data={"decision": "approve"}).status_code == 403
    db.session.rollback()
    assert db.session.get(AccountRecovery, row.id).token_id is None
    assert "account.recovery.refused" in _audit_actions()


def test_a_supervisor_who_recorded_the_check_cannot_approve_it(app, make_user, make_request):
    owner = make_user(email=None)
    req = make_request(owner)
    sup = _signed_in(app, make_user(Role.SUPERVISOR))
    _record(sup, req.code)
    db.session.rollback()
    row = db.session.scalar(select(AccountRecovery))
    assert sup.post(f"/recoveries/{row.id}/decide", data={"decision": "approve"}).status_code == 403
    assert sup.post(f"/recoveries/{row.id}/link").status_code == 403


def test_only_a_supervisor_of_the_owners_home_unit_decides(
    app, make_user, make_request, make_business, other_unit, service
):
    # The owner registered in unit A (first business); a later request sits in unit B.
    owner = make_user(email=None)
    make_request(owner)
    business_b = make_business(owner, unit_id=other_unit.id, name="Cabang Badung")
    req_b = make_request(owner, business=business_b)
    users = [
        make_user(Role.STAFF, unit_=other_unit),
        make_user(Role.SUPERVISOR, unit_=other_unit),
        make_user(Role.SUPERVISOR),
    ]
    staff_b, sup_b, sup_a = (_signed_in(app, u) for u in users)
    assert _record(staff_b, req_b.code).status_code == 302
    db.session.rollback()
    row = db.session.scalar(select(AccountRecovery))
    # The supervisor of unit B cannot even see it; unit A's supervisor decides.
    assert sup_b.get(f"/recoveries/{row.id}").status_code == 404
    assert (
        sup_b.post(f"/recoveries/{row.id}/decide", data={"decision": "approve"}).status_code == 404
    )
    assert (
        sup_a.post(f"/recoveries/{row.id}/decide", data={"decision": "approve"}).status_code == 302
    )


def test_recovery_refusals(app, make_user, make_request, other_unit):
    owner = make_user(email=None)
    req = make_request(owner)
    before = _hash(owner.id)
    staff_user, colleague = make_user(Role.STAFF), make_user(Role.STAFF)
    outsider_user = make_user(Role.STAFF, unit_=other_unit)
    staff, other_staff = _signed_in(app, staff_user), _signed_in(app, colleague)
    outsider = _signed_in(app, outsider_user)

    # An incomplete check is refused with what was typed kept.
    resp = _record(staff, req.code, last4="12", confirm="")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Lupa kata sandi" in page
    # Staff of another unit: 404, like a request that does not exist.
    assert _record(outsider, req.code).status_code == 404
    # The owner themself cannot use it.
    assert _signed_in(app, owner).get(f"/requests/{req.code}/owner-recovery").status_code == 403
    db.session.rollback()

    assert _record(staff, req.code).status_code == 302
    db.session.rollback()
    row = db.session.scalar(select(AccountRecovery))
    # A second check while one is open leads to the open one.
    resp = _record(staff, req.code)
    assert resp.headers["Location"].endswith(f"/recoveries/{row.id}")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AccountRecovery)) == 1
    # A colleague who did not record it cannot see it.
    assert other_staff.get(f"/recoveries/{row.id}").status_code == 404
    # An approval older than a day makes no link.
    row = db.session.get(AccountRecovery, row.id)
    row.decided_at, row.approved = utcnow() - timedelta(days=2), True
    db.session.commit()
    assert staff.post(f"/recoveries/{row.id}/link").status_code == 403
    assert _hash(owner.id) == before


def test_an_expired_recovery_link_is_refused(app, make_user, make_request):
    owner = make_user(email=None)
    req = make_request(owner)
    before = _hash(owner.id)
    users = [make_user(Role.STAFF), make_user(Role.SUPERVISOR)]
    staff, sup = (_signed_in(app, u) for u in users)
    _record(staff, req.code)
    db.session.rollback()
    row = db.session.scalar(select(AccountRecovery))
    sup.post(f"/recoveries/{row.id}/decide", data={"decision": "approve"})
    page = staff.post(f"/recoveries/{row.id}/link").get_data(as_text=True)
    path = re.search(r"http://localhost(/auth/reset/[^\"<\s]+)", page).group(1)
    db.session.rollback()
    token = db.session.get(AccountRecovery, row.id).token
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    new = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert app.test_client().post(path, data=new).status_code == 410
    assert _hash(owner.id) == before
