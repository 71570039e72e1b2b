"""Reading an office's spreadsheet (XLSX or CSV) into rows of cells, and writing the template.

No database and no Flask here: bytes in, lists of cells out (and the reverse for the template).
A cell comes back as a stripped string, a `date` (an XLSX date cell), or "" when empty; numbers
typed into XLSX cells come back as their digits (a phone or NIB typed as a number loses its
leading 0, which the phone normaliser accepts; an NIB never starts with 0 in practice).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import xlsxwriter

MAX_ROWS = 5000  # data rows per file: a few years of a busy office's register
MAX_COLUMNS = 40
XLSX_MAGIC = b"PK\x03\x04"
# An XLSX is a ZIP: a 5 MB upload could unpack to gigabytes. 5,000 rows of text fit in far less.
MAX_UNPACKED = 100 * 1024 * 1024

Cell = str | date


class SheetError(Exception):
    """The file cannot be read as a table; `code` names why (the view words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _trimmed(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Rows cut to MAX_COLUMNS; too many rows is a SheetError."""
    if len(rows) > MAX_ROWS + 1:
        raise SheetError("too_many_rows")
    return [row[:MAX_COLUMNS] for row in rows]


def _read_xlsx(data: bytes) -> list[list[Cell]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetError("unreadable") from exc
    if unpacked > MAX_UNPACKED:
        raise SheetError("unreadable")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise SheetError("unreadable") from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[Cell]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                raise SheetError("too_many_rows")
        return rows
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def _read_csv(data: bytes) -> list[list[Cell]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    # Excel in an Indonesian locale separates with ";" (the decimal separator is ",").
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Cell]] = []
    try:
        for values in reader:
            rows.append([v.strip() for v in values])
            if len(rows) > MAX_ROWS + 1:
                raise SheetError("too_many_rows")
    except csv.Error as exc:
        raise SheetError("unreadable") from exc
    return rows


def read_table(data: bytes) -> list[list[Cell]]:
    """The rows of the file's first sheet (XLSX) or of the CSV, header row first."""
    if not data.strip():
        raise SheetError("empty")
    rows = _read_xlsx(data) if data.startswith(XLSX_MAGIC) else _read_csv(data)
    if b"\0" in data and not data.startswith(XLSX_MAGIC):
        raise SheetError("unreadable")  # a binary file that is not an XLSX workbook
    return _trimmed(rows)


def is_blank(row: list[Cell]) -> bool:
    return all(c == "" for c in row)


def template_csv(headers: list[str]) -> bytes:
    """The CSV template: the header row only, UTF-8 with a BOM so that Excel reads it right."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(headers)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(
    title: str,
    headers: list[str],
    widths: list[int],
    date_columns: set[int],
    choices: dict[int, list[str]],
    choices_title: str,
    notes_title: str,
    notes: list[str],
) -> bytes:
    """The XLSX template: the data sheet (header row, dropdowns), the lists, the instructions.

    `choices` maps a column index to its allowed values: they are listed on the second sheet
    and offered as a dropdown in that column (typing another value is still allowed, so an
    English or Indonesian label pasted from elsewhere is not blocked here; the upload checks).
    """
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(title[:31])
    lists = workbook.add_worksheet(choices_title[:31])
    readme = workbook.add_worksheet(notes_title[:31])
    for col, (header, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.set_column(col, col, width, day if col in date_columns else text)
        sheet.write_string(0, col, header, bold)
    sheet.freeze_panes(1, 0)
    for n, (col, values) in enumerate(sorted(choices.items())):
        lists.write_string(0, n, headers[col], bold)
        lists.set_column(n, n, max(14, min(50, max((len(v) for v in values), default=10) + 2)))
        for i, value in enumerate(values, start=1):
            lists.write_string(i, n, value)
        if values:
            letter = xlsxwriter.utility.xl_col_to_name(n)
            source = f"='{choices_title[:31]}'!${letter}$2:${letter}${len(values) + 1}"
            sheet.data_validation(
                1,
                col,
                MAX_ROWS,
                col,
                {"validate": "list", "source": source, "error_type": "information"},
            )
    readme.set_column(0, 0, 110)
    for i, line in enumerate(notes):
        readme.write_string(i, 0, line)
    workbook.close()
    return out.getvalue()
