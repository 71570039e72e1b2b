"""The people who work in the units: invite, disable, re-enable, change role or unit (/admin/users).

Who may touch whom is asked of permissions.py (`can_manage_person`, `grantable_roles`,
`can_manage_unit`); the rules that depend on the rest of the data are here: the last active
admin stays, a staff member with open jobs is not moved to another unit, an invitation link is
voided by the next one. Every change writes an audit row. A disabled account is kept whole: its
requests, timeline events and files stay as they are (docs/users.md).

Services change and flush; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from .. import permissions
from ..audit.models import AuditLog
from ..audit.services import record
from ..database import utcnow
from ..extensions import db
from ..notifications.services import queue_email
from ..roles import Role
from ..service_requests.models import ServiceRequest
from ..service_requests.workflow import OPEN_STATUSES
from .models import OneTimeToken, TokenPurpose, Unit, User
from .services import external_url, issue_token


class PersonRefused(Exception):
    """A change the rules refuse; `code` names the reason (the view words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Invitation:
    user: User
    link: str
    emailed: bool  # the link went to the outbox; otherwise the inviter hands it over
    days: int  # how long the link works


def link_days() -> int:
    """How many days an invitation link works (SET_PASSWORD_TOKEN_LIFETIME, at least one)."""
    return max(1, current_app.config["SET_PASSWORD_TOKEN_LIFETIME"].days)


def open_jobs(person: User) -> Select[ServiceRequest]:
    """The requests assigned to `person` that are not closed, oldest first."""
    return (
        select(ServiceRequest)
        .where(ServiceRequest.assignee_id == person.id, ServiceRequest.status.in_(OPEN_STATUSES))
        .order_by(ServiceRequest.id)
    )


def open_job_counts(user_ids: list[int]) -> dict[int, int]:
    """How many open jobs each of `user_ids` has (absent: none)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(ServiceRequest.assignee_id, func.count())
        .where(ServiceRequest.assignee_id.in_(user_ids), ServiceRequest.status.in_(OPEN_STATUSES))
        .group_by(ServiceRequest.assignee_id)
    )
    return {uid: n for uid, n in rows if uid is not None}


def _check_role_and_unit(actor: User, role: Role, unit: Unit | None) -> None:
    if role not in permissions.grantable_roles(actor):
        raise PersonRefused("role_not_allowed")
    if role is Role.ADMIN:
        return
    if unit is None:
        raise PersonRefused("unit_required")
    if not permissions.can_manage_unit(actor, unit.id):
        raise PersonRefused("unit_not_allowed")


def _taken(email: str | None, phone: str | None) -> str | None:
    """Which of the two already belongs to an account (e-mails compared case-blind)."""
    if email and db.session.scalar(
        select(User.id).where(func.lower(User.email) == email.lower()).limit(1)
    ):
        return "email_taken"
    if phone and db.session.scalar(select(User.id).where(User.phone == phone).limit(1)):
        return "phone_taken"
    return None


def _void_links(person: User) -> None:
    """Spend every unused set-password or reset link of `person` (a new one replaces them)."""
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == person.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def _send_link(actor: User, person: User) -> Invitation:
    _void_links(person)
    token = issue_token(person, TokenPurpose.SET_PASSWORD, created_by=actor)
    link = external_url("auth.reset_with_token", token=token)
    emailed = (
        queue_email(
            person,
            lambda: _("You are invited to Rumah Kemasan"),
            "email/invite",
            link=link,
            inviter=actor,
            days=link_days(),
        )
        is not None
    )
    db.session.flush()
    return Invitation(person, link, emailed, link_days())


def invite(
    actor: User,
    *,
    full_name: str,
    email: str | None,
    phone: str | None,
    role: Role,
    unit: Unit | None,
) -> Invitation:
    """Create an account without a password and a one-time link to set one.

    `email` and `phone` come normalised (the form did it, as registration does); at least one.
    """
    if not email and not phone:
        raise PersonRefused("contact_required")
    _check_role_and_unit(actor, role, unit)
    taken = _taken(email, phone)
    if taken:
        raise PersonRefused(taken)
    person = User(
        role=role,
        full_name=full_name.strip(),
        email=email,
        phone=phone,
        unit_id=None if role is Role.ADMIN else unit.id if unit else None,
        locale=actor.locale,
    )
    db.session.add(person)
    db.session.flush()
    invitation = _send_link(actor, person)
    record(
        actor,
        "user.invite",
        f"user:{person.id}",
        {"role": role.value, "unit_id": person.unit_id, "emailed": invitation.emailed},
    )
    return invitation


def is_pending(person: User) -> bool:
    """Invited, and the link not used yet: the account has never had a password."""
    return person.password_hash is None


def reinvite(actor: User, person: User) -> Invitation:
    """A new set-password link for an invitation not yet taken up; the old one is void.

    Only while the account has no password: a link into an account someone already uses would
    let the inviter choose its password (an owner's way back is docs/security.md's recovery).
    """
    if not permissions.can_manage_person(actor, person):
        raise PersonRefused("forbidden")
    if not person.active:
        raise PersonRefused("disabled")
    if not is_pending(person):
        raise PersonRefused("already_joined")
    invitation = _send_link(actor, person)
    record(actor, "user.reinvite", f"user:{person.id}", {"emailed": invitation.emailed})
    return invitation


def _other_active_admins(person: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.active, User.id != person.id)
        )
        or 0
    )


def disable(actor: User, person: User, reason: str) -> int:
    """Disable the account: it is signed out on its next request and cannot sign in.

    Nothing else changes: its requests keep it as their designer until a supervisor reassigns
    them (the count of those open jobs is returned and audited). Unused links are voided.
    """
    reason = (reason or "").strip()
    if not permissions.can_manage_person(actor, person):
        raise PersonRefused("forbidden")
    if not reason:
        raise PersonRefused("reason_required")
    if not person.active:
        raise PersonRefused("already_disabled")
    if person.role is Role.ADMIN and _other_active_admins(person) == 0:
        raise PersonRefused("last_admin")
    jobs = len(db.session.scalars(open_jobs(person)).all())
    person.active = False
    person.rotate_session_token()  # every session and remember cookie ends at once
    _void_links(person)
    db.session.flush()
    record(actor, "user.disable", f"user:{person.id}", {"reason": reason, "open_jobs": jobs})
    return jobs


def enable(actor: User, person: User, reason: str = "") -> None:
    """Let a disabled account sign in again (with the password it had)."""
    if not permissions.can_manage_person(actor, person):
        raise PersonRefused("forbidden")
    if person.active:
        raise PersonRefused("already_active")
    person.active = True
    db.session.flush()
    record(actor, "user.enable", f"user:{person.id}", {"reason": (reason or "").strip()})


def change(actor: User, person: User, role: Role, unit: Unit | None, reason: str) -> None:
    """Change the role and/or unit of `person`, with a reason (audited with both values)."""
    reason = (reason or "").strip()
    if not permissions.can_manage_person(actor, person):
        raise PersonRefused("forbidden")
    if not reason:
        raise PersonRefused("reason_required")
    _check_role_and_unit(actor, role, unit)
    unit_id = None if role is Role.ADMIN else unit.id if unit else None
    if role == person.role and unit_id == person.unit_id:
        raise PersonRefused("unchanged")
    if (
        person.role is Role.ADMIN
        and role is not Role.ADMIN
        and person.active
        and _other_active_admins(person) == 0
    ):
        raise PersonRefused("last_admin")
    moving = unit_id != person.unit_id
    if moving and db.session.scalar(open_jobs(person).limit(1)) is not None:
        raise PersonRefused("open_jobs")
    details: dict[str, object] = {"reason": reason}
    if role != person.role:
        details["role"] = [person.role.value, role.value]
    if moving:
        details["unit_id"] = [person.unit_id, unit_id]
    person.role = role
    person.unit_id = unit_id
    db.session.flush()
    record(actor, "user.change", f"user:{person.id}", details)


def last_disable_reason(person: User) -> str | None:
    """Why the account was last disabled (from its audit row), shown on its page."""
    row = db.session.scalar(
        select(AuditLog)
        .where(AuditLog.action == "user.disable", AuditLog.target == f"user:{person.id}")
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    if row is None or not row.details:
        return None
    reason = row.details.get("reason")
    return str(reason) if reason else None
