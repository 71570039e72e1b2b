"""The audit log's part of an erasure: the log keeps what happened, not who the owner was.

Rows naming the owner are redacted; the owner's own rows lose their network address. The audit
log is not part of the owner's copy (it records what staff did)."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from ..personal_data import PersonalDataErasure, erasure_requested, mentions, redact, redact_json
from .models import AuditLog


@erasure_requested.connect
def erase(_sender, erasure: PersonalDataErasure) -> None:
    needles = erasure.needles
    if needles:
        for row in db.session.scalars(
            select(AuditLog).where(
                or_(mentions(AuditLog.details, needles), mentions(AuditLog.target, needles))
            )
        ):
            row.details = redact_json(row.details, needles)
            row.target = redact(row.target, needles)
    for row in db.session.scalars(select(AuditLog).where(AuditLog.actor_id == erasure.user.id)):
        row.address = None
