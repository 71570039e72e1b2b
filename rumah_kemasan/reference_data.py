"""Reference data kept as files: units with their areas, and the service catalog."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from .accounts.models import Area, AreaKind, Unit
from .extensions import db
from .service_requests import sla
from .service_requests.catalog import offer_national_defaults
from .service_requests.models import ServiceType

DATA_DIR = Path(__file__).resolve().parent / "data"


def zone_named(label: str) -> str:
    """The zone a data file names by its label (WIB, WITA, WIT), or by its own name."""
    for zone in sla.UNIT_TIMEZONES:
        if label in (zone, sla.zone_label(zone)):
            return zone
    raise ValueError(f"unknown time zone {label!r}: use WIB, WITA or WIT")


def load_unit(path: Path) -> Unit:
    """Create or update a unit and its kecamatan / desa / kelurahan from a JSON file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    info = data["unit"]
    unit = db.session.scalar(select(Unit).where(Unit.slug == info["slug"]))
    if unit is None:
        unit = Unit(slug=info["slug"])
        db.session.add(unit)
    for key, value in info.items():
        if key == "timezone":  # written as offices say it: WIB, WITA or WIT
            value = zone_named(value)
        setattr(unit, key, value)
    db.session.flush()
    existing = {
        (a.kecamatan, a.name): a
        for a in db.session.scalars(select(Area).where(Area.unit_id == unit.id))
    }
    position = 0
    for kec in data["kecamatan"]:
        for kind in (AreaKind.KELURAHAN, AreaKind.DESA):
            for name in kec[kind.value]:
                position += 1
                area = existing.get((kec["name"], name)) or Area(
                    unit_id=unit.id, kecamatan=kec["name"], name=name
                )
                area.kecamatan_code = kec["code"]
                area.kind = kind
                area.position = position
                db.session.add(area)
    db.session.flush()
    return unit


def load_services(path: Path) -> int:
    """Create or update the service catalog from a JSON file; returns how many entries."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    for position, entry in enumerate(entries):
        service = db.session.scalar(select(ServiceType).where(ServiceType.code == entry["code"]))
        if service is None:
            service = ServiceType(code=entry["code"])
            db.session.add(service)
        for key, value in entry.items():
            setattr(service, key, value)
        service.position = position
    db.session.flush()
    return len(entries)


def load_all() -> None:
    """Load every unit file (unit_*.json) and the national service catalog.

    A unit of these files that has no catalog yet gets every active service on the national
    terms; a unit created in the browser is left alone (it offers what its supervisor enables).
    """
    units = [load_unit(path) for path in sorted(DATA_DIR.glob("unit_*.json"))]
    load_services(DATA_DIR / "services.json")
    for unit in units:
        offer_national_defaults(unit)
