"""Each unit's working calendar: its time zone and its own holidays, cached per process.

`calendar_for(unit)` is what every due date, pause, overdue check and local date asks. The
calendar of a unit is built once per process from its `UnitHoliday` rows (one query) and kept
with the unit's `calendar_stamp`; every holiday change writes a new stamp in the same
transaction, so a process that reads the unit afterwards sees a stamp it has not built and
rebuilds: never stale, and no query on a page beyond the unit row it already loads.
"""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import Unit, UnitHoliday, User
from ..extensions import db
from . import sla

# unit id -> (time zone, stamp, calendar); a handful of units per installation.
_cache: dict[int, tuple[str, str, sla.WorkingCalendar]] = {}


def calendar_for(unit: Unit | None) -> sla.WorkingCalendar:
    """The working calendar of `unit` (the national one in the default zone for None)."""
    if unit is None:
        return sla.zone_calendar()
    tz = unit.timezone or sla.DEFAULT_TIMEZONE
    stamp = unit.calendar_stamp
    cached = _cache.get(unit.id)
    if cached is not None and cached[0] == tz and cached[1] == stamp:
        return cached[2]
    rows = db.session.execute(
        select(UnitHoliday.day, UnitHoliday.closed).where(UnitHoliday.unit_id == unit.id)
    ).all()
    cal = sla.WorkingCalendar(
        tz,
        extra_holidays=[day for day, closed in rows if closed],
        extra_working_days=[day for day, closed in rows if not closed],
    )
    _cache[unit.id] = (tz, stamp, cal)
    return cal


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
