"""The service catalog per unit, and the terms a request keeps from the day it was filed.

`ServiceType` is the national template; `UnitService` is one unit's offer of it (enabled, SLA
working days, free revisions, documents, printing, extra questions). At filing the request
copies those terms (`apply_terms`), and every reader (due date, revision limit, desk, receipts,
exports) reads the request's own copy: a supervisor who changes the catalog changes new
requests only. docs/catalog.md says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Unit, User
from ..audit.services import record
from ..extensions import db
from .models import ServiceRequest, ServiceType, UnitService

SLA_DAYS_RANGE = (1, 365)
FREE_REVISIONS_RANGE = (0, 20)
KINDS = ("text", "number", "choice")
NUMBER_RANGE = (0, 1_000_000_000)
MAX_EXTRA_FIELDS = 10


class NotOffered(Exception):
    """The business's unit does not offer this service (disabled, or never enabled)."""


@dataclass(frozen=True)
class ExtraField:
    """One question a service asks the owner when filing."""

    key: str
    label_id: str
    label_en: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_id

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "label_id": self.label_id,
            "label_en": self.label_en,
            "kind": self.kind,
            "required": self.required,
            "choices": list(self.choices),
        }

    @classmethod
    def from_json(cls, data: dict) -> ExtraField:
        return cls(
            key=str(data["key"]),
            label_id=str(data.get("label_id", data["key"])),
            label_en=str(data.get("label_en", data.get("label_id", data["key"]))),
            kind=str(data.get("kind", "text")),
            required=bool(data.get("required", False)),
            choices=tuple(str(c) for c in data.get("choices", ())),
        )


@dataclass
class Terms:
    """What an admin or supervisor sets for one service of their unit."""

    enabled: bool
    sla_days: int
    free_revisions: int
    includes_printing: bool
    documents_required: str
    extra_fields: list[ExtraField] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "enabled": self.enabled,
            "sla_days": self.sla_days,
            "free_revisions": self.free_revisions,
            "includes_printing": self.includes_printing,
            "documents_required": self.documents_required,
            "extra_fields": [f.as_json() for f in self.extra_fields],
        }


def extra_fields(offer: UnitService) -> list[ExtraField]:
    return [ExtraField.from_json(f) for f in offer.extra_fields or []]


def terms_of(offer: UnitService) -> Terms:
    return Terms(
        enabled=offer.enabled,
        sla_days=offer.sla_days,
        free_revisions=offer.free_revisions,
        includes_printing=offer.includes_printing,
        documents_required=offer.documents_required,
        extra_fields=extra_fields(offer),
    )


def national_terms(service: ServiceType) -> Terms:
    """The national template's defaults, as a unit's terms (enabled)."""
    return Terms(
        enabled=True,
        sla_days=service.sla_days,
        free_revisions=service.free_revisions,
        includes_printing=service.includes_printing,
        documents_required=service.documents_required,
    )


def _offers(unit_id: int):
    return (
        select(UnitService)
        .join(UnitService.service_type)
        .options(joinedload(UnitService.service_type))
        .where(UnitService.unit_id == unit_id)
        .order_by(ServiceType.position, ServiceType.id)
    )


def offered_services(unit: Unit | int | None) -> list[UnitService]:
    """The services `unit` offers today (enabled there, active nationally), in catalog order.

    The public pages, the filing forms and the per-unit pages of other parts call this.
    """
    if unit is None:
        return []
    unit_id = unit if isinstance(unit, int) else unit.id
    stmt = _offers(unit_id).where(UnitService.enabled, ServiceType.active)
    return list(db.session.scalars(stmt))


def offer_for(unit_id: int, service_type_id: int | None) -> UnitService:
    """The unit's offer of a service it offers today; NotOffered otherwise."""
    offer = db.session.scalar(
        _offers(unit_id).where(
            UnitService.service_type_id == service_type_id,
            UnitService.enabled,
            ServiceType.active,
        )
    )
    if offer is None:
        raise NotOffered(service_type_id)
    return offer


