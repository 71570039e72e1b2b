"""Units kept in the browser: saving a unit (audited) and importing its areas from a CSV.

The CSV import is two steps with nothing saved in between: `parse_areas` reads the text and
answers either a plan (what will be created or updated) or one error per bad line; the view
shows it, and on confirmation parses the same text again and `apply_areas` saves the plan.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..accounts.models import Area, AreaKind, Unit
from ..audit import services as audit
from ..extensions import db
from ..service_requests import sla

# The three zones of Indonesia, by their legal abbreviation (sla.py names them once). Another
# zone is refused.
TIMEZONES = {zone: sla.zone_label(zone) for zone in sla.UNIT_TIMEZONES}

REGION_CODE_RE = re.compile(r"^[0-9]{2}(\.[0-9]{2,4}){0,3}$")  # 51 · 51.71 · 51.71.01 · ….1001
AUDITED_FIELDS = (
    "name",
    "slug",
    "province",
    "city",
    "address",
    "whatsapp",
    "email",
    "opening_hours",
    "timezone",
    "region_code",
)

MAX_CSV_BYTES = 256 * 1024  # the largest kabupaten has a few hundred desa: ~40 bytes a line
MAX_CSV_LINES = 5000
COLUMNS = ("code", "kecamatan", "name", "kind")
HEADERS = {COLUMNS, ("kode", "kecamatan", "nama", "jenis")}
NAME_MAX = 120

SAMPLE_CSV = (
    "code,kecamatan,name,kind\n"
    "51.71.01.1001,Denpasar Selatan,Sesetan,kelurahan\n"
    "51.71.01.2001,Denpasar Selatan,Sanur Kaja,desa\n"
    "51.71.02.1001,Denpasar Timur,Dangin Puri,kelurahan\n"
)


def slugify(text: str) -> str:
    """ "Rumah Kemasan Kota Denpasar" → "rumah-kemasan-kota-denpasar" (ASCII, at most 60)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "unit"


def unique_slug(name: str, unit_id: int | None = None) -> str:
    """A slug from `name` that no other unit has ("…-2", "…-3" when taken)."""
    base = slugify(name)
    candidate, n = base, 1
    while True:
        stmt = select(Unit.id).where(Unit.slug == candidate)
        if unit_id is not None:
            stmt = stmt.where(Unit.id != unit_id)
        if db.session.scalar(stmt) is None:
            return candidate
        n += 1
        suffix = f"-{n}"
        candidate = base[: 60 - len(suffix)] + suffix


def snapshot(unit: Unit) -> dict[str, str | None]:
    return {name: getattr(unit, name) for name in AUDITED_FIELDS}


def save_unit(unit: Unit, values: dict[str, str | None], actor) -> bool:
    """Apply `values` to `unit` (new or existing) with an audit row holding before and after.

    Returns False (and writes nothing) when nothing changed. The slug follows the name for a
    new unit only: a unit's public address stays the same when its name is corrected.
    """
    new = unit.id is None
    before = None if new else snapshot(unit)
    for name, value in values.items():
        setattr(unit, name, value)
    if new:
        unit.slug = unique_slug(unit.name)
        db.session.add(unit)
    db.session.flush()
    after = snapshot(unit)
    if before == after:
        return False
    changed = after if before is None else {k: v for k, v in after.items() if before[k] != v}
    details: dict = {"after": changed}
    if before is not None:
        details["before"] = {k: before[k] for k in changed}
    audit.record(actor, "unit.create" if new else "unit.update", f"unit:{unit.id}", details)
    return True


def area_counts(unit: Unit) -> list[tuple[str, int, int]]:
    """(kecamatan, kelurahan count, desa count) of the unit, in the order the owner sees them."""
    rows = db.session.execute(
        select(Area.kecamatan, Area.kind, func.count(), func.min(Area.position))
        .where(Area.unit_id == unit.id)
        .group_by(Area.kecamatan, Area.kind)
    ).all()
    table: dict[str, list[int]] = {}
    for kecamatan, kind, count, position in rows:
        entry = table.setdefault(kecamatan, [0, 0, position])
        entry[0 if kind == AreaKind.KELURAHAN else 1] += count
        entry[2] = min(entry[2], position)
    ordered = sorted(table.items(), key=lambda item: (item[1][2], item[0]))
    return [(kecamatan, counts[0], counts[1]) for kecamatan, counts in ordered]


# --- the areas CSV -------------------------------------------------------------------------


@dataclass
class LineError:
    line: int  # 1-based line of the file (the header is line 1 when there is one)
    column: str  # one of COLUMNS, or "" for the whole line
    problem: str  # a key the view translates (views.AREA_PROBLEMS)
    value: str = ""


@dataclass
class PlannedArea:
    line: int
    code: str | None
    kecamatan: str
    name: str
    kind: AreaKind
    action: str  # "create", "update" or "same"
    area: Area | None = None


