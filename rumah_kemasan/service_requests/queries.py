"""Read side: query builders for request lists, the desk and timelines. No request access here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import joinedload, with_expression

from ..accounts.models import Business, User
from ..designs.models import DesignFile, DesignKind
from ..extensions import db
from ..permissions import scope_requests
from ..roles import Role
from . import sla
from .calendars import report_unit, zone_of
from .filters import ReportFilters, report_clauses
from .models import RequestEvent, ServiceRequest, Visibility
from .overdue import overdue_clause
from .workflow import OPEN_STATUSES, Status

SORTS = ("newest", "oldest", "due")


@dataclass
class ListFilters:
    status: Status | None = None
    service_type_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    overdue: bool = False
    due_this_week: bool = False
    text: str = ""
    sort: str = "newest"
    # Narrowing used by the links on /backlog and /reports (unit, dates, age, area, SLA...).
    report: ReportFilters | None = None

    def as_args(self) -> dict[str, str]:
        """The query-string form of these filters (for links that keep them)."""
        args = {
            "status": self.status.value if self.status else None,
            "service": self.service_type_id,
            "assignee": "none" if self.unassigned else self.assignee_id,
            "overdue": "1" if self.overdue else None,
            "week": "1" if self.due_this_week else None,
            "q": self.text or None,
            "sort": self.sort if self.sort != "newest" else None,
        }
        if self.report is not None:
            args |= self.report.as_args()
        return {k: str(v) for k, v in args.items() if v}


Cursor = tuple[datetime | None, int]


def _sort_key(sort: str):
    return ServiceRequest.due_at if sort == "due" else ServiceRequest.submitted_at


def cursor_of(req: ServiceRequest, sort: str) -> Cursor:
    """The keyset position of `req` in a list sorted by `sort`."""
    return (req.due_at if sort == "due" else req.submitted_at), req.id


def _after(sort: str, cursor: Cursor):
    """Rows strictly after `cursor` in the order of `sort` (due dates: soonest first, none last)."""
    at, rid = cursor
    col = _sort_key(sort)
    # A row-value comparison, not the equivalent OR: both databases turn (col, id) < (at, rid)
    # into an index range on (unit_id, col, id) and seek straight to the cursor, where the OR
    # form is only a filter and the scan reads every row before the cursor first.
    if sort in ("newest", "oldest") and at is not None:
        key, cur = tuple_(col, ServiceRequest.id), tuple_(at, rid, types=(col.type, Integer()))
        return key < cur if sort == "newest" else key > cur
    if sort == "newest":
        return or_(col < at, and_(col == at, ServiceRequest.id < rid))
    if sort == "oldest":
        return or_(col > at, and_(col == at, ServiceRequest.id > rid))
    if at is None:
        return and_(col.is_(None), ServiceRequest.id > rid)
    return or_(col > at, and_(col == at, ServiceRequest.id > rid), col.is_(None))


def _order(sort: str):
    col = _sort_key(sort)
    if sort == "newest":
        return (col.desc(), ServiceRequest.id.desc())
    return (col.asc().nulls_last(), ServiceRequest.id.asc())


def list_clauses(
    filters: ListFilters,
    now: datetime,
    tz: str = sla.DEFAULT_TIMEZONE,
    calendar: sla.WorkingCalendar | None = None,
) -> list:
    """The WHERE clauses over ServiceRequest of every filter but the text search and the scope.

    Dates are local dates in zone `tz` and "this week" is the week of `calendar` (those of the
    unit the list is narrowed to: calendars.report_unit).

    The list applies them, and so does every figure that links to the list (the national
    overview counts with them), so a number and the rows behind its link cannot drift apart.
    """
    out = []
    if filters.status is not None:
        out.append(ServiceRequest.status == filters.status)
    if filters.service_type_id:
        out.append(ServiceRequest.service_type_id == filters.service_type_id)
    if filters.assignee_id:
        out.append(ServiceRequest.assignee_id == filters.assignee_id)
    if filters.unassigned:
        out.append(ServiceRequest.assignee_id.is_(None))
    if filters.overdue:
        out.append(overdue_clause(now))
    if filters.due_this_week:
        start, end = sla.week_bounds(now, calendar or sla.zone_calendar(tz))
        out.append(
            and_(
                ServiceRequest.status.in_(list(OPEN_STATUSES)),
                ServiceRequest.due_at >= start,
                ServiceRequest.due_at < end,
            )
        )
    if filters.report is not None:
        out += report_clauses(filters.report, now, tz)
    return out


def request_list(
    user: User,
    filters: ListFilters,
    *,
    now: datetime,
    after: Cursor | None = None,
    limit: int | None = 25,
) -> Select:
    """Requests `user` may see, filtered and sorted, keyset-paginated by (sort key, id).

    Keyset pagination keeps a page deep in the list as cheap as the first one: the database
    seeks to the cursor through the (unit_id, submitted_at, id) index instead of counting
    past every earlier row as OFFSET would.
    """
    stmt = scope_requests(select(ServiceRequest), user)
    unit_id = filters.report.unit_id if filters.report is not None else None
    unit = report_unit(user, unit_id)
    clauses = list_clauses(filters, now, zone_of(unit))
    if clauses:
        stmt = stmt.where(*clauses)
    sort = filters.sort if filters.sort in SORTS else "newest"
    if after is not None:
        stmt = stmt.where(_after(sort, after))
    text = filters.text.strip()
    if text:
        stmt = stmt.where(_text_match(stmt, text.lower(), sort, limit))
    return _with_card_data(stmt).order_by(*_order(sort)).limit(limit)


# The text is searched literally: %, _ and the escape character itself are escaped in the
# LIKE pattern, so "100%" finds "100%" and "a_b" finds "a_b", on both databases.
LIKE_ESCAPE = "/"


def like_contains(text: str) -> str:
    """A LIKE pattern (with ESCAPE LIKE_ESCAPE) matching values that contain `text`."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


