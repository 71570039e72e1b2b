"""State changes for requests: filing, transitions, assignment, comments, walk-ins.

Each service checks, mutates and ends with `events.record_event` (the event, the flush, the
notifications); the view commits once. The path of a status change runs one way:
view → here → workflow/sla (and designs for the facts its guards read) → events → notifications.
Concurrency: the row's `version` column is an optimistic lock (SQLAlchemy `version_id_col`):
the UPDATE carries `WHERE version = :seen`, so of two people acting at once exactly one row
update succeeds and the other raises `Conflict`, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from .. import permissions
from ..accounts.models import (
    Business,
    BusinessScale,
    ConsentRecord,
    ProductCategory,
    Unit,
    UnitHoliday,
    User,
)
from ..accounts.services import REGISTRATION_PURPOSE
from ..designs import services as designs
from ..designs.services import DesignSnapshot, design_facts
from ..errors import Conflict
from ..extensions import db
from ..roles import Role
from . import catalog, sla
from .events import record_event
from .models import (
    EventKind,
    RequestCounter,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    TargetMarket,
    Visibility,
)
from .workflow import (
    TRANSITIONS,
    Actor,
    Refusal,
    RequestState,
    Status,
    check_transition,
)

# Each unit's working calendar: its time zone and its own holidays. `calendar_for(unit)` is
# what every due date, pause, overdue check and local date asks. The calendar of a unit is built
# once per process from its `UnitHoliday` rows (one query) and kept with the unit's
# `calendar_stamp`; every holiday change writes a new stamp in the same transaction, so a
# process that reads the unit afterwards sees a stamp it has not built and rebuilds: never
# stale, and no query on a page beyond the unit row it already loads.
# unit id -> (time zone, stamp, calendar); a handful of units per installation.
_cache: dict[int, tuple[str, str, sla.WorkingCalendar]] = {}


def calendar_for(unit: Unit | None) -> sla.WorkingCalendar:
    """The working calendar of `unit` (the national one in the default zone for None)."""
    if unit is None:
        return sla.zone_calendar()
    tz = unit.timezone or sla.DEFAULT_TIMEZONE
    stamp = unit.calendar_stamp
    cached = _cache.get(unit.id)
    if cached is not None and cached[0] == tz and cached[1] == stamp:
        return cached[2]
    rows = db.session.execute(
        select(UnitHoliday.day, UnitHoliday.closed).where(UnitHoliday.unit_id == unit.id)
    ).all()
    cal = sla.WorkingCalendar(
        tz,
        extra_holidays=[day for day, closed in rows if closed],
        extra_working_days=[day for day, closed in rows if not closed],
    )
    _cache[unit.id] = (tz, stamp, cal)
    return cal


def utcnow() -> datetime:
    """The instant of a step, timezone-aware UTC: the same clock as `database.utcnow`, read here
    so that a step's path stays inside the request domain (tests/integration/test_call_path.py)
    and tests can set it for this module alone."""
    return datetime.now(UTC)


class Refused(Exception):
    """The workflow refuses the action; carries the Refusal (its HTTP status and code)."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.code)
        self.refusal = refusal


def actor_of(user: User) -> Actor:
    """The workflow's view of a user."""
    return Actor(id=user.id, role=Role(user.role))


def state_of(
    req: ServiceRequest,
    *,
    assignee_id: int | None = None,
    designs: DesignSnapshot | None = None,
    with_files: bool = True,
) -> RequestState:
    """The workflow's view of a request (`assignee_id` overrides for a prospective claim).

    `designs` is a DesignSnapshot already loaded by the caller, if any. `with_files=False`
    leaves the facts about the request's files out (and their queries): for a move whose
    guards read none of them.
    """
    service = req.service_type
    checklist_required = service.needs_label_checklist
    files = {}
    if with_files:
        files = design_facts(req, designs, with_checklist=checklist_required)
    return RequestState(
        status=Status(req.status),
        owner_id=req.applicant_id,
        assignee_id=assignee_id if assignee_id is not None else req.assignee_id,
        includes_printing=req.includes_printing,
        checklist_required=checklist_required,
        **files,
    )


