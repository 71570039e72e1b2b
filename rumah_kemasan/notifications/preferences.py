"""Which e-mails a person wants: per topic, immediately, in the daily digest, or never.

Defaults (no row in `notification_preference`): news about new requests of the unit goes into
staff's and supervisors' daily digest (a unit files dozens a day: one e-mail each to every
colleague was noise); everything addressed to the person (a job given to you, the owner's
answer or proof decision on your job, a question for the owner) is sent at once. In-app
notices do not depend on any of this: everyone still gets them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..roles import Role
from .models import Delivery, EmailTopic, NotificationPreference

if TYPE_CHECKING:
    from ..accounts.models import User

STAFF_TOPICS = (
    EmailTopic.NEW_REQUEST,
    EmailTopic.ASSIGNED,
    EmailTopic.OWNER_REPLY,
    EmailTopic.PROOF_DECISION,
    EmailTopic.JOB_STATUS,
)
OWNER_TOPICS = (EmailTopic.OWNER_QUESTION, EmailTopic.REQUEST_STATUS)

TOPIC_LABELS = {
    EmailTopic.NEW_REQUEST: _l("New requests in your unit"),
    EmailTopic.ASSIGNED: _l("A job given to you"),
    EmailTopic.OWNER_REPLY: _l("The owner's answer on your job"),
    EmailTopic.PROOF_DECISION: _l("The owner's decision on a proof of your job"),
    EmailTopic.JOB_STATUS: _l("Other status changes of your job"),
    EmailTopic.OWNER_QUESTION: _l("Questions and comments about your request"),
    EmailTopic.REQUEST_STATUS: _l("Status changes of your request"),
}
DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("E-mail immediately"),
    Delivery.DIGEST: _l("In the daily digest"),
    Delivery.NEVER: _l("No e-mail"),
}


def topics_for(user: User) -> tuple[EmailTopic, ...]:
    return OWNER_TOPICS if user.role is Role.OWNER else STAFF_TOPICS


def default_delivery(topic: EmailTopic) -> Delivery:
    return Delivery.DIGEST if topic is EmailTopic.NEW_REQUEST else Delivery.IMMEDIATE


def choices(user: User) -> dict[EmailTopic, Delivery]:
    """The user's delivery for each of their topics (defaults filled in)."""
    stored = dict(
        db.session.execute(
            select(NotificationPreference.topic, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {t: stored.get(t, default_delivery(t)) for t in topics_for(user)}


def deliveries(users: Iterable[User], topic: EmailTopic) -> dict[int, Delivery]:
    """Each user's delivery for `topic`, in one query (a new request reaches a whole unit)."""
    ids = [u.id for u in users]
    stored = (
        dict(
            db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                    NotificationPreference.topic == topic,
                    NotificationPreference.user_id.in_(ids),
                )
            ).all()
        )
        if ids
        else {}
    )
    return {i: stored.get(i, default_delivery(topic)) for i in ids}


def save(user: User, wanted: dict[EmailTopic, Delivery]) -> None:
    """Store the user's choices (only topics of their role; flush only)."""
    current = {
        p.topic: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for topic in topics_for(user):
        if topic not in wanted:
            continue
        row = current.get(topic)
        if row is None:
            row = NotificationPreference(user_id=user.id, topic=topic)
            db.session.add(row)
        row.delivery = wanted[topic]
    db.session.flush()
