"""The columns of the import file and the checks of one row, without the database.

One row is one request, as in the register (buku register) an office keeps today: the owner
and the business are repeated on each of their requests, and the import recognises them (see
docs/import.md). What a row names in the database (the unit's areas, the catalog) arrives as
`Lookups`, built once per file by services.py; what depends on other rows or on existing
records (the same reference twice, a phone that belongs to a staff account) is checked there.

Messages are lazy strings: the page words them in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from ..accounts.forms import CATEGORY_LABELS, SCALE_LABELS
from ..accounts.models import BusinessScale, ProductCategory
from ..formats import FormatError, normalize_nib, normalize_phone
from ..forms import FORBIDDEN_CHARS_MESSAGE, FORMAT_MESSAGES
from ..security import has_forbidden_chars
from ..service_requests.workflow import Status
from .spreadsheet import Cell, is_blank


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    required: bool
    width: int
    max_length: int = 0  # 0: not free text
    is_date: bool = False
    multiline: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("ref", _l("Original number"), False, 16, 60),
    Column("owner_name", _l("Owner name"), True, 24, 120),
    Column("phone", _l("Mobile number"), True, 16),
    Column("email", _l("E-mail"), False, 26, 254),
    Column("business_name", _l("Business name"), True, 26, 160),
    Column("nib", _l("NIB"), False, 16),
    Column("category", _l("Category"), True, 20),
    Column("scale", _l("Scale"), True, 10),
    Column("kecamatan", _l("Kecamatan"), False, 18, 120),
    Column("desa", _l("Desa/kelurahan"), False, 20, 120),
    Column("service", _l("Service code"), True, 18),
    Column("product_name", _l("Product name"), True, 26, 160),
    Column("brief", _l("Brief"), False, 40, 4000, multiline=True),
    Column("submitted", _l("Submitted on"), True, 14, is_date=True),
    Column("status", _l("Status"), True, 20),
    Column("closed", _l("Closed on"), False, 14, is_date=True),
)
# What to write in each column: on the page and in the template's instructions sheet.
HINTS = {
    "ref": _l(
        "Your own number for the request (from your register); with it, a re-import "
        "recognises the request."
    ),
    "owner_name": _l("The owner's full name."),
    "phone": _l(
        "The owner's mobile (WhatsApp) number, e.g. 0812-3456-7890: it identifies the owner."
    ),
    "email": _l("Used only for an owner who is new here."),
    "business_name": _l("The business's name."),
    "nib": _l("13 digits; when given, it identifies the business."),
    "category": _l("pangan, fashion, kerajinan, herbal_kosmetik, agro or lainnya."),
    "scale": _l("mikro, kecil or menengah."),
    "kecamatan": _l("A kecamatan of the unit (with the desa/kelurahan, or leave both empty)."),
    "desa": _l("A desa or kelurahan of that kecamatan."),
    "service": _l("A service code from the list, e.g. DESAIN-LABEL."),
    "product_name": _l("The product the request is for."),
    "brief": _l("What was asked for."),
    "submitted": _l("The date the request came in, e.g. 2026-03-15 or 15/03/2026."),
    "status": _l(
        "Submitted, Needs information, Accepted, queued, Ready for pickup, Completed, Rejected "
        "or Cancelled, in either language."
    ),
    "closed": _l(
        "The date it was completed (required for a completed request), rejected or cancelled."
    ),
}
BY_KEY = {c.key: c for c in COLUMNS}

# Statuses an import may set. The working ones between acceptance and pickup need a designer
# and the design files this app does not have yet: import them as "accepted" (docs/import.md).
IMPORTABLE = (
    Status.SUBMITTED,
    Status.NEEDS_INFO,
    Status.ACCEPTED,
    Status.READY,
    Status.COMPLETED,
    Status.REJECTED,
    Status.CANCELLED,
)
_CLOSED_AT_REQUIRED = frozenset({Status.COMPLETED})
_CLOSED_AT_ALLOWED = frozenset({Status.COMPLETED, Status.REJECTED, Status.CANCELLED})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")

REQUIRED_MESSAGE = _l("Fill in this column.")
WORKING_STATUS_MESSAGE = _l(
    "A request in design, awaiting approval, approved or in production cannot be imported "
    "(it needs a designer and its files): import it as “Accepted, queued” and let a designer "
    "claim it on the desk."
)


def norm(value: str) -> str:
    """The comparable form of a label: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]", "", value.casefold())


def words(value: str) -> str:
    """The comparable form of a place name: case and repeated spaces ignored."""
    return " ".join(value.casefold().split())