def _text_match(filtered: Select, text: str, sort: str, limit: int | None):
    """Code, product, business or owner name contains the text (case-insensitive, literally).

    The business and owner conditions are plain IN lists (computed once), not correlated
    EXISTS per row. On PostgreSQL each of the four conditions becomes its own small query
    (the filtered list, that one condition, sorted, limited): the planner then picks per
    condition between walking the list's index until it has a page (a common word) and the
    pg_trgm GIN index (a rare one), which it cannot do for an OR of the four. The page is
    the best `limit` rows of their union, which are the best `limit` rows of the OR.
    On SQLite a rare text is looked up in the FTS5 trigram index (`_sqlite_search_ids`);
    a common one, or one without three characters in a row to look up, is matched while
    walking the list's index, which finds a page of a common word quickly.
    (A database made by `create_all` has no search tables: plain conditions then.)
    """
    postgresql = db.engine.dialect.name == "postgresql"
    like = like_contains(text)

    def contains(col):
        # SQLite's LIKE already ignores ASCII case, and its lower() folds nothing more, so
        # `col LIKE p` equals `lower(col) LIKE lower(p)` there at half the cost of a scan.
        if postgresql:
            return col.ilike(like, escape=LIKE_ESCAPE)
        return col.like(like, escape=LIKE_ESCAPE)

    if not postgresql and _search_table_exists():
        ids = _sqlite_search_ids(text)
        if ids is not None:
            return ServiceRequest.id.in_(ids)
        # Common or short: walk the list, each row checked against its copied texts (one
        # primary-key lookup), not against business and owner lists computed over every
        # business and user first.
        texts = SEARCH_TEXT.c
        return (
            select(literal(1))
            .where(texts.id == ServiceRequest.id)
            .where(or_(*(contains(texts[column]) for column in SEARCH_COLUMNS)))
            .exists()
        )
    conditions = [
        contains(ServiceRequest.code),
        contains(ServiceRequest.product_name),
        ServiceRequest.business_id.in_(select(Business.id).where(contains(Business.name))),
        ServiceRequest.applicant_id.in_(select(User.id).where(contains(User.full_name))),
    ]
    if not postgresql:
        return or_(*conditions)
    pages = [
        filtered.where(cond).order_by(*_order(sort)).limit(limit).subquery() for cond in conditions
    ]
    return ServiceRequest.id.in_(union(*(select(page.c.id) for page in pages)))


