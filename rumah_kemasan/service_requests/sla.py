"""Service-level clock: working days, due dates, pauses and local-time formatting.

Pure module (stdlib + ``holidays``); no Flask, no SQLAlchemy, no translations.

Rules
-----
* Every datetime going in or out is timezone-aware; a naive input is taken as UTC.
  Results are returned in UTC.
* Counting happens in the unit's local timezone (``Unit.timezone``; a new unit starts in
  ``DEFAULT_TIMEZONE``), labelled WIB, WITA or WIT (``zone_label``).
* A working day is Monday-Friday and not an Indonesian public holiday as listed by
  ``holidays.country_holidays("ID")``. *Cuti bersama* (joint leave days decreed each
  year) are **not** public holidays and are working days by default; pass
  ``joint_holidays=True`` to ``WorkingCalendar`` to close on them too (the package
  lists them under its ``government`` category). Local closures that the package
  does not know (e.g. Galungan/Kuningan in Bali, the cuti bersama a unit observes) are
  given as ``extra_holidays``; national holidays a unit works through as
  ``extra_working_days`` (a weekend stays closed).
* The SLA clock is a *working clock*: it runs for the whole 24 hours of each working
  day and stands still on non-working days. Hence:

  - **Due date**: N working days after an acceptance at local time T on a working
    day is the N-th following working day at the same local time T.
  - **Acceptance on a non-working day** (weekend, holiday) counts as acceptance at
    08:00 local on the next working day (``WORKDAY_START``); e.g. accepted Saturday
    14:00 with 1 working day is due Tuesday 08:00.
  - **Pauses** (waiting on the owner): the due date moves by the *working time* that
    fell inside the pause intervals (``working_seconds_between``). A pause from
    Monday 10:00 to Wednesday 10:00 pushes the due date by 2 working days; a pause
    from Friday 10:00 to Monday 10:00 by 1; a pause that lies entirely in a weekend
    by nothing; a 6-hour pause on a Tuesday by 6 hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

# The zone a new unit starts in (Unit.timezone's default): the only zone the code names
# outside the labels below; every date is otherwise counted in its unit's own zone.
DEFAULT_TIMEZONE = "Asia/Makassar"
DAY_SECONDS = 86400
WORKDAY_START = time(8, 0)

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Indonesian zone names; anything else falls back to the zone's own abbreviation. The three
# zones a unit may choose (Asia/Pontianak is WIB too, but a unit of Kalimantan Barat picks
# Asia/Jakarta: same clock).
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    DEFAULT_TIMEZONE: "WITA",
    "Asia/Jayapura": "WIT",
}
UNIT_TIMEZONES = ("Asia/Jakarta", DEFAULT_TIMEZONE, "Asia/Jayapura")


def as_utc(dt: datetime) -> datetime:
    """Return dt as an aware UTC datetime (naive input is taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class WorkingCalendar:
    """Working days of one unit: weekdays minus holidays, in the unit's timezone.

    The holidays are the national ones (``national_holidays``) plus the unit's
    ``extra_holidays`` minus its ``extra_working_days``.
    """

    def __init__(
        self,
        tz: str = DEFAULT_TIMEZONE,
        country: str = "ID",
        *,
        joint_holidays: bool = False,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ):
        self.tz = ZoneInfo(tz)
        self.country = country
        self.joint_holidays = joint_holidays
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_working_days = frozenset(extra_working_days)
        self._holidays_by_year: dict[int, frozenset[date]] = {}

    @property
    def label(self) -> str:
        """WIB, WITA or WIT (the zone's own abbreviation for any other zone)."""
        return zone_label(self.tz.key)

    def national_holidays(self, year: int, locale: str = "id") -> dict[date, str]:
        """The country's holidays of a year by date, named in `locale` (id or en)."""
        categories = ("public", "government") if self.joint_holidays else ("public",)
        language = "en_US" if (locale or "id").lower().startswith("en") else "id"
        listed = holidays.country_holidays(
            self.country, years=year, categories=categories, language=language
        )
        return dict(sorted(listed.items()))

    def holidays_in(self, year: int) -> frozenset[date]:
        """Return the closed (holiday) dates of a year, cached per year."""
        cached = self._holidays_by_year.get(year)
        if cached is None:
            national = set(self.national_holidays(year)) - self.extra_working_days
            cached = frozenset(national | {d for d in self.extra_holidays if d.year == year})
            self._holidays_by_year[year] = cached
        return cached

    def is_working_day(self, d: date) -> bool:
        """Return True for Monday-Friday that is not a holiday."""
        return d.weekday() < 5 and d not in self.holidays_in(d.year)

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after d."""
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def local(self, dt: datetime) -> datetime:
        """Return dt in the calendar's timezone (naive input is taken as UTC)."""
        return as_utc(dt).astimezone(self.tz)

    def _clock_start(self, start: datetime) -> datetime:
        """Return start in local time, or 08:00 of the next working day if closed."""
        local = self.local(start)
        if self.is_working_day(local.date()):
            return local
        return datetime.combine(self.next_working_day(local.date()), WORKDAY_START, self.tz)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """Advance the working clock by seconds from start; return the UTC instant."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        local = self._clock_start(start)
        whole_days, rest = divmod(seconds, DAY_SECONDS)
        day = local.date()
        for _ in range(int(whole_days)):
            day = self.next_working_day(day)
        wall = datetime.combine(day, local.time())
        left_today = (datetime.combine(day + timedelta(days=1), time()) - wall).total_seconds()
        if rest < left_today:
            wall += timedelta(seconds=rest)
        else:
            wall = datetime.combine(self.next_working_day(day), time()) + timedelta(
                seconds=rest - left_today
            )
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the UTC instant `days` working days after start (see module rules)."""
        if days < 0:
            raise ValueError("days must not be negative")
        return self.add_working_seconds(start, days * DAY_SECONDS)

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Return the working-clock seconds in [start, end] (0 when end <= start)."""
        a = self.local(start).replace(tzinfo=None)
        b = self.local(end).replace(tzinfo=None)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo = max(a, datetime.combine(day, time()))
                hi = min(b, datetime.combine(day + timedelta(days=1), time()))
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Return whole working days elapsed (negative if end < start)."""
        if as_utc(end) < as_utc(start):
            return -self.working_days_between(end, start)
        return int(self.working_seconds_between(start, end) // DAY_SECONDS)

    def working_dates_after(self, a: date, b: date) -> int:
        """Count working days d with a < d <= b (negative count if b < a).

        Arithmetic on weekdays, then the holidays in range are subtracted: constant time in
        the distance, so a card of a request overdue for years costs no more than any other.
        """
        if b < a:
            return -self.working_dates_after(b, a)
        count = _weekdays_through(b) - _weekdays_through(a)
        for year in range(a.year, b.year + 1):
            count -= sum(1 for h in self.holidays_in(year) if a < h <= b and h.weekday() < 5)
        return count


def _weekdays_through(d: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) up to and including d."""
    weeks, rest = divmod(d.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


_zone_calendars: dict[str, WorkingCalendar] = {}


def zone_calendar(tz: str = DEFAULT_TIMEZONE) -> WorkingCalendar:
    """The national calendar in zone `tz` (no unit's own days), shared per zone.

    For pure callers and tests; the app asks ``services.calendar_for(unit)``, which adds the
    unit's holidays.
    """
    cal = _zone_calendars.get(tz)
    if cal is None:
        cal = _zone_calendars[tz] = WorkingCalendar(tz)
    return cal


def due_at(
    accepted_at: datetime,
    working_days: int,
    paused_seconds: float | None = 0,
    cal: WorkingCalendar | None = None,
) -> datetime:
    """Return the UTC-aware due instant.

    ``paused_seconds`` is paused *working-clock* time, i.e. the sum of
    ``paused_working_seconds(pause_start, pause_end)`` over finished pauses, not
    wall-clock seconds (a weekend inside a pause must not extend the deadline).
    """
    cal = cal or zone_calendar()
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    return cal.add_working_seconds(
        accepted_at, working_days * DAY_SECONDS + max(paused_seconds or 0, 0)
    )


def paused_working_seconds(
    start: datetime, end: datetime, cal: WorkingCalendar | None = None
) -> float:
    """Return the working-clock seconds of one pause, to accumulate on the request."""
    return (cal or zone_calendar()).working_seconds_between(start, end)


def due_at_with_pauses(
    accepted_at: datetime,
    working_days: int,
    pauses: Iterable[tuple[datetime, datetime | None]],
    cal: WorkingCalendar | None = None,
    now: datetime | None = None,
) -> datetime:
    """Return the UTC due instant pushed by the working time inside the pauses.

    An open pause (end ``None``) counts until ``now`` (default: the current time).
    Pause time before ``accepted_at`` is ignored and overlapping pauses count once.
    """
    cal = cal or zone_calendar()
    accepted = as_utc(accepted_at)
    now_utc = as_utc(now) if now is not None else datetime.now(UTC)
    intervals = sorted(
        (max(as_utc(s), accepted), as_utc(e) if e is not None else now_utc) for s, e in pauses
    )
    merged: list[list[datetime]] = []
    for s, e in intervals:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    paused = sum(cal.working_seconds_between(s, e) for s, e in merged)
    return due_at(accepted, working_days, paused, cal)


def working_days_left(due: datetime, now: datetime, cal: WorkingCalendar | None = None) -> int:
    """Return working days left until due, by local date; negative when overdue.

    0 means due later today; 1 means due on the next working day. Once ``now`` is past
    ``due`` the result is minus the working days from the due date (exclusive) to today
    (inclusive), and at least -1 so that the sign always tells "overdue".
    """
    cal = cal or zone_calendar()
    due_local = cal.local(due)
    now_local = cal.local(now)
    days = cal.working_dates_after(now_local.date(), due_local.date())
    if now_local > due_local:
        return min(days, -1)
    return days


def week_bounds(now: datetime, cal: WorkingCalendar | None = None) -> tuple[datetime, datetime]:
    """The current week (Monday 00:00 to the next Monday 00:00, local time) in UTC."""
    cal = cal or zone_calendar()
    local = cal.local(now)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday.astimezone(UTC), (monday + timedelta(days=7)).astimezone(UTC)


def is_overdue(due: datetime | None, now: datetime, paused: bool = False) -> bool:
    """Return True when due has passed and the clock is not paused or stopped."""
    return due is not None and not paused and as_utc(now) > as_utc(due)


def zone_label(tz: str) -> str:
    """WIB, WITA or WIT for an Indonesian zone; the zone's abbreviation (or name) otherwise."""
    label = ZONE_LABELS.get(tz)
    if label is None:
        label = datetime.now(ZoneInfo(tz)).tzname() or tz
    return label


def format_local_date(dt: datetime | date, locale: str = "id", tz: str = DEFAULT_TIMEZONE) -> str:
    """Return the local date as "28 November 2026" (a plain date is shown as is)."""
    if isinstance(dt, datetime):
        dt = as_utc(dt).astimezone(ZoneInfo(tz)).date()
    months = MONTHS_EN if (locale or "id").lower().startswith("en") else MONTHS_ID
    return f"{dt.day} {months[dt.month - 1]} {dt.year}"


def format_local(dt: datetime, locale: str = "id", tz: str = DEFAULT_TIMEZONE) -> str:
    """Return "28 November 2026 pukul 10.30 WITA" (id) or "…, 10:30 WITA" (en), in zone tz."""
    local = as_utc(dt).astimezone(ZoneInfo(tz))
    label = zone_label(tz)
    if (locale or "id").lower().startswith("en"):
        return f"{format_local_date(local.date(), 'en')}, {local:%H:%M} {label}"
    return f"{format_local_date(local.date(), 'id')} pukul {local:%H.%M} {label}"
