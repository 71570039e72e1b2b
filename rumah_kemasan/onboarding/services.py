"""Checking a whole import file against the database, and saving it in one transaction.

`check_file` reads the file, checks each row (validation.py), then what depends on other rows
and on existing records, with a handful of queries for the whole file (owners by phone and
e-mail, businesses by NIB and by owner, requests by reference and by business), never one per
row. Its Plan says what will be created and what already exists; `apply` creates exactly that
and flushes (the view commits once). Running `check_file` again on the same file after `apply`
finds everything existing: a re-import creates nothing (docs/import.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import Area, Business, ConsentRecord, Unit, User
from ..accounts.services import REGISTRATION_PURPOSE
from ..audit.models import AuditLog
from ..audit.services import record
from ..database import utcnow
from ..extensions import db
from ..roles import Role
from ..service_requests.catalog import apply_terms, offered_services
from ..service_requests.models import (
    EventKind,
    RequestEvent,
    ServiceRequest,
    TargetMarket,
    Visibility,
)
from ..service_requests.services import calendar_for, reserve_codes
from ..service_requests.sla import due_at
from ..service_requests.workflow import Status
from .spreadsheet import Cell, SheetError, read_table
from .validation import (
    BY_KEY,
    Header,
    Lookups,
    Problem,
    RowData,
    check_rows,
    choice_maps,
    norm,
    words,
)

AUDIT_ACTION = "import.requests"
CONSENT_KIND = "import"
# The clock time given to a date from the spreadsheet, in the unit's time zone: within office
# hours, so that the local date (and the month of the reports) is the one the office wrote.
SUBMITTED_AT = time(9, 0)
CLOSED_AT = time(16, 0)
ACCEPTED_STATUSES = frozenset({Status.ACCEPTED, Status.READY, Status.COMPLETED})
_CHUNK = 500  # values per IN (...): well under SQLite's and PostgreSQL's parameter limits

T = TypeVar("T")

SHEET_MESSAGES = {
    "empty": _l("The file is empty."),
    "unreadable": _l(
        "The file could not be read: save it as an Excel workbook (.xlsx) or as CSV (UTF-8)."
    ),
    "too_many_rows": _l("The file has more than 5,000 rows: split it into several files."),
    "no_rows": _l("The file has a header row but no requests below it."),
}

BusinessKey = tuple[str, ...]
RequestKey = tuple[object, ...]


@dataclass
class Plan:
    """What the file will create (new_*) and what it names that already exists (existing)."""

    unit: Unit
    rows: list[RowData] = field(default_factory=list)
    header: Header | None = None
    owners: dict[str, User] = field(default_factory=dict)  # phone -> existing owner
    new_owners: dict[str, RowData] = field(default_factory=dict)  # phone -> first row
    # A business of the file is known by a handle: ("id", id) when it exists, else the
    # business_key of its first row; every row's handle is in row_business.
    businesses: dict[BusinessKey, Business] = field(default_factory=dict)
    new_businesses: dict[BusinessKey, RowData] = field(default_factory=dict)
    new_business_nib: dict[BusinessKey, str] = field(default_factory=dict)
    row_business: dict[int, BusinessKey] = field(default_factory=dict)
    new_requests: list[RowData] = field(default_factory=list)
    existing_requests: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "owners_created": len(self.new_owners),
            "owners_existing": len(self.owners),
            "businesses_created": len(self.new_businesses),
            "businesses_existing": len(self.businesses),
            "requests_created": len(self.new_requests),
            "requests_existing": self.existing_requests,
        }


@dataclass
class Checked:
    plan: Plan
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def lookups(unit: Unit) -> Lookups:
    """The unit's areas, the active catalog and today's date in the unit's time zone."""
    areas: dict[tuple[str, str], int] = {}
    kecamatans: set[str] = set()
    for area in db.session.scalars(select(Area).where(Area.unit_id == unit.id)):
        areas[(words(area.kecamatan), words(area.name))] = area.id
        kecamatans.add(words(area.kecamatan))
    # Only the services this unit offers today (its own catalog): a row naming another one is
    # refused like a misspelt code.
    services: dict[str, int] = {}
    codes: list[str] = []
    for offer in offered_services(unit):
        service = offer.service_type
        codes.append(service.code)
        for text in (service.name_en, service.name_id, service.code):
            services.setdefault(norm(text), service.id)
    today = datetime.now(UTC).astimezone(ZoneInfo(unit.timezone)).date()
    return choice_maps(Lookups(today, areas, kecamatans, services, codes))


