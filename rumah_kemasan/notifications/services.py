"""Who hears about what: in-app notifications and the e-mail outbox.

`on_request_event` is called by `service_requests.events.record_event` right after it appends a
timeline event, inside the same transaction, so a notification (and its e-mail) exists exactly
when its event does. What each kind of event tells whom is one small handler per kind
(`HANDLERS`), handed the request and its people. Everything here flushes; the caller commits.

Privacy rule: an internal event never reaches the owner. The owner hears about a status change
even when the staff member marked the step internal, but never its note; a note goes into the
owner's e-mail only when the event is public (e.g. "needs information: please add the P-IRT").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from ..roles import Role
from ..service_requests.models import EventKind, RequestEvent, ServiceRequest, Visibility
from ..service_requests.overdue import overdue_clause
from ..service_requests.workflow import Status
from .models import Delivery, DigestItem, EmailTopic, Notification, NotificationKind, OutboxEmail
from .preferences import deliveries

LOCALES = ("id", "en")


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link built from BASE_URL (never from the Host header), in or out of a request.

    Without BASE_URL (development, tests) it falls back to SERVER_NAME, then to the host of the
    current request.
    """
    cfg = current_app.config
    server = cfg.get("SERVER_NAME") or "localhost"
    adapter = current_app.url_map.bind(server, script_name=cfg.get("APPLICATION_ROOT") or "/")
    path = adapter.build(endpoint, values)
    base = cfg.get("BASE_URL")
    if not base:
        if cfg.get("SERVER_NAME"):
            base = f"{cfg.get('PREFERRED_URL_SCHEME', 'http')}://{cfg['SERVER_NAME']}"
        elif has_request_context():
            base = request.host_url
        else:
            base = "http://localhost"
    return base.rstrip("/") + path


def user_locale(user: User) -> str:
    return user.locale if user.locale in LOCALES else "id"


def queue_email(
    user: User,
    subject: Callable[[], str],
    template: str,
    **context,
) -> OutboxEmail | None:
    """Render `template`.txt/.html in the user's language and put the e-mail in the outbox.

    `subject` is called inside the user's locale. Users without an e-mail address or disabled
    accounts get nothing (they still see the in-app notification, or staff use WhatsApp).
    """
    if not user.email or not user.active:
        return None
    locale = user_locale(user)
    with force_locale(locale):
        row = OutboxEmail(
            user_id=user.id,
            to_address=user.email,
            subject=str(subject())[:200],
            body_text=render_template(f"{template}.txt", user=user, **context),
            body_html=render_template(f"{template}.html", user=user, **context),
            locale=locale,
        )
    db.session.add(row)
    return row


def notify(
    user: User,
    kind: NotificationKind,
    req: ServiceRequest | None,
    status: Status | None = None,
) -> Notification:
    """Add one in-app notification."""
    row = Notification(
        user_id=user.id,
        request_id=req.id if req is not None else None,
        kind=kind,
        status=status,
    )
    db.session.add(row)
    return row


def unit_staff(unit_id: int, roles: Iterable[Role] = (Role.STAFF, Role.SUPERVISOR)) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.unit_id == unit_id, User.role.in_(list(roles)), User.active)
            .order_by(User.id)
        )
    )


def _status_text(status: Status) -> str:
    """The translated label of a status (workflow's English label is the msgid)."""
    return _(Status(status).label)


def _request_notice(
    user: User,
    req: ServiceRequest,
    headline: Callable[[], str],
    *,
    note: str | None = None,
    status: Status | None = None,
) -> None:
    """Queue the generic request e-mail: a headline, an optional note, the link."""
    link = absolute_url("requests.detail", code=req.code)
    queue_email(
        user,
        lambda: _("%(code)s: %(headline)s", code=req.code, headline=headline()),
        "email/request_notice",
        req=req,
        headline=headline,
        note=note,
        status=status,
        link=link,
    )


def _email(
    user: User,
    topic: EmailTopic,
    req: ServiceRequest,
    headline: Callable[[], str],
    *,
    note: str | None = None,
    status: Status | None = None,
    delivery: Delivery | None = None,
) -> None:
    """E-mail `user` about `req` as they chose for `topic`: now, in the digest, or not at all."""
    if delivery is None:
        delivery = deliveries([user], topic)[user.id]
    if delivery is Delivery.IMMEDIATE:
        _request_notice(user, req, headline, note=note, status=status)
    elif delivery is Delivery.DIGEST and user.email and user.active:
        db.session.add(DigestItem(user_id=user.id, topic=topic, request_id=req.id, status=status))


