"""Which unit's time zone a page, a report or a list counts in.

The unit's working calendar itself (its zone and its own holidays, cached per process) is
`services.calendar_for`: it lives beside the clock that asks it on every status change, so
that a status change still walks one way through few files (tests/integration/
test_call_path.py).
"""

from __future__ import annotations

from ..accounts.models import Unit, User
from ..extensions import db
from . import sla


def zone_of(unit: Unit | None) -> str:
    """The time-zone name of `unit` (the default zone when there is none)."""
    return (unit.timezone if unit is not None else None) or sla.DEFAULT_TIMEZONE


def report_unit(user: User, unit_id: int | None) -> Unit | None:
    """The unit whose zone and calendar a report or a list filter counts in: the unit asked
    for, else the user's own (a supervisor's); None for an admin's all-units report, which
    counts in the default zone (docs/tz.md)."""
    if unit_id:
        return db.session.get(Unit, unit_id)
    return user.unit if user.is_authenticated else None


def report_zone(user: User, unit_id: int | None) -> str:
    """The time-zone name of `report_unit`."""
    return zone_of(report_unit(user, unit_id))