def business_key(row: RowData) -> BusinessKey:
    """The handle of a business the file creates: its NIB, else its owner's phone and name."""
    if row.nib:
        return ("nib", row.nib)
    return ("name", row.phone, words(row.business_name))


def request_key(business: BusinessKey, service_id: int, product: str, day: date) -> RequestKey:
    """A request without the office's reference is the same by business, service, product
    name and the date it was submitted."""
    return (business, service_id, words(product), day)


def _problem(row: RowData, key: str, message: object) -> Problem:
    return Problem(row.row, BY_KEY[key], "", message)


def check_file(unit: Unit, data: bytes) -> Checked:
    """Every problem of the file, or the plan of what saving it would create."""
    table, problems = parse(data)
    if problems:
        return Checked(Plan(unit), problems)
    return check_table(unit, table)


def parse(data: bytes) -> tuple[list[list[Cell]], list[Problem]]:
    """The file's rows, or why it cannot be read (no database: run it without the write lock)."""
    try:
        return read_table(data), []
    except SheetError as exc:
        return [], [Problem(0, None, "", SHEET_MESSAGES[exc.code])]


def check_table(unit: Unit, table: list[list[Cell]]) -> Checked:
    """`check_file` for rows already read."""
    plan = Plan(unit)
    found = lookups(unit)
    header, rows, problems = check_rows(table, found)
    plan.header = header
    if not rows and not problems:
        problems = [Problem(0, None, "", SHEET_MESSAGES["no_rows"])]
    plan.rows = rows
    problems += _plan(plan, rows)
    letters = header.index
    for i, p in enumerate(problems):  # cross-row problems learn their column letter here
        if p.column is not None and not p.letter and p.row > 1 and p.column.key in letters:
            problems[i] = Problem(p.row, p.column, header.letter(p.column.key), p.message)
    problems.sort(key=lambda p: p.sort_key)
    return Checked(plan, problems)