def in_both_languages(label: object) -> list[str]:
    """The label's English and Indonesian texts (the file may be in either language)."""
    out = []
    for locale in ("en", "id"):
        with force_locale(locale):
            out.append(gettext(label) if isinstance(label, str) else str(label))
    return out


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or with the file, when `row` is 0)."""

    row: int  # the spreadsheet's own row number (the header is row 1)
    column: Column | None
    letter: str
    message: object  # a lazy string or text

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.row, COLUMNS.index(self.column) if self.column else -1)


@dataclass
class Header:
    """Where each known column sits in the file."""

    index: dict[str, int]
    ignored: list[str]
    problems: list[Problem]

    def letter(self, key: str) -> str:
        return column_letter(self.index[key]) if key in self.index else ""


def read_header(cells: list[Cell]) -> Header:
    """Match the header row to COLUMNS by key or by label in either language."""
    aliases: dict[str, str] = {}
    for column in COLUMNS:
        aliases[norm(column.key)] = column.key
        for text in in_both_languages(column.label):
            aliases[norm(text)] = column.key
    index: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for i, cell in enumerate(cells):
        text = str(cell).strip()
        if not text:
            continue
        key = aliases.get(norm(text))
        if key is None:
            ignored.append(text)
        elif key in index:
            problems.append(
                Problem(
                    1,
                    BY_KEY[key],
                    column_letter(i),
                    _l(
                        "This column appears twice (also column %(letter)s).",
                        letter=column_letter(index[key]),
                    ),
                )
            )
        else:
            index[key] = i
    for column in COLUMNS:
        if column.required and column.key not in index:
            problems.append(
                Problem(1, column, "", _l("This column is missing from the header row."))
            )
    return Header(index, ignored, problems)


@dataclass
class Lookups:
    """What a row may name, read once per file (services.lookups)."""

    today: date  # in the unit's time zone
    areas: dict[tuple[str, str], int]  # (kecamatan, desa) as `words` -> Area.id
    kecamatans: set[str]  # as `words`
    services: dict[str, int]  # code, Indonesian and English name as `norm` -> ServiceType.id
    service_codes: list[str]
    statuses: dict[str, Status] = field(default_factory=dict)
    categories: dict[str, ProductCategory] = field(default_factory=dict)
    scales: dict[str, BusinessScale] = field(default_factory=dict)


def choice_maps(lookups: Lookups) -> Lookups:
    """Fill the status, category and scale names (value or label, either language)."""
    for status in Status:
        for text in (status.value, *in_both_languages(status.label)):
            lookups.statuses[norm(text)] = status
    for category, label in CATEGORY_LABELS.items():
        for text in (category.value, *in_both_languages(label)):
            lookups.categories[norm(text)] = category
    for scale, label in SCALE_LABELS.items():
        for text in (scale.value, *in_both_languages(label)):
            lookups.scales[norm(text)] = scale
    return lookups


@dataclass
class RowData:
    """One valid row, normalised."""

    row: int
    ref: str | None
    owner_name: str
    phone: str
    email: str | None
    business_name: str
    nib: str | None
    category: ProductCategory
    scale: BusinessScale
    area_id: int | None
    service_id: int
    product_name: str
    brief: str
    submitted: date
    status: Status
    closed: date | None


def parse_date(cell: Cell) -> date | None:
    """A date cell, or text written 2026-03-15, 15/03/2026, 15-03-2026 or 15.03.2026."""
    if isinstance(cell, date):
        return cell
    text = cell.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", text):
        text = text[:10]  # a date exported with its (midnight) time
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _choices(names: Iterable[str]) -> str:
    return ", ".join(names)


def check_row(number: int, cells: list[Cell], header: Header, lookups: Lookups):
    """(RowData, []) for a valid row, (None, problems) otherwise."""
    problems: list[Problem] = []

    def raw(key: str) -> Cell:
        i = header.index.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    def bad(key: str, message: object) -> None:
        problems.append(Problem(number, BY_KEY[key], header.letter(key), message))

    text: dict[str, str] = {}
    for column in COLUMNS:
        value = raw(column.key)
        if column.is_date:
            continue
        value = value.isoformat() if isinstance(value, date) else value.strip()
        if column.required and not value:
            bad(column.key, REQUIRED_MESSAGE)
        elif has_forbidden_chars(value, multiline=column.multiline):
            bad(column.key, FORBIDDEN_CHARS_MESSAGE)
        elif column.max_length and len(value) > column.max_length:
            bad(column.key, _l("Too long: at most %(n)s characters.", n=column.max_length))
        text[column.key] = value

    phone = email = nib = None
    category = scale = None
    area_id = service_id = None
    status = None
    if text.get("phone"):
        try:
            phone = normalize_phone(text["phone"])
        except FormatError as exc:
            bad("phone", FORMAT_MESSAGES[exc.code])
    if text.get("email"):
        if _EMAIL.match(text["email"]):
            email = text["email"].lower()
        else:
            bad("email", _l("Not an e-mail address."))
    if text.get("nib"):
        try:
            nib = normalize_nib(text["nib"])
        except FormatError as exc:
            bad("nib", FORMAT_MESSAGES[exc.code])
    if text.get("category"):
        category = lookups.categories.get(norm(text["category"]))
        if category is None:
            names = _choices(c.value for c in ProductCategory)
            bad("category", _l("Unknown category; use one of: %(names)s.", names=names))
    if text.get("scale"):
        scale = lookups.scales.get(norm(text["scale"]))
        if scale is None:
            names = _choices(s.value for s in BusinessScale)
            bad("scale", _l("Unknown scale; use one of: %(names)s.", names=names))
    kecamatan, desa = text.get("kecamatan", ""), text.get("desa", "")
    if kecamatan and desa:
        area_id = lookups.areas.get((words(kecamatan), words(desa)))
        if words(kecamatan) not in lookups.kecamatans:
            bad("kecamatan", _l("This unit has no kecamatan “%(name)s”.", name=kecamatan))
        elif area_id is None:
            bad(
                "desa",
                _l(
                    "Kecamatan %(kecamatan)s has no desa or kelurahan “%(name)s”.",
                    kecamatan=kecamatan,
                    name=desa,
                ),
            )
    elif kecamatan or desa:
        bad(
            "desa" if kecamatan else "kecamatan",
            _l("Fill in both the kecamatan and the desa/kelurahan, or neither."),
        )
    if text.get("service"):
        service_id = lookups.services.get(norm(text["service"]))
        if service_id is None:
            names = _choices(lookups.service_codes)
            bad("service", _l("Unknown service; use one of the codes: %(names)s.", names=names))
    if text.get("status"):
        status = lookups.statuses.get(norm(text["status"]))
        if status is None:
            names = _choices(s.value for s in IMPORTABLE)
            bad("status", _l("Unknown status; use one of: %(names)s.", names=names))
        elif status not in IMPORTABLE:
            bad("status", WORKING_STATUS_MESSAGE)
            status = None

    dates: dict[str, date | None] = {}
    for key in ("submitted", "closed"):
        value = raw(key)
        dates[key] = None
        if value == "":
            if BY_KEY[key].required:
                bad(key, REQUIRED_MESSAGE)
            continue
        parsed = parse_date(value)
        if parsed is None:
            bad(key, _l("Not a date; write it like 2026-03-15 or 15/03/2026."))
        elif parsed > lookups.today:
            bad(key, _l("This date is in the future."))
        elif parsed.year < 2000:
            bad(key, _l("This date is too long ago."))
        else:
            dates[key] = parsed
    submitted, closed = dates["submitted"], dates["closed"]
    if status is not None:
        if status in _CLOSED_AT_REQUIRED and closed is None and raw("closed") == "":
            bad("closed", _l("A completed request needs the date it was completed."))
        elif status not in _CLOSED_AT_ALLOWED and raw("closed") != "":
            bad("closed", _l("Only a completed, rejected or cancelled request has this date."))
    if submitted and closed and closed < submitted:
        bad("closed", _l("This date is before the submitted date."))

    if (
        problems
        or phone is None
        or category is None
        or scale is None
        or service_id is None
        or status is None
        or submitted is None
    ):
        return None, problems
    return (
        RowData(
            row=number,
            ref=text["ref"] or None,
            owner_name=text["owner_name"],
            phone=phone,
            email=email,
            business_name=text["business_name"],
            nib=nib,
            category=category,
            scale=scale,
            area_id=area_id,
            service_id=service_id,
            product_name=text["product_name"],
            brief=text["brief"],
            submitted=submitted,
            status=status,
            closed=closed if status in _CLOSED_AT_ALLOWED else None,
        ),
        [],
    )


def check_rows(
    table: list[list[Cell]], lookups: Lookups
) -> tuple[Header, list[RowData], list[Problem]]:
    """The header and every non-blank row of `table`, each checked on its own."""
    header = read_header(table[0] if table else [])
    if header.problems:
        return header, [], header.problems
    rows: list[RowData] = []
    problems: list[Problem] = []
    for number, cells in enumerate(table[1:], start=2):
        if is_blank(cells):
            continue
        data, found = check_row(number, cells, header, lookups)
        if data is not None:
            rows.append(data)
        problems.extend(found)
    return header, rows, problems
