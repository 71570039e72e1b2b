"""The requests' part of an owner's data: their requests and public timeline; on erasure, what
they wrote goes and the requests stay as anonymous statistics (README, "Personal data")."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..personal_data import (
    REDACTED,
    PersonalDataErasure,
    PersonalDataExport,
    erasure_requested,
    export_requested,
    iso,
    mentions,
    redact,
    val,
)
from .models import EventKind, RequestEvent, ServiceRequest
from .queries import timeline


def owner_requests(user) -> list[ServiceRequest]:
    """The owner's requests, oldest first."""
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.applicant_id == user.id)
            .order_by(ServiceRequest.submitted_at, ServiceRequest.id)
        )
    )


@export_requested.connect
def export(_sender, export: PersonalDataExport) -> None:
    user = export.user
    for req in owner_requests(user):
        events = [
            {
                "at": iso(e.created_at),
                "kind": val(e.kind),
                "from_status": val(e.from_status),
                "to_status": val(e.to_status),
                "note": e.note,
                "by": "you" if e.actor_id == user.id else ("staff" if e.actor_id else "system"),
            }
            for e in db.session.scalars(timeline(req, include_internal=False))
        ]
        export.requests.append(
            {
                "id": req.id,
                "code": req.code,
                "status": val(req.status),
                "service": req.service_type.code,
                "service_name": req.service_type.name_id,
                "business_id": req.business_id,
                "product_name": req.product_name,
                "product_category": val(req.product_category),
                "brief": req.brief,
                "target_market": val(req.target_market),
                "quantity": req.quantity,
                "packaging_type": req.packaging_type,
                "answers": {a["key"]: a["value"] for a in req.extra_answers or []},
                "sla_days": req.sla_days,
                "revision_count": req.revision_count,
                "submitted_at": iso(req.submitted_at),
                "accepted_at": iso(req.accepted_at),
                "due_at": iso(req.due_at),
                "completed_at": iso(req.completed_at),
                "timeline": events,
            }
        )


@erasure_requested.connect
def erase(_sender, erasure: PersonalDataErasure) -> None:
    user, needles = erasure.user, erasure.needles
    requests = owner_requests(user)
    request_ids = [r.id for r in requests]
    # Requests stay (code, status, service, dates, history); what the owner wrote goes.
    for req in requests:
        req.product_name = REDACTED
        req.brief = ""
        req.packaging_type = redact(req.packaging_type, needles)
        if req.extra_answers:  # what the owner typed: the questions stay, the answers go
            req.extra_answers = [a | {"value": REDACTED} for a in req.extra_answers]
        erasure.kept_business_ids.add(req.business_id)
    if request_ids:
        for event in db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id.in_(request_ids))
        ):
            if event.actor_id == user.id:
                event.note = None
            elif event.kind is EventKind.FILE and event.note:
                event.note = event.note.split(":", 1)[0]  # "before: <file name>" keeps the kind
            else:
                event.note = redact(event.note, needles)
    # Public notes on other requests that name the owner are redacted too.
    if needles:
        for event in db.session.scalars(
            select(RequestEvent).where(mentions(RequestEvent.note, needles))
        ):
            event.note = redact(event.note, needles)