def _next_code(year: int) -> str:
    """The next human code of `year`, unique under concurrent filing (see `reserve_codes`)."""
    return reserve_codes(year, 1)[0]


def reserve_codes(year: int, count: int) -> list[str]:
    """The next `count` human codes of `year`, unique under concurrent filing.

    `UPDATE … SET last = last + count` takes the row's write lock (PostgreSQL) or runs inside
    the request's `BEGIN IMMEDIATE` (SQLite), so concurrent filings queue on the counter and
    each reads back its own numbers. The year's first filing creates the row in a savepoint; if
    another filing created it first, the unique constraint sends us round once more. An import
    (onboarding/) reserves a year's codes in one statement instead of one per request.
    """
    for _attempt in range(3):
        bumped = cast(  # an UPDATE's result is a CursorResult: it has the rowcount
            CursorResult[Any],
            db.session.execute(
                update(RequestCounter)
                .where(RequestCounter.year == year)
                .values(last=RequestCounter.last + count)
                .execution_options(synchronize_session=False)
            ),
        )
        if bumped.rowcount == 1:
            last = db.session.scalar(
                select(RequestCounter.last)
                .where(RequestCounter.year == year)
                .execution_options(populate_existing=True)
            )
            if last is None:  # the row was just updated: unreachable
                raise RuntimeError("could not allocate a request code")
            return [f"RK-{year}-{n:05d}" for n in range(last - count + 1, last + 1)]
        try:
            with db.session.begin_nested():
                db.session.add(RequestCounter(year=year, last=count))
            return [f"RK-{year}-{n:05d}" for n in range(1, count + 1)]
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a request code")


@dataclass
class RequestInput:
    business: Business
    service_type: ServiceType
    product_name: str
    product_category: str
    brief: str
    target_market: str
    quantity: int | None = None
    packaging_type: str | None = None
    answers: dict[str, str] | None = None  # the service's extra fields, by key (validated)


def file_request(
    data: RequestInput, applicant: User, filed_by: User | None = None
) -> ServiceRequest:
    """Create a submitted request with its first timeline event, under the terms its
    business's unit offers the service on today (catalog.NotOffered when it does not)."""
    offer = catalog.offer_for(data.business.unit_id, data.service_type.id)
    now = utcnow()
    printing = offer.includes_printing
    req = ServiceRequest(
        code=_next_code(calendar_for(data.business.unit).local(now).year),
        unit_id=data.business.unit_id,
        business_id=data.business.id,
        applicant_id=applicant.id,
        filed_by_id=filed_by.id if filed_by else None,
        service_type_id=data.service_type.id,
        product_name=data.product_name.strip(),
        product_category=ProductCategory(data.product_category),
        brief=data.brief.strip(),
        target_market=TargetMarket(data.target_market),
        quantity=data.quantity if printing else None,
        packaging_type=(data.packaging_type or "").strip() or None if printing else None,
        status=Status.SUBMITTED,
        submitted_at=now,
        last_changed_at=now,
        last_changed_by_id=(filed_by or applicant).id,
    )
    catalog.apply_terms(req, offer, catalog.answers_for(offer, data.answers or {}))
    db.session.add(req)
    db.session.flush()
    record_event(req, filed_by or applicant, EventKind.STATUS, to_status=Status.SUBMITTED, at=now)
    return req


def _check_version(req: ServiceRequest, seen_version: int | None) -> None:
    if seen_version is not None and seen_version != req.version:
        raise Conflict(req)


