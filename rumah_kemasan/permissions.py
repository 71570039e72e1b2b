"""Who may see and do what, written once and used by views, lists, templates and exports."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import Select, select

from .accounts.models import AccountRecovery, Business, User
from .accounts.recovery import belongs_only_to_unit, is_live_owner
from .database import utcnow
from .extensions import db
from .roles import Role
from .service_requests.models import ServiceRequest


def role_required(*roles: Role):
    """Allow the view only to signed-in users with one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def scope_requests(stmt: Select, user: User) -> Select:
    """Narrow a query over ServiceRequest to the rows `user` may see."""
    if user.role == Role.OWNER:
        return stmt.where(ServiceRequest.applicant_id == user.id)
    if user.role in (Role.STAFF, Role.SUPERVISOR):
        return stmt.where(ServiceRequest.unit_id == user.unit_id)
    if user.role == Role.ADMIN:
        return stmt
    return stmt.where(False)


def visible_requests(user: User) -> Select:
    """All requests `user` may see."""
    return scope_requests(select(ServiceRequest), user)


def can_view_request(user: User, req: ServiceRequest) -> bool:
    """True when `user` may open the request."""
    if not user.is_authenticated:
        return False
    if user.role == Role.OWNER:
        return req.applicant_id == user.id
    if user.role in (Role.STAFF, Role.SUPERVISOR):
        return req.unit_id == user.unit_id
    return user.role == Role.ADMIN


def can_see_internal(user: User) -> bool:
    """Internal notes are for staff and supervisors only."""
    return user.is_authenticated and user.role in (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)


def can_act_on_request(user: User, req: ServiceRequest) -> bool:
    """Staff and supervisors act only on their own unit's requests; owners on their own."""
    if user.role == Role.ADMIN:
        return False
    return can_view_request(user, req)


def can_make_owner_link(user: User, req: ServiceRequest) -> bool:
    """Staff of the request's unit may hand a set-password link to a walk-in owner.

    Only for an owner who has never had a password and whose every business and request is in
    the staff member's unit. Never for an owner who has (or had) a password: the staff member
    would choose it and enter the account. Never for an owner with a business or request in
    another unit: filing a walk-in for an existing phone number gives no power over the
    account. An owner who lost their password recovers it in person (`can_record_recovery`).
    """
    owner = req.applicant
    return (
        user.is_authenticated
        and user.role in (Role.STAFF, Role.SUPERVISOR)
        and user.unit_id == req.unit_id
        and is_live_owner(owner)
        and not owner.password_hash
        and belongs_only_to_unit(owner, user.unit_id)
    )


def can_record_recovery(user: User, req: ServiceRequest) -> bool:
    """Staff of the request's unit may record an in-person identity check for its owner."""
    return (
        user.is_authenticated
        and user.role in (Role.STAFF, Role.SUPERVISOR)
        and user.unit_id == req.unit_id
        and is_live_owner(req.applicant)
        and not can_make_owner_link(user, req)
    )


def can_view_recovery(user: User, row: AccountRecovery) -> bool:
    """The staff member who recorded it, and the supervisors of the owner's home unit."""
    if not user.is_authenticated:
        return False
    if user.id == row.recorded_by_id:
        return True
    return user.role == Role.SUPERVISOR and user.unit_id == row.unit_id


def can_decide_recovery(user: User, row: AccountRecovery) -> bool:
    """A supervisor of the owner's home unit who did not record the check (two people)."""
    return (
        user.is_authenticated
        and user.role == Role.SUPERVISOR
        and user.unit_id == row.unit_id
        and user.id != row.recorded_by_id
        and row.decided_at is None
    )


def can_issue_recovery_link(user: User, row: AccountRecovery) -> bool:
    """Only the recorder, only after approval, once, while the approval is fresh."""
    return (
        user.is_authenticated
        and user.id == row.recorded_by_id
        and bool(row.approved)
        and row.token_id is None
        and row.decided_at is not None
        and row.decided_at + current_app.config["RECOVERY_APPROVAL_LIFETIME"] > utcnow()
        and is_live_owner(row.owner)
    )


def visible_recoveries(user: User) -> Select:
    """Recoveries `user` may open: those they recorded; a supervisor also their unit's."""
    stmt = select(AccountRecovery).order_by(AccountRecovery.id.desc())
    if user.role == Role.SUPERVISOR:
        return stmt.where(
            (AccountRecovery.unit_id == user.unit_id) | (AccountRecovery.recorded_by_id == user.id)
        )
    if user.role == Role.STAFF:
        return stmt.where(AccountRecovery.recorded_by_id == user.id)
    return stmt.where(False)


def get_recovery_or_404(recovery_id: int) -> AccountRecovery:
    """A recovery the current user may open; 404 for anyone else."""
    row = db.session.get(AccountRecovery, recovery_id)
    if row is None or not can_view_recovery(current_user, row):
        abort(404)
    return row


def get_request_or_404(code: str) -> ServiceRequest:
    """Load a request the current user may see; 404 (never 403) for anyone else's."""
    stmt = visible_requests(current_user).where(ServiceRequest.code == code)
    req = db.session.scalar(stmt)
    if req is None:
        abort(404)
    return req


def visible_businesses(user: User) -> Select:
    """Business profiles `user` may see: their own for owners, the unit's for staff."""
    stmt = select(Business).order_by(Business.name)
    if user.role == Role.OWNER:
        return stmt.where(Business.owner_id == user.id)
    if user.role in (Role.STAFF, Role.SUPERVISOR):
        return stmt.where(Business.unit_id == user.unit_id)
    return stmt


def get_business_or_404(business_id: int) -> Business:
    """Load a business the current user may see; 404 otherwise."""
    business = db.session.scalar(visible_businesses(current_user).where(Business.id == business_id))
    if business is None:
        abort(404)
    return business


def can_view_file(user: User, design_file) -> bool:
    """Files follow their request; a draft reaches the owner only once sent as a proof."""
    from .designs.models import DesignKind

    if not can_view_request(user, design_file.request):
        return False
    if user.role == Role.OWNER and design_file.kind == DesignKind.DRAFT:
        return design_file.proof_published_at is not None
    return True


def get_file_or_404(file_id: int):
    """Load a design file the current user may see; 404 for anyone else's."""
    from .designs.models import DesignFile

    design_file = db.session.get(DesignFile, file_id)
    if design_file is None or not can_view_file(current_user, design_file):
        abort(404)
    return design_file


def visible_audit(user: User) -> Select:
    """Audit rows `user` may read: a supervisor sees their unit's people, an admin everything."""
    from .audit.models import AuditLog

    stmt = select(AuditLog)
    if user.role == Role.ADMIN:
        return stmt
    if user.role == Role.SUPERVISOR:
        return stmt.where(
            AuditLog.actor_id.in_(select(User.id).where(User.unit_id == user.unit_id))
        )
    return stmt.where(False)
