"""Read side: query builders for request lists and timelines. No request access in here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import Business, User
from ..permissions import scope_requests
from .models import RequestEvent, ServiceRequest, Visibility
from .workflow import OPEN_STATUSES, Status


@dataclass
class ListFilters:
    status: Status | None = None
    service_type_id: int | None = None
    assignee_id: int | None = None
    overdue: bool = False
    text: str = ""


def request_list(
    user: User,
    filters: ListFilters,
    *,
    now: datetime,
    after: tuple[datetime, int] | None = None,
    limit: int = 25,
) -> Select:
    """Requests `user` may see, newest first, keyset-paginated by (submitted_at, id)."""
    stmt = scope_requests(select(ServiceRequest), user).options(
        joinedload(ServiceRequest.business),
        joinedload(ServiceRequest.service_type),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.applicant),
    )
    if filters.status is not None:
        stmt = stmt.where(ServiceRequest.status == filters.status)
    if filters.service_type_id:
        stmt = stmt.where(ServiceRequest.service_type_id == filters.service_type_id)
    if filters.assignee_id:
        stmt = stmt.where(ServiceRequest.assignee_id == filters.assignee_id)
    if filters.overdue:
        stmt = stmt.where(
            ServiceRequest.status.in_(list(OPEN_STATUSES)),
            ServiceRequest.paused_at.is_(None),
            ServiceRequest.due_at < now,
        )
    text = filters.text.strip()
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(
            or_(
                ServiceRequest.code.ilike(like),
                ServiceRequest.product_name.ilike(like),
                ServiceRequest.business.has(Business.name.ilike(like)),
                ServiceRequest.applicant.has(User.full_name.ilike(like)),
            )
        )
    if after is not None:
        at, rid = after
        stmt = stmt.where(
            or_(
                ServiceRequest.submitted_at < at,
                and_(ServiceRequest.submitted_at == at, ServiceRequest.id < rid),
            )
        )
    return stmt.order_by(ServiceRequest.submitted_at.desc(), ServiceRequest.id.desc()).limit(limit)


def timeline(req: ServiceRequest, *, include_internal: bool) -> Select:
    """The request's events, oldest first; internal notes only when allowed."""
    stmt = (
        select(RequestEvent)
        .where(RequestEvent.request_id == req.id)
        .options(joinedload(RequestEvent.actor))
        .order_by(RequestEvent.id)
    )
    if not include_internal:
        stmt = stmt.where(RequestEvent.visibility == Visibility.PUBLIC)
    return stmt