def _plan(plan: Plan, rows: list[RowData]) -> list[Problem]:
    """Resolve owners, businesses and requests against each other and the database."""
    unit = plan.unit
    problems: list[Problem] = []
    phones = {r.phone for r in rows}
    users: dict[str, User] = {}
    for batch in chunks(phones):
        for account in db.session.scalars(select(User).where(User.phone.in_(batch))):
            users[account.phone or ""] = account
    emails = {r.email for r in rows if r.email}
    email_owner: set[str] = set()  # e-mails some account already has
    for batch in chunks(emails):
        email_owner.update(db.session.scalars(select(User.email).where(User.email.in_(batch))))
    nibs = {r.nib for r in rows if r.nib}
    # A row's business: the one with its NIB, else its owner's business of that name in this
    # unit (the oldest, if several), else a new one; a business the file creates is found by
    # later rows the same way, so a re-import resolves every row as the first import did.
    existing: dict[BusinessKey, Business] = {}
    by_nib: dict[str, Business] = {}
    nib_handle: dict[str, BusinessKey] = {}
    for batch in chunks(nibs):
        for business in db.session.scalars(
            select(Business).where(Business.nib.in_(batch)).order_by(Business.id)
        ):
            by_nib.setdefault(business.nib or "", business)
    for nib, business in by_nib.items():
        nib_handle[nib] = ("id", str(business.id))
        existing[nib_handle[nib]] = business
    owner_ids = {u.id: phone for phone, u in users.items() if u.role == Role.OWNER}
    name_handle: dict[tuple[str, str], BusinessKey] = {}
    for ids in chunks(owner_ids):
        for named in db.session.scalars(
            select(Business)
            .where(Business.owner_id.in_(ids), Business.unit_id == unit.id)
            .order_by(Business.id)
        ):
            handle: BusinessKey = ("id", str(named.id))
            existing[handle] = named
            name_handle.setdefault((owner_ids[named.owner_id], words(named.name)), handle)

    # Owners and businesses, row by row (the first row of an owner or business describes it).
    nib_phone: dict[str, tuple[str, int]] = {}  # NIB -> (phone, row) as first seen in the file
    email_phone: dict[str, tuple[str, int]] = {}
    good: list[RowData] = []
    for row in rows:
        before = len(problems)
        user = users.get(row.phone)
        if user is not None and user.role != Role.OWNER:
            problems.append(_problem(row, "phone", _l("This number belongs to a staff account.")))
        if row.email and user is None:  # a new owner's e-mail (an existing owner keeps theirs)
            first = email_phone.setdefault(row.email, (row.phone, row.row))
            if row.email in email_owner:
                problems.append(
                    _problem(row, "email", _l("This e-mail belongs to another account."))
                )
            elif first[0] != row.phone:
                problems.append(
                    _problem(
                        row,
                        "email",
                        _l("Row %(row)s gives this e-mail to another owner.", row=first[1]),
                    )
                )
        if row.nib:
            first = nib_phone.setdefault(row.nib, (row.phone, row.row))
            holder = by_nib.get(row.nib)
            if first[0] != row.phone:
                problems.append(
                    _problem(
                        row,
                        "nib",
                        _l("Row %(row)s gives this NIB to another owner.", row=first[1]),
                    )
                )
            elif holder is not None and (user is None or holder.owner_id != user.id):
                problems.append(
                    _problem(row, "nib", _l("This NIB belongs to another owner's business."))
                )
            elif holder is not None and holder.unit_id != unit.id:
                problems.append(
                    _problem(row, "nib", _l("This NIB belongs to a business of another unit."))
                )
        if len(problems) > before:
            continue
        good.append(row)
        if user is not None:
            plan.owners[row.phone] = user
        else:
            plan.new_owners.setdefault(row.phone, row)
        named_as = (row.phone, words(row.business_name))
        found = nib_handle.get(row.nib) if row.nib else None
        if found is None:
            found = name_handle.get(named_as)
        if found is None:
            found = business_key(row)
            plan.new_businesses[found] = row
            name_handle.setdefault(named_as, found)
        if row.nib and found in plan.new_businesses and row.nib not in nib_handle:
            nib_handle[row.nib] = found  # a new business takes the first NIB given for it
            plan.new_business_nib.setdefault(found, row.nib)
        if found in existing:
            plan.businesses[found] = existing[found]
        plan.row_business[row.row] = found

    # Requests: by the office's reference, else by business, service, product and date.
    refs = {r.ref for r in good if r.ref}
    known_refs: set[str] = set()
    for batch in chunks(refs):
        known_refs.update(
            db.session.scalars(
                select(ServiceRequest.import_ref).where(
                    ServiceRequest.unit_id == unit.id, ServiceRequest.import_ref.in_(batch)
                )
            )
        )
    known: set[RequestKey] = set()
    zone = ZoneInfo(unit.timezone)
    for business_ids in chunks([b.id for b in plan.businesses.values()]):
        for business_id, service_id, product, submitted in db.session.execute(
            select(
                ServiceRequest.business_id,
                ServiceRequest.service_type_id,
                ServiceRequest.product_name,
                ServiceRequest.submitted_at,
            ).where(ServiceRequest.business_id.in_(business_ids))
        ):
            day = submitted.astimezone(zone).date()
            known.add(request_key(("id", str(business_id)), service_id, product, day))
    seen_refs: dict[str, int] = {}
    seen_keys: dict[RequestKey, int] = {}
    for row in good:
        if row.ref:
            if row.ref in seen_refs:
                message = _l("The same original number as row %(row)s.", row=seen_refs[row.ref])
                problems.append(_problem(row, "ref", message))
                continue
            seen_refs[row.ref] = row.row
            if row.ref in known_refs:
                plan.existing_requests += 1
            else:
                plan.new_requests.append(row)
            continue
        handle = plan.row_business[row.row]
        same = request_key(handle, row.service_id, row.product_name, row.submitted)
        if same in seen_keys:
            message = _l(
                "The same request as row %(row)s (business, service, product and date); "
                "give each an original number if both are real.",
                row=seen_keys[same],
            )
            problems.append(_problem(row, "product_name", message))
            continue
        seen_keys[same] = row.row
        if same in known:
            plan.existing_requests += 1
        else:
            plan.new_requests.append(row)
    return problems


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, zone).astimezone(UTC)


def _by_year(rows: list[RowData]) -> dict[int, list[RowData]]:
    years: dict[int, list[RowData]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.submitted, r.row)):
        years[row.submitted.year].append(row)
    return years