# SQLite's search tables (migration 0007, kept in sync by triggers; not models): per request
# (id = service_request.id) a copy of its code, product name, business name and owner name,
# and an FTS5 trigram index of that copy.
SEARCH_TABLE = "request_search"
SEARCH_COLUMNS = ("code", "product_name", "business_name", "owner_name")
SEARCH_TEXT = Table(
    "request_search_text",
    MetaData(),
    Column("id", Integer, primary_key=True),
    *(Column(name, String) for name in SEARCH_COLUMNS),
)
# A text with at least this many candidates in the index is "common": walking the list's
# index finds a page of it sooner than collecting every match from the index would.
SEARCH_RARE_MAX = 2000
_has_search_table: dict[str, bool] = {}


def _sqlite_search_ids(text: str) -> list[int] | None:
    """Ids of every request whose searchable text contains `text`, from the FTS5 index.

    The trigram index gives the candidates, the requests whose text holds `text` (case
    folded, so a superset of the matches), at most SEARCH_RARE_MAX of them, from the index
    alone; then each candidate is checked with SQLite's own LIKE on the copies of the four
    columns, so the ids are exactly those of LIKE on the source columns. Whole rows are
    matched, not one column at a time: a column filter makes FTS5 read a common trigram's
    whole list to find that column.

    The text goes to MATCH as one FTS5 string (double quotes doubled), so quotes, AND, OR,
    NEAR(, * and parentheses are characters to find, not query syntax. A NUL cannot be
    put in an FTS5 string (the query parser stops there): such a text is left to the scan.

    None when the index cannot answer better than a scan: fewer than three characters, a
    NUL, a common text (SEARCH_RARE_MAX candidates or more), or a database without the
    index (built by `create_all`).
    """
    if len(text) < 3 or "\x00" in text or not _search_table_exists():
        return None
    match = '"' + text.replace('"', '""') + '"'

    lookup = sql_text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :m LIMIT :cap")
    candidates = db.session.scalars(lookup, {"m": match, "cap": SEARCH_RARE_MAX}).all()
    if len(candidates) >= SEARCH_RARE_MAX:
        return None  # common: decided from the index alone, no row read
    if not candidates:
        return []
    texts = SEARCH_TEXT.c
    check = (
        select(texts.id)
        .where(texts.id.in_(candidates))
        .where(
            or_(
                *(
                    texts[column].like(like_contains(text), escape=LIKE_ESCAPE)
                    for column in SEARCH_COLUMNS
                )
            )
        )
        .order_by(texts.id)
    )
    return list(db.session.scalars(check))


def _search_table_exists() -> bool:
    url = db.engine.url.render_as_string()
    if url not in _has_search_table:
        found = db.session.execute(
            sql_text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": SEARCH_TEXT.name},  # created with the index, in the same migration
        ).first()
        _has_search_table[url] = found is not None
    return _has_search_table[url]


def designers(unit_id: int) -> Select:
    """Every staff member of the unit, active or not, for the list's designer filter (old jobs
    of someone who left stay findable). Who can be given a job: permissions.assignable_staff."""

    return (
        select(User)
        .where(User.unit_id == unit_id, User.role == Role.STAFF)
        .order_by(User.full_name)
    )


def timeline(req: ServiceRequest, *, include_internal: bool) -> Select:
    """The request's events, oldest first; internal notes only when allowed."""
    stmt = (
        select(RequestEvent)
        .where(RequestEvent.request_id == req.id)
        .options(joinedload(RequestEvent.actor))
        .order_by(RequestEvent.id)
    )
    if not include_internal:
        stmt = stmt.where(RequestEvent.visibility == Visibility.PUBLIC)
    return stmt


# The desk: open work of one staff member, the unit's queue, counts.

WORKING_STATUSES = (
    Status.ACCEPTED,
    Status.IN_DESIGN,
    Status.NEEDS_INFO,
    Status.AWAITING_APPROVAL,
    Status.APPROVED,
    Status.IN_PRODUCTION,
    Status.READY,
)


