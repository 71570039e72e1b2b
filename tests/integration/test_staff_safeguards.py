"""Safeguards on what staff can do to owners' accounts and to each other's jobs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.database import utcnow
from rumah_kemasan.designs.models import DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login


def _signed_in(app, user):
    browser = app.test_client()
    assert login(browser, user).status_code == 302
    return browser


def test_staff_cannot_hand_out_a_link_into_an_account_that_can_reset_itself(
    app, make_user, make_request
):
    owner = make_user()  # has a password and an e-mail: resets by e-mail
    req = make_request(owner)
    staff = _signed_in(app, make_user(Role.STAFF))
    assert "owner-link" not in staff.get(f"/requests/{req.code}").get_data(as_text=True)
    assert staff.post(f"/requests/{req.code}/owner-link").status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_a_link_for_a_walk_in_without_a_password_is_allowed_and_audited(
    app, make_user, make_request
):
    owner = make_user(email=None, password=None)
    req = make_request(owner)
    staff_user = make_user(Role.STAFF)
    staff = _signed_in(app, staff_user)
    assert "owner-link" in staff.get(f"/requests/{req.code}").get_data(as_text=True)
    assert staff.post(f"/requests/{req.code}/owner-link").status_code == 200
    db.session.rollback()
    row = db.session.scalar(select(AuditLog))
    assert (row.action, row.actor_id, row.target) == (
        "account.set_password_link",
        staff_user.id,
        f"user:{owner.id}",
    )


def test_a_walk_in_link_is_audited_too(app, make_user, service):
    from rumah_kemasan.accounts.models import Area

    area = db.session.scalar(select(Area).order_by(Area.id))
    staff_user = make_user(Role.STAFF)
    staff = _signed_in(app, staff_user)
    resp = staff.post(
        "/requests/new",
        data={
            "owner_phone": "0857-2222-3333",
            "owner_name": "Ketut",
            "consent": "y",
            "business_name": "Kopi Ketut",
            "business_scale": "mikro",
            "area_id": str(area.id),
            "service_type_id": str(service("DESAIN-LOGO").id),
            "product_name": "Kopi",
            "product_category": "pangan",
            "brief": "Label kopi",
            "target_market": "lokal",
        },
    )
    assert resp.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(AuditLog.action)) == "account.set_password_link"


def test_a_colleagues_job_cannot_be_claimed(app, make_user, make_request):
    desi, arya = make_user(Role.STAFF), make_user(Role.STAFF)
    req = make_request(make_user(), status=Status.ACCEPTED, assignee=desi)
    browser = _signed_in(app, arya)
    page = browser.get(f"/requests/{req.code}").get_data(as_text=True)
    assert 'value="in_design"' not in page
    resp = browser.post(
        f"/requests/{req.code}/transition",
        data={"target": "in_design", "version": str(req.version)},
    )
    assert resp.status_code == 403
    db.session.rollback()
    fresh = db.session.get(ServiceRequest, req.id)
    assert (fresh.status, fresh.assignee_id) == (Status.ACCEPTED, desi.id)
    # The designer it was assigned to starts it.
    mine = _signed_in(app, desi)
    assert 'value="in_design"' in mine.get(f"/requests/{req.code}").get_data(as_text=True)


def test_supervisor_start_keeps_the_assigned_designer_preselected(app, make_user, make_request):
    arya = make_user(Role.STAFF, full_name="Arya")
    desi = make_user(Role.STAFF, full_name="Desi")
    req = make_request(make_user(), status=Status.ACCEPTED, assignee=desi)
    page = _signed_in(app, make_user(Role.SUPERVISOR)).get(f"/requests/{req.code}")
    html = page.get_data(as_text=True)
    assert f'<option value="{desi.id}" selected>Desi</option>' in html
    assert f'<option value="{arya.id}" >Arya</option>' in html


def test_staff_can_keep_a_step_note_internal(app, make_user, make_request):
    owner = make_user()
    req = make_request(owner)
    staff = _signed_in(app, make_user(Role.STAFF))
    page = staff.get(f"/requests/{req.code}").get_data(as_text=True)
    assert 'name="internal"' in page
    staff.post(
        f"/requests/{req.code}/transition",
        data={
            "target": "accepted",
            "version": str(req.version),
            "note": "CATATAN-DALAM harga cetak belum pasti",
            "internal": "y",
        },
    )
    owner_page = _signed_in(app, owner).get(f"/requests/{req.code}").get_data(as_text=True)
    assert "CATATAN-DALAM" not in owner_page
    db.session.rollback()
    assert db.session.get(ServiceRequest, req.id).status == Status.ACCEPTED


def test_a_failed_mandatory_item_stops_the_proof_before_the_owner_sees_it(
    app, make_user, make_request, add_file
):
    designer = make_user(Role.STAFF)
    req = make_request(make_user(), status=Status.IN_DESIGN, assignee=designer, code="DESAIN-LABEL")
    draft = add_file(req, DesignKind.DRAFT, user=designer)
    browser = _signed_in(app, designer)
    from rumah_kemasan.designs.checklists import items_for

    answers = {f"result-{i.code}": "pass" for i in items_for("pangan")}
    answers["result-komposisi"] = "fail"
    url = f"/requests/{req.code}/checklist/{draft.id}"
    assert browser.post(url, data=answers).status_code == 303
    send = {"target": "awaiting_approval", "version": str(req.version)}
    assert browser.post(f"/requests/{req.code}/transition", data=send).status_code == 409
    answers["result-komposisi"] = "pass"
    assert browser.post(url, data=answers).status_code == 303
    db.session.rollback()
    send["version"] = str(db.session.get(ServiceRequest, req.id).version)
    assert browser.post(f"/requests/{req.code}/transition", data=send).status_code == 302
    # The proof's checklist is now a record: it cannot be rewritten.
    answers["result-komposisi"] = "fail"
    assert browser.post(url, data=answers).status_code == 409


def test_reopening_does_not_count_the_completed_time_against_the_designers(
    app, make_user, make_request
):
    req = make_request(make_user(), status=Status.COMPLETED, assignee=make_user(Role.STAFF))
    req.completed_at = utcnow() - timedelta(days=30)
    req.due_at = utcnow() - timedelta(days=20)
    db.session.commit()
    before_due = req.due_at
    browser = _signed_in(app, make_user(Role.SUPERVISOR))
    resp = browser.post(
        f"/requests/{req.code}/transition",
        data={"target": "in_design", "version": str(req.version), "note": "Warna salah cetak"},
    )
    assert resp.status_code == 302
    db.session.rollback()
    fresh = db.session.get(ServiceRequest, req.id)
    assert fresh.status == Status.IN_DESIGN and fresh.due_at > utcnow() > before_due


def test_huge_numbers_in_urls_are_not_found_rather_than_errors(app, make_user, make_request):
    req = make_request(make_user())
    staff_user, supervisor_user = make_user(Role.STAFF), make_user(Role.SUPERVISOR)
    staff = _signed_in(app, staff_user)
    huge = "9" * 22
    assert staff.get(f"/files/{huge}").status_code == 404
    assert staff.get(f"/files/{huge}/preview").status_code == 404
    for query in (f"service={huge}", f"assignee={huge}", f"after=none_{huge}"):
        assert staff.get(f"/requests?{query}").status_code == 200, query
    supervisor = _signed_in(app, supervisor_user)
    resp = supervisor.post(
        f"/requests/{req.code}/assign",
        data={"version": "abc", "assignee_id": "1", "reason": "x"},
    )
    assert resp.status_code in (302, 400)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RequestEvent)) == 1


def test_an_admin_opening_an_owners_document_is_audited(app, make_user, make_request, add_file):
    owner = make_user()
    req = make_request(owner)
    document = add_file(req, DesignKind.DOCUMENT, user=owner, name="nib.png")
    admin = _signed_in(app, make_user(Role.ADMIN))
    assert admin.get(f"/files/{document.id}").status_code == 200
    mine = _signed_in(app, owner)
    assert mine.get(f"/files/{document.id}").status_code == 200
    db.session.rollback()
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "file.download")).all()
    assert len(rows) == 1  # the admin's, not the owner's own