def offer_of_request(req: ServiceRequest) -> UnitService | None:
    """The unit's row for the request's own service, offered today or not (editing a request
    that keeps its terms must not depend on the service still being offered)."""
    return db.session.scalar(
        select(UnitService).where(
            UnitService.unit_id == req.unit_id,
            UnitService.service_type_id == req.service_type_id,
        )
    )


def catalog_of(unit: Unit) -> list[tuple[ServiceType, UnitService | None]]:
    """Every active national service with this unit's offer of it (None: never set up)."""
    offers = {o.service_type_id: o for o in db.session.scalars(_offers(unit.id))}
    services = db.session.scalars(
        select(ServiceType).where(ServiceType.active).order_by(ServiceType.position)
    )
    return [(s, offers.get(s.id)) for s in services]


def answers_for(offer: UnitService, values: dict[str, str]) -> list[dict]:
    """The owner's answers (already validated by the form), with the labels they answered."""
    return [
        {"key": f.key, "label_id": f.label_id, "label_en": f.label_en, "value": value}
        for f in extra_fields(offer)
        if (value := (values.get(f.key) or "").strip())
    ]


def apply_terms(req: ServiceRequest, offer: UnitService, answers: list[dict] | None = None) -> None:
    """Copy the unit's terms for this service onto the request (filing, or an import).

    From here on the request reads its own copy; changing the catalog leaves it unchanged.
    """
    req.sla_days = offer.sla_days
    req.free_revisions = offer.free_revisions
    req.includes_printing = offer.includes_printing
    req.documents_required = offer.documents_required
    req.extra_answers = answers or None


def offer_national_defaults(unit: Unit) -> int:
    """Give a unit that has no catalog yet every active national service with its defaults.

    For the units of `flask data load` (as migration 0011 did for the units that existed): a
    unit created in the browser starts with nothing and its supervisor enables services.
    Returns how many rows were added (0 when the unit already has a catalog).
    """
    has_any = db.session.scalar(select(UnitService.id).where(UnitService.unit_id == unit.id))
    if has_any is not None:
        return 0
    services = db.session.scalars(select(ServiceType).where(ServiceType.active)).all()
    for service in services:
        db.session.add(_new_offer(unit, service, national_terms(service)))
    db.session.flush()
    return len(services)


def _new_offer(unit: Unit, service: ServiceType, terms: Terms) -> UnitService:
    offer = UnitService(unit_id=unit.id, service_type_id=service.id)
    _set(offer, terms)
    return offer


def _set(offer: UnitService, terms: Terms) -> None:
    offer.enabled = terms.enabled
    offer.sla_days = terms.sla_days
    offer.free_revisions = terms.free_revisions
    offer.includes_printing = terms.includes_printing
    offer.documents_required = terms.documents_required.strip()
    offer.extra_fields = [f.as_json() for f in terms.extra_fields]


def find_offer(unit: Unit, service: ServiceType) -> UnitService | None:
    return db.session.scalar(
        select(UnitService).where(
            UnitService.unit_id == unit.id, UnitService.service_type_id == service.id
        )
    )


def set_terms(actor: User, unit: Unit, service: ServiceType, terms: Terms) -> UnitService | None:
    """Create or change the unit's offer of `service`, with an audit row (before and after).

    Returns the offer, or None when nothing changed (no row, no audit). Open requests keep the
    terms they were filed under.
    """
    offer = find_offer(unit, service)
    before = terms_of(offer).as_json() if offer is not None else None
    after = terms.as_json()
    after["documents_required"] = terms.documents_required.strip()
    if before == after:
        return None
    if offer is None:
        offer = _new_offer(unit, service, terms)
        db.session.add(offer)
    else:
        _set(offer, terms)
    db.session.flush()
    record(
        actor,
        "catalog.update",
        f"unit:{unit.slug}/service:{service.code}",
        {"before": before, "after": after},
    )
    return offer
