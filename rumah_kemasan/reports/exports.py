"""CSV and XLSX exports, streamed with constant memory and safe to open in a spreadsheet.

Rows come from the database in batches (`yield_per`, a server-side cursor on PostgreSQL) and
leave as soon as a batch is written: a million rows never sit in memory. XLSX is written by
xlsxwriter in `constant_memory` mode to a temporary file, which is then streamed and deleted.

Formula injection (SECURITY.md pitfall 7): any text cell starting with = + - @, a tab or a
carriage return gets a leading apostrophe, in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, select, type_coerce
from sqlalchemy.orm import aliased

from ..accounts.models import Area, Business, Unit, User
from ..extensions import db
from ..service_requests.models import ServiceRequest, ServiceType

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000
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
)


def request_rows_select(where) -> Select:
    """Plain columns for the request export; `where` is the list's WHERE clause (scope too).

    Timestamps are read as the database's raw value (no per-row type processing) and
    formatted in `format_local`; that keeps the export above 100,000 rows/s.
    """
    assignee = aliased(User)
    raw = lambda col: type_coerce(col, String)  # noqa: E731
    stmt = (
        select(
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
            ServiceRequest.revision_count,
            raw(ServiceRequest.submitted_at),
            raw(ServiceRequest.accepted_at),
            raw(ServiceRequest.due_at),
            raw(ServiceRequest.completed_at),
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


class LocalTime:
    """Format raw UTC timestamps (datetime or SQLite text) as local 'YYYY-MM-DD HH:MM'."""

    def __init__(self, tz: str = "Asia/Makassar"):
        # Indonesian zones have no daylight saving: a fixed offset is exact and fast.
        self.offset = ZoneInfo(tz).utcoffset(datetime(2026, 1, 1)) or timedelta(0)

    def __call__(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None) - value.utcoffset()
        return (value + self.offset).isoformat(" ", "minutes")


def request_rows(stmt: Select, engine=None) -> Iterator[tuple]:
    """Stream export rows in batches, timestamps formatted locally, text neutralised.

    Runs on its own connection from `engine` (captured by the view), so it needs no Flask
    context: the body of a streamed response is iterated after the view has returned.
    """
    fmt = LocalTime()
    engine = engine if engine is not None else db.engine
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=BATCH, stream_results=True).execute(stmt)
        for partition in result.partitions():
            for row in partition:
                yield (
                    *map(neutralise, row[:11]),
                    row[11],
                    fmt(row[12]),
                    fmt(row[13]),
                    fmt(row[14]),
                    fmt(row[15]),
                )


def csv_stream(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text in chunks (a BOM first, so spreadsheet programs read UTF-8)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow([neutralise(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % BATCH == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def xlsx_file(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> str:
    """Write sheets of rows to a temporary XLSX file (constant memory); returns its path."""
    import xlsxwriter

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
