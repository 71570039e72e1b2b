"""Report periods (month, quarter, year) and local-date ranges, turned into UTC bounds.

Pure module: a period is a range of local dates in the unit's time zone (a new unit's
default zone when none is given);
queries compare UTC timestamps against the UTC instants of local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..security import bounded_int
from ..service_requests.sla import DEFAULT_TIMEZONE

KINDS = ("month", "quarter", "year")
DEFAULT_TZ = DEFAULT_TIMEZONE


def local_midnight_utc(d: date, tz: str = DEFAULT_TZ) -> datetime:
    """The UTC instant at which local date `d` begins."""
    return datetime.combine(d, time(), ZoneInfo(tz)).astimezone(UTC)


def local_today(now: datetime, tz: str = DEFAULT_TZ) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def date_range_utc(first: date, last: date, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """UTC [start, end) covering local dates first..last inclusive."""
    return local_midnight_utc(first, tz), local_midnight_utc(last + timedelta(days=1), tz)


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # first local date
    last: date  # last local date (inclusive)

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def number(self) -> int:
        """Month 1-12, quarter 1-4, or the year."""
        if self.kind == "month":
            return self.first.month
        if self.kind == "quarter":
            return (self.first.month - 1) // 3 + 1
        return self.first.year

    def utc_bounds(self, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
        return date_range_utc(self.first, self.last, tz)

    def shifted(self, steps: int) -> Period:
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind] * steps
        return period_of(self.kind, _add_months(self.first, months))

    def args(self) -> dict[str, str]:
        """Query-string form: period=month&year=2026&n=11."""
        args = {"period": self.kind, "year": str(self.year)}
        if self.kind != "year":
            args["n"] = str(self.number)
        return args


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year that contains `day`."""
    if kind == "month":
        first = date(day.year, day.month, 1)
        return Period(kind, first, _add_months(first, 1) - timedelta(days=1))
    if kind == "quarter":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _add_months(first, 3) - timedelta(days=1))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(kind)


def parse_period(kind: str | None, year: str | None, n: str | None, today: date) -> Period:
    """A period from query-string values; anything missing or invalid means the current one."""
    kind = kind if kind in KINDS else "month"
    y = bounded_int(year, minimum=2000, maximum=2100) if year else today.year
    if y is None:
        return period_of(kind, today)
    num = bounded_int(n, minimum=1, maximum=12) if n else None
    if kind == "year":
        return period_of(kind, date(y, 1, 1))
    if kind == "quarter":
        if num is None or num > 4:
            return period_of(kind, today if y == today.year else date(y, 1, 1))
        return period_of(kind, date(y, (num - 1) * 3 + 1, 1))
    if num is None:
        return period_of(kind, today if y == today.year else date(y, 1, 1))
    return period_of(kind, date(y, num, 1))
