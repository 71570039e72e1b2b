"""Changes to a unit's holidays: a local day off, a national holiday the unit works, undoing
either. Each change, in the caller's transaction (the view commits once):

* writes or deletes the `UnitHoliday` row and gives the unit a new `calendar_stamp`, so every
  process rebuilds its cached calendar of the unit (services.calendar_for);
* moves the due date of the unit's open requests whose clock is running and whose due date
  falls on or after the changed day: recomputed from the acceptance, the SLA days and the
  paused working time, on the new calendar (a paused request gets its new date when it
  resumes, as always);
* writes one audit row naming the day and every request whose due date moved (old and new).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from ..accounts.models import Unit, UnitHoliday, User
from ..audit.services import record
from ..extensions import db
from ..service_requests import sla
from ..service_requests.models import ServiceRequest
from ..service_requests.services import calendar_for
from ..service_requests.workflow import Clock, Status

RUNNING = [s for s in Status if s.clock is Clock.RUNNING]


class HolidayRefused(Exception):
    """A change that cannot be made; `reason` names why (the form shows its message)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Day:
    """One line of the page: a national holiday (as the unit keeps it or works it) or a local
    day off."""

    day: date
    name: str
    national: bool
    closed: bool  # the unit is closed that day
    row: UnitHoliday | None  # the unit's own change, if any


def year_days(unit: Unit, year: int, locale: str = "id") -> list[Day]:
    """The national holidays of `year` with the unit's changes applied, and its own days off
    (national names in `locale`; the unit's own names as typed)."""
    national = sla.zone_calendar(unit.timezone).national_holidays(year, locale)
    rows = {
        row.day: row
        for row in db.session.scalars(
            select(UnitHoliday).where(
                UnitHoliday.unit_id == unit.id,
                UnitHoliday.day >= date(year, 1, 1),
                UnitHoliday.day <= date(year, 12, 31),
            )
        )
    }
    days = [
        Day(d, name, True, not (d in rows and not rows[d].closed), rows.get(d))
        for d, name in national.items()
    ]
    days += [Day(d, row.name, False, True, row) for d, row in rows.items() if d not in national]
    return sorted(days, key=lambda x: x.day)


def _row(unit: Unit, day: date) -> UnitHoliday | None:
    return db.session.scalar(
        select(UnitHoliday).where(UnitHoliday.unit_id == unit.id, UnitHoliday.day == day)
    )


def _national_name(unit: Unit, day: date) -> str | None:
    return sla.zone_calendar(unit.timezone).national_holidays(day.year).get(day)


def add_day_off(unit: Unit, day: date, name: str, actor: User) -> UnitHoliday:
    """Close the unit on `day` (a local holiday, a cuti bersama it observes)."""
    if day.weekday() >= 5:
        raise HolidayRefused("weekend")
    existing = _row(unit, day)
    if existing is not None:
        raise HolidayRefused("worked_national" if not existing.closed else "already_off")
    if _national_name(unit, day) is not None:
        raise HolidayRefused("national")
    row = UnitHoliday(unit_id=unit.id, day=day, name=name.strip(), closed=True)
    row.created_by_id = actor.id
    db.session.add(row)
    _changed(unit, day, actor, "unit.holiday.add", {"name": row.name})
    return row


def work_national(unit: Unit, day: date, actor: User) -> UnitHoliday:
    """Open the unit on a national holiday (for this unit only)."""
    name = _national_name(unit, day)
    if name is None:
        raise HolidayRefused("not_national")
    if _row(unit, day) is not None:
        raise HolidayRefused("already_worked")
    row = UnitHoliday(unit_id=unit.id, day=day, name=name, closed=False)
    row.created_by_id = actor.id
    db.session.add(row)
    _changed(unit, day, actor, "unit.holiday.work", {"name": name})
    return row


def undo(unit: Unit, day: date, actor: User) -> None:
    """Remove the unit's own change on `day`: a local day off goes, a national holiday the
    unit worked is a holiday again."""
    row = _row(unit, day)
    if row is None:
        raise HolidayRefused("nothing")
    action = "unit.holiday.remove" if row.closed else "unit.holiday.restore"
    name = row.name
    db.session.delete(row)
    _changed(unit, day, actor, action, {"name": name})


def _changed(unit: Unit, day: date, actor: User, action: str, details: dict) -> None:
    unit.calendar_stamp = secrets.token_hex(8)
    db.session.flush()
    moved = recompute_due_dates(unit, day)
    record(
        actor,
        action,
        f"unit:{unit.id}",
        {"day": day.isoformat(), **details, "moved": moved},
    )


def recompute_due_dates(unit: Unit, day: date) -> list[list[str]]:
    """Give the unit's running requests due on or after `day` their due date on the unit's
    current calendar; returns [code, old due, new due] (UTC ISO) for each one that moved."""
    cal = calendar_for(unit)
    since = datetime.combine(day, time(), cal.tz).astimezone(UTC)
    reqs = db.session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.unit_id == unit.id,
            ServiceRequest.status.in_(RUNNING),
            ServiceRequest.accepted_at.is_not(None),
            ServiceRequest.paused_at.is_(None),
            ServiceRequest.due_at >= since,
        )
        .order_by(ServiceRequest.id)
    )
    moved = []
    for req in reqs:
        if req.accepted_at is None or req.due_at is None:  # excluded by the WHERE above
            continue
        new = sla.due_at(req.accepted_at, req.sla_days, req.paused_seconds, cal)
        if new != sla.as_utc(req.due_at):
            moved.append([req.code, sla.as_utc(req.due_at).isoformat(), new.isoformat()])
            req.due_at = new
    db.session.flush()
    return moved
