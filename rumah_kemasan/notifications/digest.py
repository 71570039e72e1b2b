"""The weekly digest for supervisors: backlog by status, overdue requests, the week's flow, SKM.

Run by cron (`flask digest send`, e.g. Monday 07:00 WITA); the e-mails go through the outbox
like every other message, so `flask outbox send` delivers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import Unit
from ..database import utcnow
from ..extensions import db
from ..service_requests.models import ServiceRequest
from ..service_requests.workflow import Role, Status
from .services import absolute_url, notify_overdue, overdue_requests, queue_email, unit_staff

OVERDUE_LISTED = 20


@dataclass
class Digest:
    unit: Unit
    since: datetime
    now: datetime
    backlog: list[tuple[Status, int]] = field(default_factory=list)
    open_total: int = 0
    overdue: list[ServiceRequest] = field(default_factory=list)
    overdue_total: int = 0
    filed: int = 0
    completed: int = 0
    skm: object | None = None  # reports.skm.IKMResult, when the survey module is present


def _skm(unit: Unit, since: datetime):
    """The IKM of the survey answers since `since`, or None (no answers, or no survey module)."""
    try:
        from ..reports.models import SurveyResponse
        from ..reports.skm import ikm_from_sums
    except ImportError:
        return None
    cols = [func.coalesce(func.sum(getattr(SurveyResponse, f"u{i}")), 0) for i in range(1, 10)]
    row = db.session.execute(
        select(func.count(SurveyResponse.id), *cols).where(
            SurveyResponse.unit_id == unit.id, SurveyResponse.created_at >= since
        )
    ).one()
    return ikm_from_sums(int(row[0]), [int(v) for v in row[1:]])


def build_digest(unit: Unit, now: datetime | None = None, days: int = 7) -> Digest:
    now = now or utcnow()
    since = now - timedelta(days=days)
    d = Digest(unit=unit, since=since, now=now)
    counts = dict(
        db.session.execute(
            select(ServiceRequest.status, func.count())
            .where(ServiceRequest.unit_id == unit.id)
            .group_by(ServiceRequest.status)
        ).all()
    )
    d.backlog = [(s, counts.get(s, 0)) for s in Status if s.is_open]
    d.open_total = sum(n for _s, n in d.backlog)
    stmt = overdue_requests(now, unit.id)
    d.overdue_total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    d.overdue = list(db.session.scalars(stmt.limit(OVERDUE_LISTED)))
    d.filed = db.session.scalar(
        select(func.count()).where(
            ServiceRequest.unit_id == unit.id, ServiceRequest.submitted_at >= since
        )
    )
    d.completed = db.session.scalar(
        select(func.count()).where(
            ServiceRequest.unit_id == unit.id, ServiceRequest.completed_at >= since
        )
    )
    d.skm = _skm(unit, now - timedelta(days=30))
    return d


def send_digests(now: datetime | None = None) -> int:
    """Queue one digest per active supervisor with an e-mail; returns how many were queued.

    Also files the in-app overdue notifications. Flushes; the caller commits.
    """
    now = now or utcnow()
    notify_overdue(now)
    queued = 0
    for unit in db.session.scalars(select(Unit).order_by(Unit.id)):
        supervisors = [u for u in unit_staff(unit.id, roles=(Role.SUPERVISOR,)) if u.email]
        if not supervisors:
            continue
        digest = build_digest(unit, now)
        link = absolute_url("requests.index")
        overdue_link = absolute_url("requests.index", overdue="1")
        for sup in supervisors:
            row = queue_email(
                sup,
                lambda d=digest: _(
                    "Weekly digest: %(open)s open, %(overdue)s overdue",
                    open=d.open_total,
                    overdue=d.overdue_total,
                ),
                "email/digest",
                d=digest,
                link=link,
                overdue_link=overdue_link,
            )
            queued += row is not None
    db.session.flush()
    return queued
