"""Write audit rows and count them (for database-backed rate limits)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import has_request_context, request
from sqlalchemy import func, select

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from .models import AuditLog


def _address() -> str | None:
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:64] or None


def record(
    actor: User | None,
    action: str,
    target: str | None = None,
    details: dict | None = None,
    *,
    at: datetime | None = None,
) -> AuditLog:
    """Append one audit row (the caller commits) and return it.

    `action` is a short dotted name such as ``export.requests.csv`` or ``file.download``;
    `target` names the record acted on (``request:RK-2026-00042``); `details` holds the rest
    (filters used, row counts). The client address is taken from the current request, if any.
    """
    row = AuditLog(
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        action=action[:60],
        target=target[:200] if target else None,
        details=details or None,
        address=_address(),
        created_at=at or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def count_recent(actor: User, action_prefix: str, window: timedelta) -> int:
    """How many rows `actor` wrote with an action starting with `action_prefix` in `window`."""
    since = utcnow() - window
    return (
        db.session.scalar(
            select(func.count(AuditLog.id)).where(
                AuditLog.actor_id == actor.id,
                AuditLog.action.startswith(action_prefix, autoescape=True),
                AuditLog.created_at >= since,
            )
        )
        or 0
    )