def _apply_clock(req: ServiceRequest, source: Status, target: Status, now: datetime) -> None:
    """Start, pause, resume or stop the SLA clock as the status changes.

    The working calendar is built only when a due date or a pause is computed (pausing itself
    needs none).
    """
    if target is Status.ACCEPTED and req.accepted_at is None:
        req.accepted_at = now
        req.due_at = sla.due_at(now, req.sla_days, 0, calendar_for(req.unit))
    if req.accepted_at is None:
        return
    if source is Status.COMPLETED and req.completed_at is not None:
        # Reopened: the time it sat completed was not the designers' to spend.
        cal = calendar_for(req.unit)
        req.paused_seconds += int(sla.paused_working_seconds(req.completed_at, now, cal))
        req.due_at = sla.due_at(req.accepted_at, req.sla_days, req.paused_seconds, cal)
    if req.paused_at is not None and target.clock is not source.clock:
        cal = calendar_for(req.unit)
        req.paused_seconds += int(sla.paused_working_seconds(req.paused_at, now, cal))
        req.paused_at = None
        req.due_at = sla.due_at(req.accepted_at, req.sla_days, req.paused_seconds, cal)
    if target.clock.value == "paused" and req.paused_at is None:
        req.paused_at = now


def transition(
    req: ServiceRequest,
    user: User,
    target: Status,
    note: str | None = None,
    *,
    seen_version: int | None = None,
    assignee: User | None = None,
    internal: bool = False,
    proof_sha256: str | None = None,
) -> RequestEvent:
    """Move `req` to `target` as `user`, writing exactly one status event.

    Sending the proof publishes the newest draft; the owner's answer to a proof is recorded
    as a ProofDecision bound to the sha256 of the proof they saw (`proof_sha256`, from the
    form): if a different proof is current by then, the answer is a Conflict.
    """
    _check_version(req, seen_version)
    source = Status(req.status)
    actor = actor_of(user)
    prospective_assignee = None
    if source is Status.ACCEPTED and target is Status.IN_DESIGN:
        if permissions.can_take_jobs(user):
            if not permissions.can_claim(user, req):
                raise Refused(Refusal.FORBIDDEN)  # a colleague's job is not for claiming
            prospective_assignee = user  # a staff member claims the job
        elif assignee is not None and permissions.can_assign(user, req):
            if not permissions.is_assignable(assignee, req):
                raise Refused(Refusal.ASSIGNEE_REQUIRED)
            prospective_assignee = assignee
    move = TRANSITIONS.get((source, target))
    if move is None:  # the refusal check_transition would give first
        raise Refused(Refusal.NO_SUCH_TRANSITION)
    state = state_of(
        req,
        assignee_id=prospective_assignee.id if prospective_assignee else None,
        with_files=move.reads_files,
    )
    refusal = check_transition(state, actor, target, note)
    if refusal is not None:
        raise Refused(refusal)
    now = utcnow()
    if target is Status.AWAITING_APPROVAL:
        designs.publish_proof(req, now)
    if source is Status.AWAITING_APPROVAL and permissions.is_owner_of(user, req):
        designs.record_decision(req, user, target is Status.APPROVED, note, proof_sha256)
    if prospective_assignee is not None:
        req.assignee_id = prospective_assignee.id
    if move.counts_revision:
        req.revision_count += 1
    _apply_clock(req, source, target, now)
    if target is Status.COMPLETED:
        req.completed_at = now
    elif source is Status.COMPLETED:
        req.completed_at = None
    req.status = target
    req.last_changed_at = now
    req.last_changed_by_id = user.id
    return record_event(
        req,
        user,
        EventKind.STATUS,
        from_status=source,
        to_status=target,
        note=(note or "").strip() or None,
        visibility=_visibility(user, internal),
        at=now,
    )


def assign(
    req: ServiceRequest,
    supervisor: User,
    assignee: User | None,
    reason: str,
    *,
    seen_version: int | None = None,
) -> RequestEvent:
    """A supervisor (re)assigns the job; an assignment event, not a status change."""
    _check_version(req, seen_version)
    if not permissions.supervises(supervisor, req):
        raise Refused(Refusal.FORBIDDEN)
    if assignee is None or not permissions.is_assignable(assignee, req):
        raise Refused(Refusal.ASSIGNEE_REQUIRED)  # none chosen, or not one of the unit's staff
    if not permissions.can_assign(supervisor, req):
        raise Refused(Refusal.NO_SUCH_TRANSITION)  # a closed request keeps its designer
    if not (reason or "").strip():
        raise Refused(Refusal.NOTE_REQUIRED)
    now = utcnow()
    req.assignee_id = assignee.id
    req.last_changed_at = now
    req.last_changed_by_id = supervisor.id
    return record_event(
        req,
        supervisor,
        EventKind.ASSIGNMENT,
        note=f"{assignee.full_name}: {reason.strip()}",
        visibility=Visibility.INTERNAL,
        at=now,
    )


