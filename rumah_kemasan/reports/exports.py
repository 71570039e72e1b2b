"""CSV and XLSX exports, streamed with constant memory and safe to open in a spreadsheet.

Rows come from the database in batches (`yield_per`, a server-side cursor on PostgreSQL) and
leave as soon as a batch is written: a million rows never sit in memory. XLSX is written by
xlsxwriter in `constant_memory` mode to a temporary file, which is then streamed and deleted.

Formula injection (docs/security.md, pitfall 7): any text cell starting with = + - @, a tab or a
carriage return gets a leading apostrophe, in CSV and XLSX alike.

`request_export` and `report_export` build what /reports/export.* streams (an `Export`: its
file name, its sheets and how its CSV is written); the view checks, audits and streams.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import Select, String, case, func, literal, literal_column, select, type_coerce
from sqlalchemy.orm import aliased

from ..accounts.models import Area, Business, Unit, User
from ..extensions import db
from ..i18n import current_locale
from ..service_requests import sla
from ..service_requests.models import ServiceRequest, ServiceType
from . import queries
from .periods import Period, local_today

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH = 5000
XLSX_MAX_ROWS = 1_048_575  # the sheet's row limit, less the header


def neutralise(value):
    """Make a text cell inert in a spreadsheet; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


REQUEST_COLUMNS = (
    "code",
    "unit",
    "status",
    "service",
    "product",
    "category",
    "business",
    "scale",
    "kecamatan",
    "desa_kelurahan",
    "assignee",
    "revisions",
    "submitted_at",
    "accepted_at",
    "due_at",
    "completed_at",
    "time_zone",  # WIB, WITA or WIT: the unit's zone, in which the four times above are written
)


FORMULA_CODES = tuple(sorted(ord(c) for c in FORMULA_PREFIXES))


def neutralised(col, dialect: str):
    """`neutralise` in SQL, for the request export's text columns (NULL stays NULL).

    Compares the first character's code point (PostgreSQL `ascii`, SQLite `unicode`), which
    costs the database a fifth of comparing a one-character substring.
    """
    first = func.ascii(col) if dialect == "postgresql" else func.unicode(col)
    return case((first.in_(FORMULA_CODES), literal("'", String) + col), else_=col)


def zone_offset_seconds(tz: str) -> int:
    """The fixed UTC offset of an Indonesian zone (none has daylight saving)."""
    return int((ZoneInfo(tz).utcoffset(datetime(2026, 1, 1)) or timedelta(0)).total_seconds())


def unit_zone_offset(zone_col):
    """SQL: the UTC offset in seconds of each row's unit zone (`Unit.timezone`)."""
    default = zone_offset_seconds(sla.DEFAULT_TIMEZONE)
    whens = [(zone_col == tz, zone_offset_seconds(tz)) for tz in sla.ZONE_LABELS]
    return case(*whens, else_=default)


def unit_zone_label(zone_col):
    """SQL: WIB, WITA or WIT for each row's unit zone."""
    default = sla.zone_label(sla.DEFAULT_TIMEZONE)
    return case(*[(zone_col == tz, label) for tz, label in sla.ZONE_LABELS.items()], else_=default)


def local_minutes(col, dialect: str, offset=None):
    """A raw UTC timestamp as local 'YYYY-MM-DD HH:MM' text in SQL (NULL stays NULL).

    `offset` is the zone's offset in seconds: an int, or an SQL expression (each row's unit's,
    `unit_zone_offset`); the default zone's when None. Indonesian zones have no daylight
    saving: the fixed offset is exact, and the database adds it without a time-zone lookup
    (and the driver then reads plain text, not a timestamp it would parse into a datetime
    only for Python to format it again).
    """
    if offset is None:
        offset = zone_offset_seconds(sla.DEFAULT_TIMEZONE)
    if dialect == "postgresql":
        shift = (
            literal_column(f"interval '{offset} seconds'")
            if isinstance(offset, int)
            else func.make_interval(0, 0, 0, 0, 0, 0, offset)
        )
        return func.to_char(func.timezone("UTC", col) + shift, "YYYY-MM-DD HH24:MI")
    # SQLite keeps naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff'. Its date functions round to
    # the millisecond (59.9996 s would become the next minute); cut to the minute first, as
    # Python's isoformat(timespec="minutes") truncates.
    modifier = f"{offset:+d} seconds" if isinstance(offset, int) else offset.concat(" seconds")
    return func.strftime("%Y-%m-%d %H:%M", func.substr(col, 1, 16), modifier)


