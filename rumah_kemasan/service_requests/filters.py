"""Narrowing the request list the way report and backlog numbers count.

Every figure on /backlog, /reports and /admin/overview links to /requests with these
query-string keys, and the figure is computed with the very same predicates
(`report_clauses`), so the number shown and the rows the link lists cannot drift apart.

Keys: unit, open=1, submitted_from/submitted_to and completed_from/completed_to (local
dates, inclusive), age (0-7, 8-14, 15-30, 31+ days since filing, open requests), kecamatan,
area (an area id or "none"), category, scale, sla (within / over, completed requests).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from ..accounts.models import Area, Business, BusinessScale, ProductCategory
from ..security import bounded_int
from .models import ServiceRequest
from .sla import DEFAULT_TIMEZONE
from .workflow import OPEN_STATUSES, Status

SLA_CHOICES = ("within", "over")

# Ageing buckets of open requests, in whole days since filing: (key, lowest age, highest age).
AGE_BUCKETS = (("0-7", 0, 7), ("8-14", 8, 14), ("15-30", 15, 30), ("31+", 31, None))


def age_bounds(key: str, now: datetime) -> tuple[datetime | None, datetime] | None:
    """submitted_at bounds (lo, hi] for an ageing bucket: age in days = floor((now - t) / 1 day).

    Age >= a  <=>  t <= now - a days; age <= b  <=>  t > now - (b + 1) days.
    """
    for k, lo, hi in AGE_BUCKETS:
        if k == key:
            newest = now - timedelta(days=lo)
            oldest = None if hi is None else now - timedelta(days=hi + 1)
            return oldest, newest
    return None


def parse_date(value: str | None) -> date | None:
    """An ISO date from the query string, or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def date_range_utc(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """UTC [start, end) covering local dates first..last inclusive (as reports.periods does;
    that module belongs to reports, which the request list may not import)."""
    start = datetime.combine(first, time(), ZoneInfo(tz)).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), ZoneInfo(tz)).astimezone(UTC)
    return start, end


@dataclass
class ReportFilters:
    unit_id: int | None = None
    open_only: bool = False
    submitted_from: date | None = None
    submitted_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    age: str | None = None
    kecamatan: str | None = None
    area: str | None = None  # an area id, or "none" for businesses without an area
    category: ProductCategory | None = None
    scale: BusinessScale | None = None
    sla: str | None = None

    def as_args(self) -> dict[str, str]:
        """The query-string form (only the keys that are set)."""
        args = {
            "unit": self.unit_id,
            "open": "1" if self.open_only else None,
            "submitted_from": self.submitted_from and self.submitted_from.isoformat(),
            "submitted_to": self.submitted_to and self.submitted_to.isoformat(),
            "completed_from": self.completed_from and self.completed_from.isoformat(),
            "completed_to": self.completed_to and self.completed_to.isoformat(),
            "age": self.age,
            "kecamatan": self.kecamatan,
            "area": self.area,
            "category": getattr(self.category, "value", self.category),
            "scale": getattr(self.scale, "value", self.scale),
            "sla": self.sla,
        }
        return {k: str(v) for k, v in args.items() if v}

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


def parse_report_args(args) -> ReportFilters:
    """ReportFilters from a query string (a werkzeug MultiDict or a plain dict)."""
    category = args.get("category")
    scale = args.get("scale")
    area = args.get("area") or None
    if area is not None and area != "none":
        area = str(bounded_int(area) or "") or None
    return ReportFilters(
        unit_id=bounded_int(args.get("unit")),
        open_only=args.get("open") == "1",
        submitted_from=parse_date(args.get("submitted_from")),
        submitted_to=parse_date(args.get("submitted_to")),
        completed_from=parse_date(args.get("completed_from")),
        completed_to=parse_date(args.get("completed_to")),
        age=args.get("age") if args.get("age") in {k for k, _lo, _hi in AGE_BUCKETS} else None,
        kecamatan=(args.get("kecamatan") or "")[:120] or None,
        area=area,
        category=ProductCategory(category) if category in _values(ProductCategory) else None,
        scale=BusinessScale(scale) if scale in _values(BusinessScale) else None,
        sla=args.get("sla") if args.get("sla") in SLA_CHOICES else None,
    )


def _values(enum_cls) -> set[str]:
    return {m.value for m in enum_cls}


def open_clause():
    return ServiceRequest.status.in_(list(OPEN_STATUSES))


def submitted_between(first: date | None, last: date | None, tz: str):
    clauses = []
    if first is not None:
        clauses.append(ServiceRequest.submitted_at >= date_range_utc(first, first, tz)[0])
    if last is not None:
        clauses.append(ServiceRequest.submitted_at < date_range_utc(last, last, tz)[1])
    return and_(*clauses)


def completed_between(first: date | None, last: date | None, tz: str):
    """Completed (and still so) with completed_at in the local dates first..last."""
    clauses = [ServiceRequest.status == Status.COMPLETED]
    if first is not None:
        clauses.append(ServiceRequest.completed_at >= date_range_utc(first, first, tz)[0])
    if last is not None:
        clauses.append(ServiceRequest.completed_at < date_range_utc(last, last, tz)[1])
    return and_(*clauses)


def within_sla_clause():
    return and_(
        ServiceRequest.due_at.is_not(None), ServiceRequest.completed_at <= ServiceRequest.due_at
    )


def over_sla_clause():
    return and_(
        ServiceRequest.due_at.is_not(None), ServiceRequest.completed_at > ServiceRequest.due_at
    )


def age_clause(key: str, now: datetime):
    bounds = age_bounds(key, now)
    if bounds is None:  # ReportFilters.from_args keeps only the keys of AGE_BUCKETS
        raise ValueError(f"unknown age bucket {key!r}")
    oldest, newest = bounds
    clauses = [open_clause(), ServiceRequest.submitted_at <= newest]
    if oldest is not None:
        clauses.append(ServiceRequest.submitted_at > oldest)
    return and_(*clauses)


def report_clauses(f: ReportFilters, now: datetime, tz: str = DEFAULT_TIMEZONE) -> list:
    """WHERE clauses over ServiceRequest for the filters that are set."""
    out = []
    if f.unit_id:
        out.append(ServiceRequest.unit_id == f.unit_id)
    if f.open_only:
        out.append(open_clause())
    if f.submitted_from or f.submitted_to:
        out.append(submitted_between(f.submitted_from, f.submitted_to, tz))
    if f.completed_from or f.completed_to:
        out.append(completed_between(f.completed_from, f.completed_to, tz))
    if f.age:
        out.append(age_clause(f.age, now))
    if f.category is not None:
        out.append(ServiceRequest.product_category == f.category)
    if f.scale is not None:
        out.append(
            ServiceRequest.business_id.in_(select(Business.id).where(Business.scale == f.scale))
        )
    if f.area == "none":
        out.append(
            ServiceRequest.business_id.in_(select(Business.id).where(Business.area_id.is_(None)))
        )
    elif f.area:
        out.append(
            ServiceRequest.business_id.in_(
                select(Business.id).where(Business.area_id == bounded_int(f.area))
            )
        )
    if f.kecamatan:
        out.append(
            ServiceRequest.business_id.in_(
                select(Business.id)
                .join(Area, Business.area_id == Area.id)
                .where(Area.kecamatan == f.kecamatan)
            )
        )
    if f.sla == "within":
        out.append(and_(ServiceRequest.status == Status.COMPLETED, within_sla_clause()))
    elif f.sla == "over":
        out.append(and_(ServiceRequest.status == Status.COMPLETED, over_sla_clause()))
    return out
