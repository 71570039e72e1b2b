"""Account recovery: who may hand an owner a set-password link, and the two-person counter check.

The rule (README, "Account recovery"):

- A staff-made set-password link is only for an account that has never had a password (a
  walk-in) and whose every business and request belongs to the staff member's unit. Staff of
  another unit who file a walk-in for an existing owner's phone number file the request and
  nothing more.
- Any other owner who lost their password and has no e-mail gets it back in person: a staff
  member records the identity check (document, last four digits, reason), a supervisor of the
  owner's home unit approves it (not the same person), the recorder then makes one link that
  lives half an hour; using it ends every session of the owner, and the owner is told at the
  next sign-in who reset the password and when. Every step is audited.

Services change and flush; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, select

from ..audit.services import record
from ..database import utcnow
from ..extensions import db
from ..roles import Role
from ..security import new_token, token_hash
from ..service_requests.models import ServiceRequest
from .models import (
    AccountRecovery,
    Business,
    IdentityDocument,
    OneTimeToken,
    TokenPurpose,
    User,
)


def is_live_owner(owner: User) -> bool:
    """An owner account that is neither disabled nor erased."""
    return owner.role == Role.OWNER and owner.active and owner.deleted_at is None


def belongs_only_to_unit(owner: User, unit_id: int | None) -> bool:
    """True when every business and every request of `owner` is in unit `unit_id`."""
    if unit_id is None:
        return False
    elsewhere = db.session.scalar(
        select(
            exists().where(Business.owner_id == owner.id, Business.unit_id != unit_id)
            | exists().where(
                ServiceRequest.applicant_id == owner.id, ServiceRequest.unit_id != unit_id
            )
        )
    )
    return not elsewhere


def home_unit_id(owner: User) -> int | None:
    """The unit whose supervisor answers for the owner: that of their first business or request."""
    unit_id = db.session.scalar(
        select(Business.unit_id).where(Business.owner_id == owner.id).order_by(Business.id)
    )
    if unit_id is None:
        unit_id = db.session.scalar(
            select(ServiceRequest.unit_id)
            .where(ServiceRequest.applicant_id == owner.id)
            .order_by(ServiceRequest.id)
        )
    return unit_id


def open_recovery(owner: User) -> AccountRecovery | None:
    """The owner's recovery that is still waiting for a decision or for its link to be used."""
    now = utcnow()
    approval_lifetime = current_app.config["RECOVERY_APPROVAL_LIFETIME"]
    for row in db.session.scalars(
        select(AccountRecovery)
        .where(AccountRecovery.owner_id == owner.id, AccountRecovery.completed_at.is_(None))
        .order_by(AccountRecovery.id.desc())
    ):
        if row.decided_at is None:
            return row
        fresh = row.approved and row.decided_at + approval_lifetime > now
        unused = row.token is None or (row.token.used_at is None and row.token.expires_at > now)
        if fresh and unused:
            return row
    return None


class RecoveryRefused(Exception):
    """The recovery cannot be recorded (no home unit, or one is already open)."""

    def __init__(self, code: str, existing: AccountRecovery | None = None):
        super().__init__(code)
        self.code = code
        self.existing = existing


@dataclass
class IdentityCheck:
    document: IdentityDocument
    last4: str
    reason: str


def record_check(staff: User, req: ServiceRequest, check: IdentityCheck) -> AccountRecovery:
    """Record the in-person identity check; it waits for a supervisor of the home unit."""
    owner = req.applicant
    existing = open_recovery(owner)
    if existing is not None:
        raise RecoveryRefused("open", existing)
    unit_id = home_unit_id(owner)
    if unit_id is None:
        raise RecoveryRefused("no_unit")
    row = AccountRecovery(
        owner_id=owner.id,
        unit_id=unit_id,
        request_id=req.id,
        recorded_by_id=staff.id,
        document=check.document,
        document_last4=check.last4,
        reason=check.reason.strip(),
    )
    db.session.add(row)
    db.session.flush()
    record(
        staff,
        "account.recovery.recorded",
        f"user:{owner.id}",
        {"recovery": row.id, "document": check.document.value, "request": req.code},
    )
    return row


def decide(supervisor: User, row: AccountRecovery, approve: bool, note: str | None) -> None:
    """The supervisor's decision; the caller checked `may_decide`."""
    row.decided_by_id = supervisor.id
    row.decided_at = utcnow()
    row.approved = approve
    row.decision_note = (note or "").strip() or None
    db.session.flush()
    record(
        supervisor,
        "account.recovery.approved" if approve else "account.recovery.refused",
        f"user:{row.owner_id}",
        {"recovery": row.id},
    )


def issue_link_token(staff: User, row: AccountRecovery) -> str:
    """The one short-lived set-password token the approval allows; the caller checked it."""
    now = utcnow()
    raw = new_token()
    token = OneTimeToken(
        user_id=row.owner_id,
        purpose=TokenPurpose.SET_PASSWORD,
        token_hash=token_hash(raw),
        expires_at=now + current_app.config["RECOVERY_LINK_LIFETIME"],
        created_by_id=staff.id,
    )
    db.session.add(token)
    db.session.flush()
    row.token_id = token.id
    row.link_issued_at = now
    db.session.flush()
    record(staff, "account.recovery.link", f"user:{row.owner_id}", {"recovery": row.id})
    return raw


def on_token_used(token: OneTimeToken) -> None:
    """Mark the recovery done when its link was used (the password change ended the sessions)."""
    row = db.session.scalar(select(AccountRecovery).where(AccountRecovery.token_id == token.id))
    if row is None:
        return
    row.completed_at = utcnow()
    db.session.flush()
    record(None, "account.recovery.completed", f"user:{row.owner_id}", {"recovery": row.id})


@dataclass
class ResetNotice:
    by: str
    unit: str
    at: object
    timezone: str  # the zone of the unit that reset it, for the date shown


def take_reset_notices(owner: User) -> list[ResetNotice]:
    """Recoveries of `owner` not yet told at a sign-in; marks them told."""
    rows = db.session.scalars(
        select(AccountRecovery).where(
            AccountRecovery.owner_id == owner.id,
            AccountRecovery.completed_at.is_not(None),
            AccountRecovery.notice_shown_at.is_(None),
        )
    ).all()
    now = utcnow()
    notices = []
    for row in rows:
        row.notice_shown_at = now
        notices.append(
            ResetNotice(
                by=row.recorded_by.full_name,
                unit=row.unit.name,
                at=row.completed_at,
                timezone=row.unit.timezone,
            )
        )
    db.session.flush()
    return notices