def request_rows_select(where, dialect: str | None = None) -> Select:
    """The request export's columns; `where` is the list's WHERE clause (scope too).

    The database does the per-cell work: text cells come neutralised (`neutralised`),
    timestamps as local text (`local_minutes`), statuses as their raw values, so every row
    arrives as plain strings and integers that go to the CSV writer untouched; that keeps
    the export above 100,000 rows/s on both databases.
    """
    dialect = dialect or db.engine.dialect.name
    assignee = aliased(User)
    raw = lambda col: type_coerce(col, String)  # noqa: E731
    text_cols = (
        ServiceRequest.code,
        Unit.slug,
        raw(ServiceRequest.status),
        ServiceType.code,
        ServiceRequest.product_name,
        raw(ServiceRequest.product_category),
        Business.name,
        raw(Business.scale),
        Area.kecamatan,
        Area.name,
        assignee.full_name,
    )
    times = (
        ServiceRequest.submitted_at,
        ServiceRequest.accepted_at,
        ServiceRequest.due_at,
        ServiceRequest.completed_at,
    )
    offset = unit_zone_offset(Unit.timezone)
    stmt = (
        select(
            *(neutralised(col, dialect) for col in text_cols),
            ServiceRequest.revision_count,
            *(local_minutes(raw(col), dialect, offset) for col in times),
            unit_zone_label(Unit.timezone),
        )
        .select_from(ServiceRequest)
        .join(Unit, ServiceRequest.unit_id == Unit.id)
        .join(ServiceType, ServiceRequest.service_type_id == ServiceType.id)
        .join(Business, ServiceRequest.business_id == Business.id)
        .outerjoin(Area, Business.area_id == Area.id)
        .outerjoin(assignee, ServiceRequest.assignee_id == assignee.id)
        .order_by(ServiceRequest.id)
    )
    if where is not None:
        stmt = stmt.where(where)
    return stmt


def request_batches(stmt: Select, engine=None) -> Iterator[Sequence[Sequence]]:
    """Stream the rows of `request_rows_select` in batches of BATCH rows.

    Runs on its own connection from `engine` (captured by the view), so it needs no Flask
    context: the body of a streamed response is iterated after the view has returned. On
    PostgreSQL a server-side cursor (`stream_results`), planned for reading every row
    (cursor_tuple_fraction 1: hash joins, not the nested loops of a fast-start plan).
    """
    engine = engine if engine is not None else db.engine
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1")
        result = conn.execution_options(yield_per=BATCH, stream_results=True).execute(stmt)
        try:
            yield from result.partitions()
        finally:
            result.close()  # a download stopped half-way: close the server-side cursor too


def request_rows(stmt: Select, engine=None) -> Iterator[Sequence]:
    """The same rows one by one (for XLSX)."""
    for batch in request_batches(stmt, engine):
        yield from batch