@dataclass(frozen=True)
class _Parties:
    """Who an event can concern, loaded once and handed to the handler of its kind."""

    req: ServiceRequest
    owner: User
    assignee: User | None
    actor_id: int | None

    def to_owner(self, kind: NotificationKind, status, headline, note=None) -> None:
        """Tell the owner (unless they acted): in the app, and by e-mail as they chose."""
        if self.owner.id == self.actor_id:
            return
        notify(self.owner, kind, self.req, status)
        asked = kind is NotificationKind.COMMENT or status is Status.NEEDS_INFO
        topic = EmailTopic.OWNER_QUESTION if asked else EmailTopic.REQUEST_STATUS
        _email(self.owner, topic, self.req, headline, note=note, status=status)

    @property
    def other_assignee(self) -> User | None:
        """The assignee, unless there is none or they acted themselves."""
        if self.assignee is None or self.assignee.id == self.actor_id:
            return None
        return self.assignee


def _public_note(event: RequestEvent) -> str | None:
    return event.note if event.visibility is Visibility.PUBLIC else None


def _to_status(event: RequestEvent) -> Status:
    """The status a status event moved the request to (every one records it)."""
    if event.to_status is None:
        raise ValueError(f"status event {event.id} of request {event.request_id} has no to_status")
    return Status(event.to_status)


def _on_filed(event: RequestEvent, p: _Parties) -> None:
    """Filed, or re-submitted after the owner added what was missing.

    Everyone in the unit sees it in the app; e-mail as each chose (the daily digest by default).
    """
    target = _to_status(event)
    staff = [u for u in unit_staff(p.req.unit_id) if u.id != p.actor_id]
    chosen = deliveries(staff, EmailTopic.NEW_REQUEST)
    answered = deliveries([p.assignee], EmailTopic.OWNER_REPLY) if p.assignee else {}
    for user in staff:
        notify(user, NotificationKind.NEW_REQUEST, p.req, target)
        _email(
            user,
            EmailTopic.OWNER_REPLY if user.id in answered else EmailTopic.NEW_REQUEST,
            p.req,
            (lambda: _("a request is waiting for verification"))
            if event.from_status is None
            else (lambda: _("the owner has completed the request")),
            status=target,
            delivery=answered.get(user.id, chosen[user.id]),
        )
    if event.from_status is None:
        # A walk-in filed by staff: the owner learns their request exists.
        p.to_owner(NotificationKind.STATUS, target, lambda: _("your request has been filed"))


def _on_status(event: RequestEvent, p: _Parties) -> None:
    """A status change: the owner hears (never an internal note), and the assignee."""
    target = _to_status(event)
    if target is Status.SUBMITTED:
        _on_filed(event, p)
        return
    p.to_owner(
        NotificationKind.STATUS,
        target,
        lambda: _("the status is now “%(status)s”", status=_status_text(target)),
        _public_note(event),
    )
    assignee = p.other_assignee
    if assignee is None:
        return
    if event.from_status is Status.ACCEPTED and target is Status.IN_DESIGN:
        notify(assignee, NotificationKind.ASSIGNED, p.req, target)
        _email(assignee, EmailTopic.ASSIGNED, p.req, lambda: _("you have been given this job"))
        return
    notify(assignee, NotificationKind.STATUS, p.req, target)
    decided = event.from_status is Status.AWAITING_APPROVAL and p.actor_id == p.owner.id
    _email(
        assignee,
        EmailTopic.PROOF_DECISION if decided else EmailTopic.JOB_STATUS,
        p.req,
        lambda: _("the status is now “%(status)s”", status=_status_text(target)),
        note=event.note,
        status=target,
    )


def _on_comment(event: RequestEvent, p: _Parties) -> None:
    """A public comment reaches the owner; the owner's comment reaches the job's staff."""
    public = event.visibility is Visibility.PUBLIC
    if public:
        p.to_owner(NotificationKind.COMMENT, None, lambda: _("a new comment"), _public_note(event))
    if p.actor_id == p.owner.id:
        readers = [p.assignee] if p.assignee is not None else unit_staff(p.req.unit_id)
        for user in readers:
            notify(user, NotificationKind.COMMENT, p.req)
        if p.assignee is not None:
            _email(
                p.assignee,
                EmailTopic.OWNER_REPLY,
                p.req,
                lambda: _("a new comment"),
                note=event.note,
            )
    elif not public and p.other_assignee is not None:
        notify(p.other_assignee, NotificationKind.COMMENT, p.req)