def apply(plan: Plan, actor: User, filename: str) -> AuditLog:
    """Create the plan's owners, businesses and requests, and the audit row (the batch).

    Requests keep the office's dates and status, get codes of the year they were submitted,
    and one timeline event per date, written straight to the timeline: importing history
    notifies nobody (no e-mail about a request completed last March), so this does not go
    through `events.record_event`. Flushes; the caller commits.
    """
    unit = plan.unit
    now = utcnow()
    audit = record(
        actor,
        AUDIT_ACTION,
        target=f"unit:{unit.id}",
        details={"file": filename[:200], **plan.counts()},
    )
    batch = audit.id
    with force_locale("id"):  # what the owner reads on the timeline: the office's language
        note = gettext("Imported from the office's records (import #%(batch)s).", batch=batch)
    purpose = (
        f"{REGISTRATION_PURPOSE} (imported from the records of {unit.name} by user #{actor.id}, "
        f"import #{batch})"
    )

    owners = dict(plan.owners)
    created_owners = []
    for phone, row in plan.new_owners.items():
        owner = User(
            role=Role.OWNER,
            full_name=row.owner_name,
            phone=phone,
            email=row.email,
            consent_at=now,
            consent_purpose=purpose,
        )
        owners[phone] = owner
        created_owners.append(owner)
    db.session.add_all(created_owners)
    db.session.flush()
    db.session.add_all(
        ConsentRecord(user_id=owner.id, kind=CONSENT_KIND, purpose=purpose, at=now)
        for owner in created_owners
    )

    businesses = dict(plan.businesses)
    for key, row in plan.new_businesses.items():
        businesses[key] = Business(
            owner_id=owners[row.phone].id,
            unit_id=unit.id,
            name=row.business_name,
            category=row.category,
            scale=row.scale,
            nib=plan.new_business_nib.get(key),
            area_id=row.area_id,
        )
    db.session.add_all(businesses[key] for key in plan.new_businesses)
    db.session.flush()

    zone = ZoneInfo(unit.timezone)
    calendar = calendar_for(unit)  # the unit's zone and its own holidays
    # Imported requests keep the unit's terms of today (the office's sheet holds no others).
    offers = {offer.service_type_id: offer for offer in offered_services(unit)}
    created: list[tuple[ServiceRequest, RowData]] = []
    for year, rows in sorted(_by_year(plan.new_requests).items()):
        for code, row in zip(reserve_codes(year, len(rows)), rows, strict=True):
            submitted = _local(row.submitted, SUBMITTED_AT, zone)
            closed = _local(row.closed, CLOSED_AT, zone) if row.closed else None
            accepted = submitted if row.status in ACCEPTED_STATUSES else None
            business = businesses[plan.row_business[row.row]]
            req = ServiceRequest(
                code=code,
                unit_id=unit.id,
                business_id=business.id,
                applicant_id=business.owner_id,
                filed_by_id=actor.id,
                service_type_id=row.service_id,
                product_name=row.product_name,
                product_category=row.category,
                brief=row.brief,
                target_market=TargetMarket.LOKAL,
                status=row.status,
                submitted_at=submitted,
                accepted_at=accepted,
                due_at=due_at(accepted, offers[row.service_id].sla_days, 0, calendar)
                if accepted
                else None,
                completed_at=closed if row.status is Status.COMPLETED else None,
                last_changed_at=closed or submitted,
                last_changed_by_id=actor.id,
                import_ref=row.ref,
            )
            apply_terms(req, offers[row.service_id])
            created.append((req, row))
    db.session.add_all(req for req, _row in created)
    db.session.flush()

    events = []
    for req, row in created:
        submitted_event = RequestEvent(
            request_id=req.id,
            actor_id=actor.id,
            kind=EventKind.STATUS,
            to_status=Status.SUBMITTED,
            note=note,
            visibility=Visibility.PUBLIC,
            created_at=req.submitted_at,
        )
        events.append(submitted_event)
        if row.status is not Status.SUBMITTED:
            events.append(
                RequestEvent(
                    request_id=req.id,
                    actor_id=actor.id,
                    kind=EventKind.STATUS,
                    from_status=Status.SUBMITTED,
                    to_status=row.status,
                    note=note,
                    visibility=Visibility.PUBLIC,
                    created_at=req.last_changed_at,
                )
            )
    db.session.add_all(events)
    db.session.flush()
    return audit
