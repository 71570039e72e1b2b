"""The path of a status change through the code: one way, through few files (issue 14).

One POST is traced with sys.setprofile from the moment the view function is entered until it
returns (the redirect is built). A file counts as *visited* when project code calls a function
defined in it; calls the libraries make on their own (Flask hooks, Flask-Login's user loader,
SQLAlchemy column types and session events, Jinja context processors while an e-mail renders)
run for every request whatever the step, and are not part of the path.

Checked: the calls between files never go back up the path (the graph of "file A calls a
function of file B" has no cycle: no file is re-entered from a file it called, as requests →
designs → requests used to), the files are visited in the expected order, and there are at
most 9 of them: 8 along the path (view, permissions, services, workflow/sla or designs,
events, notifications, preferences) and database.py, whose `utcnow` is the step's clock.
"""

from __future__ import annotations

import os
import sys
from graphlib import CycleError, TopologicalSorter

import pytest
from sqlalchemy import select

import rumah_kemasan
from rumah_kemasan.designs import services as designs
from rumah_kemasan.designs.checklists import items_for
from rumah_kemasan.designs.models import DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications import services as notifications
from rumah_kemasan.notifications.models import DigestItem, Notification, OutboxEmail
from rumah_kemasan.notifications.services import HANDLERS
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import events
from rumah_kemasan.service_requests.models import EventKind, RequestEvent
from rumah_kemasan.service_requests.workflow import Status

PACKAGE = os.path.dirname(rumah_kemasan.__file__) + os.sep
VIEW = "service_requests/views.py"


def _project_file(frame) -> str | None:
    name = frame.f_code.co_filename
    return name[len(PACKAGE) :] if name.startswith(PACKAGE) else None


def _trace_post(client, url: str, data: dict):
    """(response, files in order of first visit, the cross-file calls as (caller, callee))."""
    order: list[str] = []
    edges: set[tuple[str, str]] = set()
    on_path: set[int] = set()  # frames of project code called by project code from the view

    def profile(frame, event, _arg):
        if event == "return":
            on_path.discard(id(frame))
            return
        if event != "call":
            return
        here = _project_file(frame)
        if here is None:
            return
        if not on_path:
            if here == VIEW and frame.f_code.co_name == "transition":
                on_path.add(id(frame))
                order.append(here)
            return
        if frame.f_back is None or id(frame.f_back) not in on_path:
            return  # a library calling back into the project (a hook, a column type)
        on_path.add(id(frame))
        caller = _project_file(frame.f_back)
        if caller != here:
            edges.add((caller, here))
            if here not in order:
                order.append(here)

    sys.setprofile(profile)
    try:
        resp = client.post(url, data=data)
    finally:
        sys.setprofile(None)
    return resp, order, edges


def _assert_one_way(order: list[str], edges: set[tuple[str, str]]) -> None:
    graph: dict[str, set[str]] = {}
    for caller, callee in edges:
        graph.setdefault(callee, set()).add(caller)
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"the path returns to a file it left: {exc.args[1]}")
    assert len(order) <= 8, order


def _signed_in(app, user):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return browser


def _last_event(req_id: int) -> RequestEvent:
    db.session.rollback()
    return db.session.scalar(
        select(RequestEvent)
        .where(RequestEvent.request_id == req_id)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )


def test_accepting_a_request_walks_one_way_through_few_files(app, make_user, make_request):
    owner, staff = make_user(Role.OWNER), make_user(Role.STAFF)
    req = make_request(owner)
    req_id, code, version = req.id, req.code, req.version
    notices_before = db.session.scalar(select(db.func.count()).select_from(Notification))

    resp, order, edges = _trace_post(
        _signed_in(app, staff),
        f"/requests/{code}/transition",
        {"target": "accepted", "version": str(version)},
    )

    assert resp.status_code == 302
    event = _last_event(req_id)
    assert (event.from_status, event.to_status) == (Status.SUBMITTED, Status.ACCEPTED)
    notices = db.session.scalar(select(db.func.count()).select_from(Notification))
    assert notices == notices_before + 1  # the owner's
    _assert_one_way(order, edges)
    assert order == [
        "service_requests/views.py",
        "permissions.py",
        "service_requests/services.py",
        "service_requests/workflow.py",
        "service_requests/sla.py",
        "service_requests/events.py",
        "notifications/services.py",
        "notifications/preferences.py",
    ]


def test_sending_a_proof_walks_one_way_through_few_files(app, make_user, make_request, add_file):
    owner, staff = make_user(Role.OWNER), make_user(Role.STAFF)
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    add_file(req, DesignKind.DRAFT, user=staff)
    req_id, code, version = req.id, req.code, req.version

    resp, order, edges = _trace_post(
        _signed_in(app, staff),
        f"/requests/{code}/transition",
        {"target": "awaiting_approval", "version": str(version)},
    )

    assert resp.status_code == 302
    event = _last_event(req_id)
    assert (event.from_status, event.to_status) == (Status.IN_DESIGN, Status.AWAITING_APPROVAL)
    _assert_one_way(order, edges)
    assert order == [
        "service_requests/views.py",
        "permissions.py",
        "service_requests/services.py",
        "service_requests/workflow.py",
        "designs/services.py",
        "service_requests/events.py",
        "notifications/services.py",
        "notifications/preferences.py",
    ]


def test_every_event_kind_says_who_hears_about_it():
    assert set(HANDLERS) == set(EventKind)


def test_a_checklist_event_goes_to_the_hub_which_tells_nobody(
    app, make_user, make_request, add_file, monkeypatch
):
    # It used to skip the hub; now every event passes it, and the hub decides (nobody here).
    owner, staff = make_user(Role.OWNER), make_user(Role.STAFF)
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff, code="DESAIN-LABEL")
    draft = add_file(req, DesignKind.DRAFT, user=staff)
    heard = []
    monkeypatch.setattr(
        events, "on_request_event", lambda event, r: heard.append(event.kind) or hub(event, r)
    )
    hub = notifications.on_request_event
    counts = (_count(Notification), _count(OutboxEmail), _count(DigestItem))

    designs.save_checklist(draft, staff, {i.code: ("pass", None) for i in items_for("pangan")})
    db.session.commit()

    assert heard == [EventKind.CHECKLIST]
    assert (_count(Notification), _count(OutboxEmail), _count(DigestItem)) == counts


def _count(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))
