"""The one way to write a request's timeline event: add it, flush, tell the people concerned.

Every service that changes a request (filing, status moves, assignment, comments, uploads,
checklists, handover) ends here, so an event and its notifications always exist together, in
the same transaction (the view commits). What each kind of event tells whom is decided in
notifications/services.py; this module only records and hands over.

It imports the models and the notification hub only, never the request or design services,
so both of those can call it without a cycle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User
from ..errors import Conflict
from ..extensions import db
from ..notifications.services import on_request_event
from .models import EventKind, RequestEvent, ServiceRequest, Visibility
from .workflow import Status


def record_event(
    req: ServiceRequest,
    actor: User,
    kind: EventKind,
    *,
    note: str | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    from_status: Status | None = None,
    to_status: Status | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    """Append one event to `req`'s timeline, flush, and queue its notifications.

    The flush also writes the caller's changes to `req`: if someone else changed the request
    meanwhile (its optimistic-lock `version`), that is a Conflict. `at` defaults to now.
    """
    event = RequestEvent(
        request_id=req.id,
        actor_id=actor.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        visibility=visibility,
    )
    if at is not None:
        event.created_at = at
    db.session.add(event)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(req) from exc
    on_request_event(event, req)
    return event
