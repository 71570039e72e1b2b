"""The national / provincial overview: every unit side by side, in four grouped queries.

Each figure is a request-list filter (`ListFilters`): the count is `list_clauses` of that
filter, grouped by unit, and the figure's link is the same filter plus `unit=<id>`, so the
number on the overview and the rows of the list behind it cannot drift apart. The median is
taken over the very requests the "completed" figure counts; the IKM over the survey answers
the SKM page (`queries.skm_report`) reads for the same unit and period.

The queries group by unit (never one query per unit): the units, the three counts, a
histogram of hours-to-complete per unit (the medians are read from it here, a few hundred
groups per unit at most) and the survey sums per unit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import and_, case, cast, extract, func, literal, or_, select
from sqlalchemy.types import Integer

from ..accounts.models import Unit, User
from ..extensions import db
from ..permissions import scope_requests
from ..service_requests.calendars import zone_of
from ..service_requests.filters import ReportFilters
from ..service_requests.models import ServiceRequest
from ..service_requests.queries import ListFilters, list_clauses
from ..service_requests.sla import DEFAULT_TIMEZONE
from . import skm
from .models import SurveyResponse
from .periods import Period

FIGURES = ("open", "overdue", "completed")


def figure_filters(period: Period, unit_id: int | None = None) -> dict[str, ListFilters]:
    """The request-list filter behind each counted figure (for one unit, or every unit)."""
    return {
        "open": ListFilters(report=ReportFilters(unit_id=unit_id, open_only=True)),
        "overdue": ListFilters(overdue=True, report=ReportFilters(unit_id=unit_id)),
        "completed": ListFilters(
            report=ReportFilters(
                unit_id=unit_id, completed_from=period.first, completed_to=period.last
            )
        ),
    }


def region_of(unit: Unit) -> str:
    """The heading a unit is grouped under: its province, else its city."""
    return unit.province or unit.city


@dataclass
class Figures:
    open: int = 0
    overdue: int = 0
    completed: int = 0
    hours: Counter[int] = field(default_factory=Counter)  # whole hours to complete -> requests
    survey_n: int = 0
    survey_sums: list[int] = field(default_factory=lambda: [0] * len(skm.ELEMENTS))

    @property
    def median_days(self) -> Fraction | None:
        """Median calendar days from filing to completion (to the hour)."""
        median = median_of(self.hours)
        return None if median is None else median / 24

    @property
    def ikm(self) -> skm.IKMResult | None:
        return skm.ikm_from_sums(self.survey_n, self.survey_sums) if self.survey_n else None

    def add(self, other: Figures) -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.completed += other.completed
        self.hours.update(other.hours)
        self.survey_n += other.survey_n
        self.survey_sums = [a + b for a, b in zip(self.survey_sums, other.survey_sums, strict=True)]


def median_of(histogram: Counter[int]) -> Fraction | None:
    """The median of a multiset given as value -> count (the mean of the two middle values)."""
    n = sum(histogram.values())
    if not n:
        return None
    wanted = {(n - 1) // 2, n // 2}
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        found += [value for i in wanted if seen <= i < seen + count]
        seen += count
    return Fraction(sum(found), len(found))


@dataclass
class Overview:
    period: Period
    regions: list[tuple[str, list[tuple[Unit, Figures]]]]
    total: Figures


def _count_if(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _hours_to_complete(dialect: str):
    """Whole hours from filing to completion, in SQL (floor: both values are positive)."""
    if dialect == "postgresql":
        seconds = extract("epoch", ServiceRequest.completed_at - ServiceRequest.submitted_at)
        return cast(func.floor(seconds / 3600), Integer)
    # Unix seconds (whole), not julianday: a float of days would round 24 h to 23.999... h.
    done, filed = (
        cast(func.strftime("%s", col), Integer)
        for col in (ServiceRequest.completed_at, ServiceRequest.submitted_at)
    )
    return (done - filed) // 3600


def overview(user: User, period: Period, now: datetime) -> Overview:
    """The figures of every unit `user` sees (an admin: all), grouped by region.

    Each unit counts in its own zone, as the list its figures link to (`?unit=`); the totals
    count as the all-units list they link to does, in the default zone (docs/tz.md). They
    differ from the sum of the rows only for requests within an hour or two of a period's edge.
    """
    units = list(db.session.scalars(select(Unit).order_by(Unit.name, Unit.id)))
    if not units:
        return Overview(period, [], Figures())
    by_zone: dict[str, list[int]] = defaultdict(list)
    for unit in units:
        by_zone[zone_of(unit)].append(unit.id)
    figures = _figures(user, period, now, by_zone, per_unit=True)
    total = _figures(user, period, now, {DEFAULT_TIMEZONE: [u.id for u in units]}, per_unit=False)[
        0
    ]
    return Overview(period, group_by_region((u, figures[u.id]) for u in units), total)


def _figures(
    user: User, period: Period, now: datetime, by_zone: dict[str, list[int]], *, per_unit: bool
) -> dict[int, Figures]:
    """Figures per unit id (`per_unit`), or all together under the key 0, each zone's units
    counted with the list's own clauses in that zone: three statements whatever the units."""
    figures: dict[int, Figures] = defaultdict(Figures)
    wheres = {
        name: or_(
            *(
                and_(ServiceRequest.unit_id.in_(ids), *list_clauses(f, now, zone))
                for zone, ids in by_zone.items()
            )
        )
        for name, f in figure_filters(period).items()
    }
    unit_col = ServiceRequest.unit_id if per_unit else literal(0)
    counts = select(unit_col, *(_count_if(wheres[name]) for name in FIGURES)).where(
        or_(*wheres.values())
    )
    if per_unit:
        counts = counts.group_by(ServiceRequest.unit_id)
    for key, *numbers in db.session.execute(scope_requests(counts, user)):
        for name, count in zip(FIGURES, numbers, strict=True):
            setattr(figures[key or 0], name, int(count))

    hours = _hours_to_complete(db.engine.dialect.name).label("hours")
    spans = select(unit_col, hours, func.count()).where(wheres["completed"])
    spans = spans.group_by(ServiceRequest.unit_id, hours) if per_unit else spans.group_by(hours)
    for key, span, count in db.session.execute(scope_requests(spans, user)):
        figures[key or 0].hours[int(span)] += int(count)

    in_period = []  # as queries.skm_report reads the period: in the zone's own year
    for zone, ids in by_zone.items():
        lo, hi = period.utc_bounds(zone)
        in_period.append(
            and_(
                SurveyResponse.unit_id.in_(ids),
                SurveyResponse.created_at >= lo,
                SurveyResponse.created_at < hi,
            )
        )
    sums = [func.coalesce(func.sum(getattr(SurveyResponse, e)), 0) for e in skm.ELEMENTS]
    survey_col = SurveyResponse.unit_id if per_unit else literal(0)
    surveys = select(survey_col, func.count(SurveyResponse.id), *sums).where(or_(*in_period))
    if per_unit:
        surveys = surveys.group_by(SurveyResponse.unit_id)
    for key, answered, *element_sums in db.session.execute(surveys):
        if not answered:
            continue
        figures[key or 0].survey_n = int(answered)
        figures[key or 0].survey_sums = [int(s) for s in element_sums]
    return figures


def group_by_region(
    rows: Iterable[tuple[Unit, Figures]],
) -> list[tuple[str, list[tuple[Unit, Figures]]]]:
    """Rows under their region's heading, regions in alphabetical order (units keep theirs)."""
    regions: dict[str, list[tuple[Unit, Figures]]] = defaultdict(list)
    for unit, figs in rows:
        regions[region_of(unit)].append((unit, figs))
    return sorted(regions.items(), key=lambda item: item[0].casefold())
