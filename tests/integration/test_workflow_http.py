"""Every (from, to, person) of docs/workflow.md over HTTP: allowed moves succeed with one event,
every other one answers 403 or 409 and changes nothing.

The expectations are read from the transition table in docs/workflow.md, not from
`workflow.py`, so a mistake in the module cannot also be a mistake in its test (the unit
tests check that the table and the module agree). Guards are satisfied by real data (a draft,
a proof, a final, a handover), made through the services.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rumah_kemasan.designs import services as designs
from rumah_kemasan.designs.models import DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import TRANSITIONS, Status
from tests import workflow_doc

S = Status
ROLES = ("owner", "staff", "assignee", "supervisor", "admin")

# Which of the people above each party of docs/workflow.md is. The "assignee" user is staff
# too; while a request is accepted nobody is assigned yet, so any staff member may claim it.
PEOPLE_OF_PARTY = {
    "owner": {"owner"},
    "staff": {"staff", "assignee"},
    "assignee": {"assignee"},
    "supervisor": {"supervisor"},
}
# (from, to) -> who may, read from the transition table of docs/workflow.md.
ALLOWED: dict[tuple[Status, Status], set[str]] = {
    (S(source), S(target)): set().union(*(PEOPLE_OF_PARTY[p] for p in row.who))
    for (source, target), row in workflow_doc.transitions().items()
}
ASSIGNED = {
    S.IN_DESIGN,
    S.AWAITING_APPROVAL,
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY,
    S.COMPLETED,
}
# Printing paths need a printing service; everything else runs on a design-only service.
PRINTING_PAIRS = {(S.APPROVED, S.IN_PRODUCTION), (S.IN_PRODUCTION, S.READY), (S.READY, S.COMPLETED)}

# Every ordered pair of distinct statuses; each test walks all five roles on fresh requests.
PAIRS = [
    pytest.param(source, target, id=f"{source.value}-{target.value}")
    for source in Status
    for target in Status
    if source is not target
]


def test_the_expectations_are_the_documented_table():
    # Every move the code knows is expected to succeed for someone, and nothing else is;
    # the pairs walked below include every one of them.
    assert set(ALLOWED) == set(TRANSITIONS)
    assert all(ALLOWED.values())
    walked = {tuple(p.values) for p in PAIRS}
    assert set(ALLOWED) <= walked
    assert len(walked) == len(Status) * (len(Status) - 1)


@pytest.fixture
def people(make_user):
    # No passwords: the test signs in through the session (hashing 5 passwords per pair
    # would dominate the run); the login form itself is tested in test_accounts.py.
    return {
        "owner": make_user(Role.OWNER, password=None),
        "staff": make_user(Role.STAFF, password=None),
        "assignee": make_user(Role.STAFF, password=None),
        "supervisor": make_user(Role.SUPERVISOR, password=None),
        "admin": make_user(Role.ADMIN, password=None),
    }


def _signed_in(app, user):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return browser


def _prepare(make_request, add_file, people, source: Status, target: Status) -> ServiceRequest:
    """A request in `source` with every guard of (source, target) satisfied by real data."""
    printing = (source, target) in PRINTING_PAIRS
    assignee = people["assignee"] if source in ASSIGNED else None
    req = make_request(
        people["owner"],
        status=source,
        assignee=assignee,
        code="KEMASAN-POLOS" if printing else "DESAIN-LOGO",
    )
    if source is S.IN_DESIGN:
        add_file(req, DesignKind.DRAFT, user=people["assignee"])
    if source is S.AWAITING_APPROVAL:
        add_file(req, DesignKind.DRAFT, user=people["assignee"], proof=True)
    if source is S.APPROVED:
        add_file(req, DesignKind.FINAL, user=people["assignee"])
    if source is S.READY:
        designs.record_handover(req, people["assignee"], "Pemilik", 100, None)
        db.session.commit()
    return req


def _snapshot(req_id: int):
    db.session.rollback()
    req = db.session.get(ServiceRequest, req_id)
    events = db.session.scalar(
        select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == req_id)
    )
    return (req.status, req.version, req.assignee_id, req.revision_count), events


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_transition_over_http(app, make_request, add_file, people, source, target):
    outcomes = {}
    for role in ROLES:
        req = _prepare(make_request, add_file, people, source, target)
        before, events_before = _snapshot(req.id)
        data = {"target": target.value, "version": str(req.version), "note": "Catatan uji"}
        if source is S.ACCEPTED and role == "supervisor":
            data["assignee_id"] = str(people["assignee"].id)
        if source is S.AWAITING_APPROVAL:
            data["proof_sha256"] = designs.current_proof(req).sha256
        resp = _signed_in(app, people[role]).post(f"/requests/{req.code}/transition", data=data)
        after, events_after = _snapshot(req.id)

        if role in ALLOWED.get((source, target), set()):
            assert resp.status_code == 302, (role, resp.get_data(as_text=True)[:300])
            assert after[0] == target, role
            assert events_after == events_before + 1, role
            last = db.session.scalar(
                select(RequestEvent)
                .where(RequestEvent.request_id == req.id)
                .order_by(RequestEvent.id.desc())
                .limit(1)
            )
            assert (last.from_status, last.to_status, last.actor_id) == (
                source,
                target,
                people[role].id,
            )
            outcomes[role] = "moved"
        else:
            assert resp.status_code in (403, 409), (role, resp.status_code)
            assert after == before, role
            assert events_after == events_before, role
            outcomes[role] = resp.status_code
    # Admins run the system and never take part in a request's workflow.
    assert outcomes["admin"] == 403


def test_a_refused_step_shows_the_request_and_the_reason(app, make_request, people):
    req = make_request(people["owner"])
    resp = _signed_in(app, people["staff"]).post(
        f"/requests/{req.code}/transition",
        data={"target": "completed", "version": str(req.version)},
    )
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert req.code in page and 'role="alert"' in page
