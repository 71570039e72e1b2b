"""Read side of the backlog, the reports and the SKM: aggregate queries, never rows in Python.

Every function takes the viewer (for the scope), an optional unit filter (admins) and `now`,
and returns plain numbers. Counts are computed with the same predicates that the request
list applies for the matching link (see `service_requests/filters.py`), so a number and its
link agree.
Open-work figures touch only open requests (a few thousand even at national scale); period
figures use range scans on (unit_id, submitted_at) and (unit_id, completed_at).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.types import Date

from ..accounts.models import Area, Business, User
from ..extensions import db
from ..permissions import scope_requests, sees_every_unit
from ..roles import Role
from ..service_requests import sla
from ..service_requests.calendars import report_unit, report_zone, zone_of
from ..service_requests.filters import (
    AGE_BUCKETS,
    age_clause,
    completed_between,
    open_clause,
    over_sla_clause,
    submitted_between,
    within_sla_clause,
)
from ..service_requests.models import EventKind, RequestEvent, ServiceRequest, ServiceType
from ..service_requests.overdue import overdue_clause
from ..service_requests.services import calendar_for
from ..service_requests.workflow import OPEN_STATUSES, Status
from . import skm
from .models import SurveyResponse
from .periods import Period, local_today, period_of


def _count_if(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def scoped(stmt: Select, user: User, unit_id: int | None) -> Select:
    """Scope a select over ServiceRequest to `user`, and to one unit when asked."""
    stmt = scope_requests(stmt, user)
    if unit_id:
        stmt = stmt.where(ServiceRequest.unit_id == unit_id)
    return stmt


# --- backlog -------------------------------------------------------------------------------


@dataclass
class Backlog:
    by_status: dict[Status, int]
    open_total: int
    ageing: dict[str, int]
    overdue: int
    due_this_week: int
    staff: list[dict]
    weeks: list[dict]
    stages: list[dict]
    month_first: date
    month_last: date


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def open_work(user: User, unit_id: int | None, now: datetime) -> dict:
    """Open requests by status, ageing bucket, overdue and due this week: one GROUP BY."""
    week_lo, week_hi = sla.week_bounds(now, calendar_for(report_unit(user, unit_id)))
    due_week = and_(ServiceRequest.due_at >= week_lo, ServiceRequest.due_at < week_hi)
    cols = [
        ServiceRequest.status,
        func.count(ServiceRequest.id),
        _count_if(overdue_clause(now)),
        _count_if(due_week),
    ]
    cols += [_count_if(age_clause(key, now)) for key, _lo, _hi in AGE_BUCKETS]
    stmt = scoped(
        select(*cols).select_from(ServiceRequest).where(open_clause()), user, unit_id
    ).group_by(ServiceRequest.status)
    by_status = {s: 0 for s in Status if s in OPEN_STATUSES}
    ageing = {key: 0 for key, _lo, _hi in AGE_BUCKETS}
    overdue = week = 0
    for status, n, n_overdue, n_week, *ages in db.session.execute(stmt):
        by_status[Status(status)] = n
        overdue += n_overdue
        week += n_week
        for (key, _lo, _hi), n_age in zip(AGE_BUCKETS, ages, strict=True):
            ageing[key] += n_age
    order = [s for s in Status if s in OPEN_STATUSES]
    return {
        "by_status": {s: by_status[s] for s in order},
        "open_total": sum(by_status.values()),
        "ageing": ageing,
        "overdue": overdue,
        "due_this_week": week,
    }


def staff_load(user: User, unit_id: int | None, now: datetime, month: Period) -> list[dict]:
    """Per staff member: open, overdue, completed this month (three small GROUP BYs)."""
    tz = report_zone(user, unit_id)
    # Grouped by `assignee_id + 0`, not the bare column: SQLite's planner (averages, no
    # histograms) would otherwise walk the whole (assignee_id, status) index for its order,
    # a million rows, instead of seeking the few open ones through (unit_id, status, due_at).
    assignee = (ServiceRequest.assignee_id + literal_column("0")).label("assignee")
    open_stmt = scoped(
        select(assignee, func.count(ServiceRequest.id), _count_if(overdue_clause(now)))
        .select_from(ServiceRequest)
        .where(open_clause(), ServiceRequest.assignee_id.is_not(None)),
        user,
        unit_id,
    ).group_by(assignee)
    done_stmt = scoped(
        select(ServiceRequest.assignee_id, func.count(ServiceRequest.id))
        .select_from(ServiceRequest)
        .where(
            completed_between(month.first, month.last, tz),
            ServiceRequest.assignee_id.is_not(None),
        ),
        user,
        unit_id,
    ).group_by(ServiceRequest.assignee_id)
    rows: dict[int, dict] = defaultdict(lambda: {"open": 0, "overdue": 0, "completed": 0})
    for uid, n, n_overdue in db.session.execute(open_stmt):
        rows[uid].update(open=n, overdue=n_overdue)
    for uid, n in db.session.execute(done_stmt):
        rows[uid]["completed"] = n
    people = select(User.id, User.full_name).where(User.role == Role.STAFF)
    if unit_id:
        people = people.where(User.unit_id == unit_id)
    elif not sees_every_unit(user):
        people = people.where(User.unit_id == user.unit_id)
    staff_ids = set(rows)
    out = []
    for uid, name in db.session.execute(
        people.where(User.active | User.id.in_(staff_ids or [0])).order_by(User.full_name)
    ):
        out.append(
            {"id": uid, "name": name, **rows.get(uid, {"open": 0, "overdue": 0, "completed": 0})}
        )
    return out


def throughput(user: User, unit_id: int | None, now: datetime, weeks: int = 12) -> list[dict]:
    """Completed (and received) per local week over the last `weeks` weeks, this week last."""
    tz = report_zone(user, unit_id)
    this_monday = week_start(local_today(now, tz))
    starts = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    done_cols = [_count_if(completed_between(s, s + timedelta(days=6), tz)) for s in starts]
    done = db.session.execute(
        scoped(
            select(*done_cols)
            .select_from(ServiceRequest)
            .where(completed_between(starts[0], starts[-1] + timedelta(days=6), tz)),
            user,
            unit_id,
        )
    ).one()
    got_cols = [_count_if(submitted_between(s, s + timedelta(days=6), tz)) for s in starts]
    got = db.session.execute(
        scoped(
            select(*got_cols)
            .select_from(ServiceRequest)
            .where(submitted_between(starts[0], starts[-1] + timedelta(days=6), tz)),
            user,
            unit_id,
        )
    ).one()
    return [
        {"first": s, "last": s + timedelta(days=6), "completed": d or 0, "received": g or 0}
        for s, d, g in zip(starts, done, got, strict=True)
    ]


def _local_date(col, dialect: str, tz: str):
    """The calendar date in zone `tz` of a UTC timestamp column, in SQL."""
    if dialect == "postgresql":
        return cast(func.timezone(tz, col), Date)
    offset = ZoneInfo(tz).utcoffset(datetime(2026, 1, 1))
    if offset is None:  # a zone from the tz database always has an offset
        raise ValueError(f"no UTC offset for {tz}")
    hours = int(offset.total_seconds() // 3600)
    return func.date(col, f"{hours:+d} hours")


def stage_durations(user: User, unit_id: int | None, now: datetime, weeks: int = 12) -> list[dict]:
    """Average working days spent in each status, over requests completed in the last weeks.

    A stage runs from the status event that entered it to the next status event of the same
    request. The database groups stages by (status, local start date, local end date); the
    working days between the two dates (weekends and holidays skipped) are counted here,
    once per distinct pair.
    """
    dialect = db.engine.dialect.name
    unit = report_unit(user, unit_id)
    tz = zone_of(unit)
    first = week_start(local_today(now, tz)) - timedelta(weeks=weeks - 1)
    done_ids = scoped(
        select(ServiceRequest.id).where(completed_between(first, local_today(now, tz), tz)),
        user,
        unit_id,
    )
    ended = (
        func.lead(RequestEvent.created_at)
        .over(partition_by=RequestEvent.request_id, order_by=RequestEvent.id)
        .label("ended")
    )
    spans = (
        select(
            RequestEvent.to_status.label("stage"),
            RequestEvent.created_at.label("started"),
            ended,
        )
        .where(
            RequestEvent.kind == EventKind.STATUS,
            RequestEvent.request_id.in_(done_ids),
        )
        .subquery()
    )
    d1 = _local_date(spans.c.started, dialect, tz)
    d2 = _local_date(spans.c.ended, dialect, tz)
    stmt = (
        select(spans.c.stage, d1, d2, func.count())
        .where(spans.c.ended.is_not(None))
        .group_by(spans.c.stage, d1, d2)
    )
    rows = [row for row in db.session.execute(stmt) if row[0] is not None]
    # Working days are additive: working_dates_after(a, b) = W(b) - W(a), with W(d) the
    # working days from a fixed base up to d. So each distinct date is counted once (a few
    # hundred), not each (start, end) pair (about a thousand per unit at a million requests).
    if not rows:
        return []
    as_date = {raw: _as_date(raw) for _stage, start, end, _n in rows for raw in (start, end)}
    cal = calendar_for(unit)
    base = min(as_date.values())
    upto = {d: cal.working_dates_after(base, d) for d in set(as_date.values())}
    totals: dict[Status, list[int]] = defaultdict(lambda: [0, 0])
    for stage, start, end, n in rows:
        total = totals[stage]
        total[0] += (upto[as_date[end]] - upto[as_date[start]]) * n
        total[1] += n
    by_status = {Status(stage): total for stage, total in totals.items()}
    out = []
    for s in Status:
        if s in by_status:
            days, n = by_status[s]
            out.append({"status": s, "avg_days": Fraction(days, n), "count": n})
    return out


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def backlog(user: User, unit_id: int | None, now: datetime) -> Backlog:
    tz = report_zone(user, unit_id)
    month = period_of("month", local_today(now, tz))
    work = open_work(user, unit_id, now)
    return Backlog(
        **work,
        staff=staff_load(user, unit_id, now, month),
        weeks=throughput(user, unit_id, now),
        stages=stage_durations(user, unit_id, now),
        month_first=month.first,
        month_last=month.last,
    )


# --- period report -------------------------------------------------------------------------


@dataclass
class Report:
    period: Period
    received: int = 0
    completed: int = 0
    within_sla: int = 0
    over_sla: int = 0
    revisions: int = 0
    by: dict[str, dict] = field(default_factory=dict)  # dimension -> key -> {received, completed}
    served: int = 0
    with_nib: int = 0
    with_pirt: int = 0
    with_halal: int = 0

    @property
    def sla_share(self) -> Fraction | None:
        known = self.within_sla + self.over_sla
        return Fraction(self.within_sla, known) if known else None

    @property
    def avg_revisions(self) -> Fraction | None:
        return Fraction(self.revisions, self.completed) if self.completed else None

    def share(self, n: int) -> Fraction | None:
        return Fraction(n, self.served) if self.served else None


DIMENSIONS = ("service", "category", "kecamatan", "area", "scale")


def period_report(user: User, unit_id: int | None, period: Period, now: datetime) -> Report:
    """Received and completed in the period, by dimension, with SLA and revision figures.

    One UNION ALL (received rows by submitted_at, completed rows by completed_at, each an
    index range scan) grouped by every dimension at once, then rolled up here from a few
    hundred groups; and one query for the served businesses' legality shares.
    """
    tz = report_zone(user, unit_id)
    dims: list[ColumnElement[Any]] = [
        ServiceRequest.service_type_id.label("service"),
        ServiceRequest.product_category.label("category"),
        Area.kecamatan.label("kecamatan"),
        Business.area_id.label("area"),
        Business.scale.label("scale"),
    ]

    def branch(where, received: int, completed: int):
        stmt = (
            select(
                *dims,
                literal(received).label("rec"),
                literal(completed).label("comp"),
                (case((within_sla_clause(), 1), else_=0) * completed).label("within"),
                (case((over_sla_clause(), 1), else_=0) * completed).label("over"),
                (ServiceRequest.revision_count * completed).label("revs"),
            )
            .select_from(ServiceRequest)
            .join(Business, ServiceRequest.business_id == Business.id)
            .outerjoin(Area, Business.area_id == Area.id)
            .where(where)
        )
        return scoped(stmt, user, unit_id)

    both = union_all(
        branch(submitted_between(period.first, period.last, tz), 1, 0),
        branch(completed_between(period.first, period.last, tz), 0, 1),
    ).subquery()
    keys = [both.c.service, both.c.category, both.c.kecamatan, both.c.area, both.c.scale]
    stmt = select(
        *keys,
        func.sum(both.c.rec),
        func.sum(both.c.comp),
        func.sum(both.c.within),
        func.sum(both.c.over),
        func.sum(both.c.revs),
    ).group_by(*keys)
    report = Report(
        period=period,
        by={d: defaultdict(lambda: {"received": 0, "completed": 0}) for d in DIMENSIONS},
    )
    for (
        service,
        category,
        kecamatan,
        area,
        scale,
        rec,
        comp,
        within,
        over,
        revs,
    ) in db.session.execute(stmt):
        rec, comp = int(rec or 0), int(comp or 0)
        report.received += rec
        report.completed += comp
        report.within_sla += int(within or 0)
        report.over_sla += int(over or 0)
        report.revisions += int(revs or 0)
        for dim, key in zip(
            DIMENSIONS, (service, _val(category), kecamatan, area, _val(scale)), strict=True
        ):
            report.by[dim][key]["received"] += rec
            report.by[dim][key]["completed"] += comp

    served = (
        scoped(
            select(ServiceRequest.business_id)
            .where(completed_between(period.first, period.last, tz))
            .distinct(),
            user,
            unit_id,
        )
    ).subquery()
    present = lambda col: _count_if(and_(col.is_not(None), col != ""))  # noqa: E731
    row = db.session.execute(
        select(
            func.count(Business.id),
            present(Business.nib),
            present(Business.pirt),
            present(Business.halal),
        ).where(Business.id.in_(select(served.c.business_id)))
    ).one()
    report.served, report.with_nib, report.with_pirt, report.with_halal = (int(v or 0) for v in row)
    return report


def _val(v):
    return getattr(v, "value", v)


def labels(report: Report) -> dict[str, dict]:
    """Display names for the service and area keys that occur in the report (two lookups)."""
    service_ids = [k for k in report.by["service"] if k is not None]
    area_ids = [k for k in report.by["area"] if k is not None]
    services = {
        sid: st
        for sid, st in (
            db.session.execute(
                select(ServiceType.id, ServiceType).where(ServiceType.id.in_(service_ids or [0]))
            )
        )
    }
    areas = {
        aid: name
        for aid, name in db.session.execute(
            select(Area.id, Area.name).where(Area.id.in_(area_ids or [0]))
        )
    }
    return {"service": services, "area": areas}


# --- SKM -----------------------------------------------------------------------------------


@dataclass
class SKMReport:
    period: Period
    result: skm.IKMResult | None
    profile: dict[str, dict[str, int]]
    suggestions: list[tuple[datetime, str]]


def skm_report(
    user: User, unit_id: int | None, period: Period, suggestions: int = 100
) -> SKMReport:
    """NRR per element, IKM and grade, the respondents' profile and the latest suggestions."""
    lo, hi = period.utc_bounds(report_zone(user, unit_id))

    def scope(stmt):
        stmt = stmt.where(SurveyResponse.created_at >= lo, SurveyResponse.created_at < hi)
        if not sees_every_unit(user):
            stmt = stmt.where(SurveyResponse.unit_id == user.unit_id)
        if unit_id:
            stmt = stmt.where(SurveyResponse.unit_id == unit_id)
        return stmt

    cols = [func.sum(getattr(SurveyResponse, e)) for e in skm.ELEMENTS]
    n, *sums = db.session.execute(scope(select(func.count(SurveyResponse.id), *cols))).one()
    result = skm.ikm_from_sums(n, [int(s or 0) for s in sums]) if n else None
    profile: dict[str, dict[str, int]] = {}
    for name in ("gender", "age_group", "education", "occupation"):
        col = getattr(SurveyResponse, name)
        profile[name] = {
            _val(k): c
            for k, c in db.session.execute(scope(select(col, func.count()).group_by(col)))
        }
    texts = db.session.execute(
        scope(
            select(SurveyResponse.created_at, SurveyResponse.suggestion).where(
                SurveyResponse.suggestion.is_not(None), SurveyResponse.suggestion != ""
            )
        )
        .order_by(SurveyResponse.created_at.desc())
        .limit(suggestions)
    ).all()
    return SKMReport(period, result, profile, [tuple(t) for t in texts])