def csv_stream(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text in chunks (a BOM first, so spreadsheet programs read UTF-8)."""
    rows = iter(rows)
    return csv_batches(header, iter(lambda: list(itertools.islice(rows, BATCH)), []))


def csv_batches(header: Sequence[str], batches: Iterable[Sequence[Sequence]]) -> Iterator[str]:
    """CSV text, one chunk per batch of rows (the writer's C loop writes a whole batch)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow([neutralise(h) for h in header])
    for batch in batches:
        writer.writerows(batch)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


def xlsx_file(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> str:
    """Write sheets of rows to a temporary XLSX file (constant memory); returns its path."""

    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="rk-export-")
    os.close(fd)
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    try:
        for name, header, rows in sheets:
            sheet = workbook.add_worksheet(name[:31])
            sheet.write_row(0, 0, [neutralise(h) for h in header])
            r = 0
            for r, row in enumerate(rows, start=1):
                if r > XLSX_MAX_ROWS:
                    break
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if isinstance(value, str):
                        sheet.write_string(r, c, neutralise(value))
                    else:
                        sheet.write_number(r, c, value)
    finally:
        workbook.close()
    return path


def file_stream(path: str, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Read a temporary file in chunks and delete it afterwards."""
    try:
        with open(path, "rb") as fh:
            while data := fh.read(chunk):
                yield data
    finally:
        os.unlink(path)


# --- what the export routes stream ---------------------------------------------------------

Sheet = tuple[str, Sequence[str], Iterable[Sequence]]


@dataclass(frozen=True)
class Export:
    """One export ready to stream: which table and its file name (no suffix).

    The view writes the audit row (what was asked for) before the export is built, so the
    write lock is held for that row alone (README, "Concurrency and timeouts").
    """

    table: str
    name: str
    sheets: list[Sheet]
    _csv: Callable[[], Iterator[str]]

    def csv(self) -> Iterator[str]:
        return self._csv()

    def xlsx(self) -> Iterator[bytes]:
        """Writes the workbook now (to a temporary file) and streams it."""
        return file_stream(xlsx_file(self.sheets))


def request_export(where, now: datetime) -> Export:
    """The request list under `where` (the list's scope and filters): rows read lazily."""
    header = list(REQUEST_COLUMNS)
    stmt = request_rows_select(where, db.engine.dialect.name)
    rows = request_rows(stmt, db.engine)  # lazy: opens nothing until read
    return Export(
        table="requests",
        name=f"permohonan-{local_today(now).isoformat()}",
        sheets=[("requests", header, rows)],
        _csv=lambda: csv_batches(header, request_batches(stmt, db.engine)),
    )


def report_export(user: User, unit_id: int | None, period: Period, now: datetime) -> Export:
    """The period report's figures and breakdowns, one sheet each (CSV: one after the other)."""
    sheets = report_sheets(user, unit_id, period, now)
    return Export(
        table="report",
        name=f"laporan-{period.kind}-{period.first.isoformat()}",
        sheets=sheets,
        _csv=lambda: _sheets_csv(sheets),
    )


def report_sheets(user: User, unit_id: int | None, period: Period, now: datetime) -> list[Sheet]:
    report = queries.period_report(user, unit_id, period, now)
    names = queries.labels(report)
    header = [_("Figure"), _("Value")]
    summary = [
        (_("Requests received"), report.received),
        (_("Requests completed"), report.completed),
        (_("Completed within SLA"), report.within_sla),
        (_("Completed late"), report.over_sla),
        (_("Average revisions"), float(report.avg_revisions or 0)),
        (_("Businesses served"), report.served),
        (_("Served businesses with NIB"), report.with_nib),
        (_("Served businesses with P-IRT"), report.with_pirt),
        (_("Served businesses with halal certificate"), report.with_halal),
    ]
    detail_header = [_("Breakdown"), _("Item"), _("Received"), _("Completed")]
    dim_names = {
        "service": _("Service"),
        "category": _("Product category"),
        "kecamatan": _("Kecamatan"),
        "area": _("Desa/kelurahan"),
        "scale": _("Business scale"),
    }

    def item(dim, key):
        if key is None:
            return _("Unknown")
        if dim == "service":
            st = names["service"].get(key)
            return st.name(current_locale()) if st else str(key)
        if dim == "area":
            return names["area"].get(key, str(key))
        return str(key)

    detail = [
        (dim_names[dim], item(dim, key), v["received"], v["completed"])
        for dim in queries.DIMENSIONS
        for key, v in report.by[dim].items()
    ]
    return [
        (_("Summary"), header, [(str(a), b) for a, b in summary]),
        (
            _("Breakdown"),
            detail_header,
            [tuple(str(x) if isinstance(x, str) else x for x in r) for r in detail],
        ),
    ]


def _sheets_csv(sheets: Sequence[Sheet]) -> Iterator[str]:
    for i, (_name, header, rows) in enumerate(sheets):
        chunks = csv_stream(header, rows)
        first = next(chunks)
        yield first if i == 0 else "\n" + first.lstrip("\ufeff")
        yield from chunks