def has_before_photo():
    """Whether the request holds a photo of its current packaging: an EXISTS per row of the
    same statement, answered from the (request_id, kind, id) index of design_file."""
    return (
        select(DesignFile.id)
        .where(DesignFile.request_id == ServiceRequest.id, DesignFile.kind == DesignKind.BEFORE)
        .exists()
    )


def _with_card_data(stmt: Select) -> Select:
    """Everything a request card shows, loaded in the same query (no query per row).

    Not the unit (its zone and calendar, for dates and days left): a card's `unit` is a
    many-to-one by primary key, which SQLAlchemy takes from the session when the unit is
    there, and staff pages have it already (loaded with the signed-in user); an admin's or an
    owner's page loads each of its few units once. Joined here, the unit made PostgreSQL plan
    a six-table query on every page, twice the time of running it (make bench).
    """
    return stmt.options(
        joinedload(ServiceRequest.business),
        joinedload(ServiceRequest.service_type),
        joinedload(ServiceRequest.assignee),
        joinedload(ServiceRequest.applicant),
        with_expression(ServiceRequest.has_before_photo, has_before_photo()),
    )


def _overdue_first(now: datetime):
    return (
        case((overdue_clause(now), 0), else_=1),
        ServiceRequest.due_at.asc().nulls_last(),
        ServiceRequest.id.asc(),
    )


def my_jobs(user: User, now: datetime, limit: int = 40) -> Select:
    """Open jobs assigned to `user`: overdue first, then by due date."""
    stmt = scope_requests(select(ServiceRequest), user).where(
        ServiceRequest.assignee_id == user.id,
        ServiceRequest.status.in_(list(WORKING_STATUSES)),
    )
    return _with_card_data(stmt).order_by(*_overdue_first(now)).limit(limit)


def claim_queue(user: User, now: datetime, limit: int = 20) -> Select:
    """Accepted requests waiting for a designer, the most urgent first."""
    stmt = scope_requests(select(ServiceRequest), user).where(
        ServiceRequest.status == Status.ACCEPTED, ServiceRequest.assignee_id.is_(None)
    )
    return _with_card_data(stmt).order_by(*_overdue_first(now)).limit(limit)


def to_verify(user: User, limit: int = 20) -> Select:
    """New requests waiting for a check, the oldest first."""
    stmt = scope_requests(select(ServiceRequest), user).where(
        ServiceRequest.status == Status.SUBMITTED
    )
    return (
        _with_card_data(stmt).order_by(ServiceRequest.submitted_at, ServiceRequest.id).limit(limit)
    )


def over_revision_limit(user: User, limit: int = 20) -> Select:
    """Open requests whose revisions went past the service's free limit (for supervisors)."""
    stmt = scope_requests(select(ServiceRequest), user).where(
        ServiceRequest.status.in_(list(OPEN_STATUSES)),
        # the limit the request was filed under, not today's catalog
        ServiceRequest.revision_count > ServiceRequest.free_revisions,
    )
    return _with_card_data(stmt).order_by(ServiceRequest.last_changed_at.desc()).limit(limit)


def desk_counts(user: User, now: datetime) -> dict[str, int]:
    """The desk's headline numbers, in one query."""
    mine = ServiceRequest.assignee_id == user.id
    working = ServiceRequest.status.in_(list(WORKING_STATUSES))

    def count_if(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = scope_requests(
        select(
            count_if(and_(mine, working)).label("mine"),
            count_if(and_(mine, working, overdue_clause(now))).label("mine_overdue"),
            count_if(
                and_(ServiceRequest.status == Status.ACCEPTED, ServiceRequest.assignee_id.is_(None))
            ).label("queue"),
            count_if(ServiceRequest.status == Status.SUBMITTED).label("to_verify"),
            count_if(overdue_clause(now)).label("unit_overdue"),
        ).select_from(ServiceRequest),
        user,
    ).where(ServiceRequest.status.in_(list(OPEN_STATUSES)))
    row = db.session.execute(stmt).one()
    return {key: int(value) for key, value in row._mapping.items()}