def _visibility(user: User, internal: bool) -> Visibility:
    """Internal (staff only) when staff ask for it; anything an owner writes is public."""
    return (
        Visibility.INTERNAL if internal and permissions.is_unit_staff(user) else Visibility.PUBLIC
    )


def comment(req: ServiceRequest, user: User, text: str, *, internal: bool = False) -> RequestEvent:
    """Add a comment; internal notes only from staff and supervisors."""
    text = (text or "").strip()
    if not text:
        raise Refused(Refusal.NOTE_REQUIRED)
    return record_event(
        req, user, EventKind.COMMENT, note=text, visibility=_visibility(user, internal), at=utcnow()
    )


def update_request(req: ServiceRequest, user: User, data: RequestInput) -> None:
    """The owner edits a request that waits on them (needs information) or is still new."""
    if not permissions.can_edit_request(user, req):
        raise Refused(Refusal.FORBIDDEN)
    if data.service_type.id != req.service_type_id or data.business.unit_id != req.unit_id:
        # Another service, or another unit: filed anew under the terms offered there today.
        offer = catalog.offer_for(data.business.unit_id, data.service_type.id)
        catalog.apply_terms(req, offer, catalog.answers_for(offer, data.answers or {}))
    elif (kept := catalog.offer_of_request(req)) is not None:
        # The same service keeps the terms it was filed under, even if no longer offered.
        req.extra_answers = catalog.answers_for(kept, data.answers or {}) or None
    printing = req.includes_printing
    req.product_name = data.product_name.strip()
    req.product_category = ProductCategory(data.product_category)
    req.brief = data.brief.strip()
    req.target_market = TargetMarket(data.target_market)
    req.quantity = data.quantity if printing else None
    req.packaging_type = (data.packaging_type or "").strip() or None if printing else None
    req.business_id = data.business.id
    req.unit_id = data.business.unit_id  # the unit whose terms the request now has
    req.service_type_id = data.service_type.id
    db.session.flush()


@dataclass
class WalkInOwner:
    phone: str  # canonical 62…
    full_name: str
    business_name: str
    business_category: str
    business_scale: str
    area_id: int | None


class PhoneTaken(Exception):
    """The phone number belongs to a staff, supervisor or admin account."""


def find_or_create_walk_in_owner(data: WalkInOwner, staff: User) -> tuple[User, Business, bool]:
    """The owner with this phone (a passwordless account when new) and their business.

    The owner's consent is taken at the counter by the staff member, and recorded with the
    purpose and who took it. Returns (owner, business, owner_created).
    """
    owner = db.session.scalar(select(User).where(User.phone == data.phone))
    created = owner is None
    if owner is not None and owner.role != Role.OWNER:
        raise PhoneTaken(data.phone)
    now = utcnow()
    if owner is None:
        owner = User(
            role=Role.OWNER,
            full_name=data.full_name.strip(),
            phone=data.phone,
            consent_at=now,
            consent_purpose=REGISTRATION_PURPOSE,
        )
        db.session.add(owner)
        db.session.flush()
        db.session.add(
            ConsentRecord(
                user_id=owner.id,
                kind="registration_at_counter",
                purpose=f"{REGISTRATION_PURPOSE} (staff #{staff.id})",
            )
        )
    name = data.business_name.strip()
    business = db.session.scalar(
        select(Business).where(
            Business.owner_id == owner.id,
            Business.unit_id == staff.unit_id,
            func.lower(Business.name) == name.lower(),
        )
    )
    if business is None:
        business = Business(
            owner_id=owner.id,
            unit_id=staff.unit_id,
            name=name,
            category=ProductCategory(data.business_category),
            scale=BusinessScale(data.business_scale),
            area_id=data.area_id,
        )
        db.session.add(business)
        db.session.flush()
    return owner, business, created
