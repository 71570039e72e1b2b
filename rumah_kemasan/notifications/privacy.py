"""The notices' part of an owner's data: their in-app notices; on erasure their notices, e-mail
choices, digest lines and e-mails go, and e-mails to others that name them are redacted."""

from __future__ import annotations

from sqlalchemy import delete, or_, select

from ..extensions import db
from ..personal_data import (
    PersonalDataErasure,
    PersonalDataExport,
    erasure_requested,
    export_requested,
    iso,
    mentions,
    redact,
    val,
)
from .models import DigestItem, Notification, NotificationPreference, OutboxEmail


@export_requested.connect
def export(_sender, export: PersonalDataExport) -> None:
    export.documents["notifications.json"] = [
        {
            "kind": val(n.kind),
            "request": n.request.code if n.request else None,
            "status": val(n.status),
            "at": iso(n.created_at),
            "read_at": iso(n.read_at),
        }
        for n in db.session.scalars(
            select(Notification)
            .where(Notification.user_id == export.user.id)
            .order_by(Notification.id)
        )
    ]


@erasure_requested.connect
def erase(_sender, erasure: PersonalDataErasure) -> None:
    user, needles = erasure.user, erasure.needles
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(DigestItem).where(DigestItem.user_id == user.id))
    db.session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    outbox_match = [OutboxEmail.user_id == user.id]
    if user.email:
        outbox_match.append(OutboxEmail.to_address == user.email)
    db.session.execute(delete(OutboxEmail).where(or_(*outbox_match)))
    if not needles:
        return
    for mail in db.session.scalars(
        select(OutboxEmail).where(
            or_(
                mentions(OutboxEmail.subject, needles),
                mentions(OutboxEmail.body_text, needles),
                mentions(OutboxEmail.body_html, needles),
            )
        )
    ):
        mail.subject = redact(mail.subject, needles) or ""
        mail.body_text = redact(mail.body_text, needles) or ""
        mail.body_html = redact(mail.body_html, needles)