@dataclass
class AreaPlan:
    rows: list[PlannedArea] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def decode_csv(data: bytes) -> str | None:
    """The file's text (UTF-8, with or without BOM), or None when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def _key(kecamatan: str, name: str) -> tuple[str, str]:
    return (" ".join(kecamatan.split()).casefold(), " ".join(name.split()).casefold())


def parse_areas(text: str, unit: Unit) -> AreaPlan:
    """Check every line of `text` against the unit and its areas; save nothing."""
    plan = AreaPlan()
    text = text.removeprefix("\ufeff")
    if len(text.encode("utf-8")) > MAX_CSV_BYTES:
        plan.errors.append(LineError(0, "", "too_big"))
        return plan
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text)))
    if len(lines) > MAX_CSV_LINES:
        plan.errors.append(LineError(0, "", "too_many_lines"))
        return plan
    existing = {
        _key(a.kecamatan, a.name): a
        for a in db.session.scalars(select(Area).where(Area.unit_id == unit.id))
    }
    seen_names: dict[tuple[str, str], int] = {}
    seen_codes: dict[str, int] = {}
    prefix = f"{unit.region_code}." if unit.region_code else None
    for number, cells in enumerate(lines, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue  # blank lines (and a trailing newline) are ignored
        if number == 1 and tuple(c.lower() for c in cells) in HEADERS:
            continue
        if len(cells) != len(COLUMNS):
            plan.errors.append(LineError(number, "", "columns", str(len(cells))))
            continue
        code, kecamatan, name, kind_text = cells
        kecamatan, name = " ".join(kecamatan.split()), " ".join(name.split())
        bad = len(plan.errors)
        if code and not REGION_CODE_RE.match(code):
            plan.errors.append(LineError(number, "code", "code_format", code))
        elif code and prefix and not code.startswith(prefix):
            plan.errors.append(LineError(number, "code", "code_prefix", code))
        elif code and code in seen_codes:
            plan.errors.append(LineError(number, "code", "duplicate_code", str(seen_codes[code])))
        if not kecamatan:
            plan.errors.append(LineError(number, "kecamatan", "missing"))
        elif len(kecamatan) > NAME_MAX:
            plan.errors.append(LineError(number, "kecamatan", "too_long"))
        if not name:
            plan.errors.append(LineError(number, "name", "missing"))
        elif len(name) > NAME_MAX:
            plan.errors.append(LineError(number, "name", "too_long"))
        try:
            kind = AreaKind(kind_text.lower())
        except ValueError:
            plan.errors.append(LineError(number, "kind", "kind", kind_text))
        key = _key(kecamatan, name)
        if kecamatan and name and key in seen_names:
            plan.errors.append(LineError(number, "name", "duplicate", str(seen_names[key])))
        if len(plan.errors) > bad:
            continue
        seen_names[key] = number
        if code:
            seen_codes[code] = number
        area = existing.get(key)
        if area is None:
            action = "create"
        elif (area.code, area.kecamatan, area.name, area.kind) == (
            code or None,
            kecamatan,
            name,
            kind,
        ):
            action = "same"
        else:
            action = "update"
        plan.rows.append(PlannedArea(number, code or None, kecamatan, name, kind, action, area))
    if not plan.rows and not plan.errors:
        plan.errors.append(LineError(0, "", "empty"))
    return plan


def apply_areas(unit: Unit, plan: AreaPlan, actor) -> dict[str, int]:
    """Save a plan without errors: create the new areas, update the changed ones (audited)."""
    if plan.errors:
        raise ValueError("a plan with errors is never saved")
    position = (
        db.session.scalar(select(func.max(Area.position)).where(Area.unit_id == unit.id)) or 0
    )
    for row in plan.rows:
        if row.action == "same":
            continue
        area = row.area
        if area is None:
            position += 1
            area = Area(unit_id=unit.id, position=position)
            db.session.add(area)
        area.code, area.kind = row.code, row.kind
        area.kecamatan, area.name = row.kecamatan, row.name
        # The kecamatan's own code is the desa code without its last part (51.71.01.1001).
        if row.code and row.code.count(".") == 3:
            area.kecamatan_code = row.code.rsplit(".", 1)[0]
    db.session.flush()
    counts = {action: plan.count(action) for action in ("create", "update", "same")}
    audit.record(actor, "unit.areas.import", f"unit:{unit.id}", counts)
    return counts


def units_by_province() -> list[tuple[str, list[Unit]]]:
    """Every unit grouped by province (name order), for the owner's first choice."""
    groups: dict[str, list[Unit]] = {}
    for unit in db.session.scalars(select(Unit).order_by(Unit.province, Unit.name)):
        groups.setdefault(unit.province, []).append(unit)
    return list(groups.items())


def kecamatan_of(unit_id: int) -> list[str]:
    """The unit's kecamatan, in the order of its areas."""
    rows = db.session.execute(
        select(Area.kecamatan, func.min(Area.position))
        .where(Area.unit_id == unit_id)
        .group_by(Area.kecamatan)
        .order_by(func.min(Area.position), Area.kecamatan)
    ).all()
    return [row[0] for row in rows]


def areas_in(unit_id: int, kecamatan: str) -> list[Area]:
    return list(
        db.session.scalars(
            select(Area)
            .where(Area.unit_id == unit_id, Area.kecamatan == kecamatan)
            .order_by(Area.position, Area.name)
        )
    )
