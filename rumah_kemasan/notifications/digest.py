"""The digests: the weekly one for supervisors and the daily one everyone may choose.

Weekly (`flask digest send`, e.g. Monday 07:00): backlog by status, overdue requests, the
week's flow, SKM, for each supervisor; dates in the unit's own zone.

Daily (`flask digest daily`, e.g. 07:00): one e-mail per person listing what happened
since their last one in the topics they chose to get "in the daily digest" (preferences.py;
new requests of the unit, by default, for staff and supervisors). The lines wait as
`DigestItem` rows; a run takes a user's waiting rows with one UPDATE … RETURNING and queues
the e-mail in the same transaction, so each line is mailed once even if two runs overlap.

Both go through the outbox like every other message, so `flask outbox send` delivers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..accounts.models import Unit, User
from ..database import utcnow
from ..extensions import db
from ..reports.models import SurveyResponse
from ..reports.skm import ikm_from_sums
from ..roles import Role
from ..service_requests.models import ServiceRequest
from ..service_requests.workflow import Status
from .models import DigestItem, EmailTopic
from .preferences import TOPIC_LABELS, topics_for
from .services import (
    _status_text,
    absolute_url,
    notify_overdue,
    overdue_requests,
    queue_email,
    unit_staff,
)

OVERDUE_LISTED = 20
DAILY_LISTED = 200  # lines per daily digest; the rest is counted, not listed


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


def _weekly_subject(d: Digest) -> str:
    return _(
        "Weekly digest: %(open)s open, %(overdue)s overdue",
        open=d.open_total,
        overdue=d.overdue_total,
    )


def _daily_subject(total: int) -> str:
    return _("Daily digest: %(count)s updates", count=total)


def _skm(unit: Unit, since: datetime):
    """The IKM of the survey answers since `since`, or None (no answers)."""
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
    d.overdue_total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    d.overdue = list(db.session.scalars(stmt.limit(OVERDUE_LISTED)))
    d.filed = (
        db.session.scalar(
            select(func.count()).where(
                ServiceRequest.unit_id == unit.id, ServiceRequest.submitted_at >= since
            )
        )
        or 0
    )
    d.completed = (
        db.session.scalar(
            select(func.count()).where(
                ServiceRequest.unit_id == unit.id, ServiceRequest.completed_at >= since
            )
        )
        or 0
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
                partial(_weekly_subject, digest),
                "email/digest",
                d=digest,
                link=link,
                overdue_link=overdue_link,
            )
            queued += row is not None
    db.session.flush()
    return queued


def daily_line(item: DigestItem) -> str:
    """The digest line of one item, in the current language (never a note)."""
    code = item.request.code
    if item.topic is EmailTopic.NEW_REQUEST:
        return _("%(code)s is waiting for verification.", code=code)
    if item.topic is EmailTopic.ASSIGNED:
        return _("%(code)s has been assigned to you.", code=code)
    if item.topic is EmailTopic.OWNER_REPLY:
        return _("%(code)s: the owner answered.", code=code)
    if item.status is not None:
        status = _status_text(item.status)
        return _("%(code)s: the status is now “%(status)s”.", code=code, status=status)
    return _("%(code)s has a new comment.", code=code)


def send_daily_digests(now: datetime | None = None) -> int:
    """Queue one daily digest per user with waiting lines; returns how many were queued.

    Flushes; the caller commits (the lines are marked in the same transaction).
    """

    now = now or utcnow()
    waiting = select(DigestItem.user_id).where(DigestItem.digested_at.is_(None)).distinct()
    queued = 0
    for user_id in list(db.session.scalars(waiting)):
        taken = db.session.scalars(
            update(DigestItem)
            .where(DigestItem.user_id == user_id, DigestItem.digested_at.is_(None))
            .values(digested_at=now)
            .returning(DigestItem.id)
            .execution_options(synchronize_session=False)
        ).all()
        if not taken:
            continue  # another run got there first
        user = db.session.get(User, user_id)
        if user is None:
            continue  # the account was removed meanwhile; its lines went with it
        items = db.session.scalars(
            select(DigestItem)
            .where(DigestItem.id.in_(taken))
            .options(joinedload(DigestItem.request))
            .order_by(DigestItem.id)
        ).all()
        order = {t: i for i, t in enumerate(topics_for(user) + tuple(EmailTopic))}
        listed = sorted(items, key=lambda i: (order[i.topic], i.id))[:DAILY_LISTED]
        groups: dict[EmailTopic, list[DigestItem]] = {}
        for item in listed:
            groups.setdefault(item.topic, []).append(item)
        total = len(items)
        row = queue_email(
            user,
            partial(_daily_subject, total),
            "email/daily_digest",
            groups=list(groups.items()),
            labels=TOPIC_LABELS,
            line=daily_line,
            link=lambda item: absolute_url("requests.detail", code=item.request.code),
            total=total,
            more=total - len(listed),
            account_link=absolute_url("account.profile"),
        )
        queued += row is not None
    db.session.flush()
    return queued
