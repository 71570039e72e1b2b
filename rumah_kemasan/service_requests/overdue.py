"""The one definition of "overdue" (docs/sla.md "Overdue"), in SQL and in Python, side by side.

A request is overdue when its SLA clock is running (`workflow.RUNNING_STATUSES`: accepted, in
design, approved, in production), the clock is not paused and its due date has passed. So a
request is not overdue before acceptance, while it waits on the owner (needs information,
awaiting approval), once the office's work is done (ready for pickup) or closed.

Every count and every badge asks these two: the desk, the request list's "overdue only" filter
and its export, /backlog and its staff table, the national overview, the digest and
`flask notify overdue` (the SQL clause); the cards and the request page (the predicate, the
`is_overdue` template global). Before issue 16 the SQL counted ready-for-pickup requests and
the notices did not, so the desk said 85 where the digest said 68.
tests/integration/test_overdue_everywhere.py keeps them equal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_

from . import sla
from .models import ServiceRequest
from .workflow import RUNNING_STATUSES, Status

# A list in a fixed order, so the SQL text (and the statement cache) is the same every time.
_RUNNING = sorted(RUNNING_STATUSES)


def overdue_clause(now: datetime):
    """WHERE clause over ServiceRequest: clock running, not paused, due date before `now`."""
    return and_(
        ServiceRequest.status.in_(_RUNNING),
        ServiceRequest.paused_at.is_(None),
        ServiceRequest.due_at.is_not(None),
        ServiceRequest.due_at < now,
    )


def is_overdue(req: ServiceRequest, now: datetime) -> bool:
    """The same rule as `overdue_clause`, for one loaded request."""
    return (
        Status(req.status) in RUNNING_STATUSES
        and req.paused_at is None
        and sla.is_overdue(req.due_at, now)
    )