def _on_assignment(event: RequestEvent, p: _Parties) -> None:
    """Internal: the assignee hears that they got the job, nobody else, without the reason."""
    assignee = p.other_assignee
    if assignee is None:
        return
    notify(assignee, NotificationKind.ASSIGNED, p.req, Status(p.req.status))
    _email(assignee, EmailTopic.ASSIGNED, p.req, lambda: _("you have been given this job"))


def _nobody(event: RequestEvent, p: _Parties) -> None:
    """Staff bookkeeping (files, checklists, handover, decisions): the timeline shows it, and
    the status change that follows tells the people concerned."""


# What each kind of event tells whom. Every EventKind has an entry (a test checks it), so a new
# kind has to say here who hears about it.
HANDLERS: dict[EventKind, Callable[[RequestEvent, _Parties], None]] = {
    EventKind.STATUS: _on_status,
    EventKind.COMMENT: _on_comment,
    EventKind.ASSIGNMENT: _on_assignment,
    EventKind.FILE: _nobody,
    EventKind.CHECKLIST: _nobody,
    EventKind.DECISION: _nobody,
    EventKind.SYSTEM: _nobody,
}


def on_request_event(event: RequestEvent, req: ServiceRequest) -> None:
    """Queue the notifications and e-mails that `event` of `req` causes (flush, never commit).

    Called by service_requests.events.record_event right after the event is flushed. The
    request is the caller's (not loaded again); its owner and assignee come from the session's
    identity map when already loaded.
    """
    parties = _Parties(
        req=req,
        owner=req.applicant,
        assignee=db.session.get(User, req.assignee_id) if req.assignee_id else None,
        actor_id=event.actor_id,
    )
    HANDLERS[EventKind(event.kind)](event, parties)
    db.session.flush()


def notification_text(n: Notification) -> str:
    """The notification's sentence in the current language (never a note)."""
    code = n.request.code if n.request is not None else ""
    if n.kind is NotificationKind.NEW_REQUEST:
        return _("%(code)s is waiting for verification.", code=code)
    if n.kind is NotificationKind.STATUS:
        if n.status is None:  # notify() is always given the status for this kind
            raise ValueError(f"status notification {n.id} has no status")
        status = _status_text(n.status)
        return _("%(code)s: the status is now “%(status)s”.", code=code, status=status)
    if n.kind is NotificationKind.COMMENT:
        return _("%(code)s has a new comment.", code=code)
    if n.kind is NotificationKind.ASSIGNED:
        return _("%(code)s has been assigned to you.", code=code)
    return _("%(code)s is past its due date.", code=code)


def unread_count(user: User) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) unread notification of `user` as read."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    # An UPDATE's result is a CursorResult: it has the rowcount.
    return cast(CursorResult[Any], db.session.execute(stmt.values(read_at=utcnow()))).rowcount


def overdue_requests(now: datetime, unit_id: int | None = None):
    """Overdue requests (service_requests/overdue.py), the longest overdue first."""
    stmt = select(ServiceRequest).where(overdue_clause(now))
    if unit_id is not None:
        stmt = stmt.where(ServiceRequest.unit_id == unit_id)
    return stmt.order_by(ServiceRequest.due_at, ServiceRequest.id)


def notify_overdue(now: datetime | None = None) -> int:
    """Tell each supervisor once about each overdue request of their unit; returns how many."""
    now = now or utcnow()
    created = 0
    for req in db.session.scalars(overdue_requests(now)):
        for sup in unit_staff(req.unit_id, roles=(Role.SUPERVISOR,)):
            seen = db.session.scalar(
                select(Notification.id).where(
                    Notification.user_id == sup.id,
                    Notification.request_id == req.id,
                    Notification.kind == NotificationKind.OVERDUE,
                )
            )
            if seen is None:
                notify(sup, NotificationKind.OVERDUE, req, Status(req.status))
                created += 1
    db.session.flush()
    return created
