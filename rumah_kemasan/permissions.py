"""Who may see and do what, written once and used by views, lists, templates and exports.

Every "may this user do this (to this thing)?" is answered here and nowhere else: services and
views call these functions, templates reach them as globals bound to the signed-in user
(templating.TEMPLATE_PERMISSIONS). Each `can_*` names in its docstring the route(s) it guards,
as written in tests/integration/test_access_matrix.py; tests/integration/test_permissions.py
checks the functions against that table's answers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar, TypeVarTuple

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import Select, false, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as BaseResponse

from .accounts.models import AccountRecovery, Business, Unit, User
from .accounts.recovery import belongs_only_to_unit, is_live_owner
from .audit.models import AuditLog
from .database import utcnow
from .designs.models import DesignFile, DesignKind
from .extensions import db, login_manager
from .reports.models import SurveyResponse
from .roles import Role
from .service_requests.models import ServiceRequest
from .service_requests.workflow import Status

P = ParamSpec("P")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")


def _sign_in_first() -> BaseResponse:
    """Flask-Login's answer to an anonymous visitor: the redirect to the sign-in page."""
    response: BaseResponse = login_manager.unauthorized()
    return response


def role_required(
    *roles: Role,
) -> Callable[[Callable[P, R]], Callable[P, R | BaseResponse]]:
    """Allow the view only to signed-in users with one of `roles` (403 otherwise)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
            if not current_user.is_authenticated:
                return _sign_in_first()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def permission_required(
    check: Callable[[User], bool],
) -> Callable[[Callable[P, R]], Callable[P, R | BaseResponse]]:
    """Allow the view only to signed-in users for whom `check(user)` holds (403 otherwise).

    The route-level twin of `role_required`, for routes whose rule has a name here
    (`@permission_required(can_read_reports)`): the menu and the route ask the same function.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R | BaseResponse]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | BaseResponse:
            if not current_user.is_authenticated:
                return _sign_in_first()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def sees_every_unit(user: User) -> bool:
    """Admins read every unit's requests, reports and audit rows (and may pick one unit)."""
    return user.is_authenticated and user.role == Role.ADMIN


def scope_requests(stmt: Select[*Ts], user: User) -> Select[*Ts]:
    """Narrow a query over ServiceRequest to the rows `user` may see."""
    if user.role == Role.OWNER:
        return stmt.where(ServiceRequest.applicant_id == user.id)
    if user.role in (Role.STAFF, Role.SUPERVISOR):
        return stmt.where(ServiceRequest.unit_id == user.unit_id)
    if user.role == Role.ADMIN:
        return stmt
    return stmt.where(false())


def visible_requests(user: User) -> Select[ServiceRequest]:
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
    return can_view_request(user, req) and user.role != Role.ADMIN


def owner_account_help(user: User, req: ServiceRequest) -> str | None:
    """How staff may help the request's owner into their account: "link", "recovery" or None.

    "link": staff of the request's unit may hand a set-password link to a walk-in owner. Only
    for an owner who has never had a password and whose every business and request is in the
    staff member's unit. Never for an owner who has (or had) a password: the staff member would
    choose it and enter the account. Never for an owner with a business or request in another
    unit: filing a walk-in for an existing phone number gives no power over the account.
    "recovery": for every other live owner, staff of the unit record an in-person identity
    check (an owner who lost their password recovers it that way).
    One answer for both, so that the request page asks the database once.
    """
    if not (
        user.is_authenticated
        and user.role in (Role.STAFF, Role.SUPERVISOR)
        and user.unit_id == req.unit_id
    ):
        return None
    owner = req.applicant
    if not is_live_owner(owner):
        return None
    if not owner.password_hash and belongs_only_to_unit(owner, user.unit_id):
        return "link"
    return "recovery"


def can_make_owner_link(user: User, req: ServiceRequest) -> bool:
    """A set-password link for a walk-in owner (`owner_account_help`).

    Guards POST /requests/<code>/owner-link and the link offered after a walk-in filing.
    """
    return owner_account_help(user, req) == "link"


def can_record_recovery(user: User, req: ServiceRequest) -> bool:
    """An in-person identity check for the owner (`owner_account_help`).

    Guards GET/POST /requests/<code>/recovery/new.
    """
    return owner_account_help(user, req) == "recovery"


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


def visible_recoveries(user: User) -> Select[AccountRecovery]:
    """Recoveries `user` may open: those they recorded; a supervisor also their unit's."""
    stmt = select(AccountRecovery).order_by(AccountRecovery.id.desc())
    if user.role == Role.SUPERVISOR:
        return stmt.where(
            (AccountRecovery.unit_id == user.unit_id) | (AccountRecovery.recorded_by_id == user.id)
        )
    if user.role == Role.STAFF:
        return stmt.where(AccountRecovery.recorded_by_id == user.id)
    return stmt.where(false())


def get_recovery_or_404(recovery_id: int) -> AccountRecovery:
    """A recovery the current user may open; 404 for anyone else."""
    row = db.session.get(AccountRecovery, recovery_id)
    if row is None or not can_view_recovery(current_user, row):
        abort(404)
    return row


def get_request_or_404(code: str) -> ServiceRequest:
    """Load a request the current user may see; 404 (never 403) for anyone else's."""
    stmt = visible_requests(current_user).where(ServiceRequest.code == code)
    req = db.session.scalar(stmt.options(joinedload(ServiceRequest.unit)))  # its zone, calendar
    if req is None:
        abort(404)
    return req


def visible_businesses(user: User) -> Select[Business]:
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


def can_view_file(user: User, design_file: DesignFile) -> bool:
    """Files follow their request; a draft reaches the owner only once sent as a proof."""
    if not can_view_request(user, design_file.request):
        return False
    if user.role == Role.OWNER and design_file.kind == DesignKind.DRAFT:
        return design_file.proof_published_at is not None
    return True


def get_file_or_404(file_id: int) -> DesignFile:
    """Load a design file the current user may see; 404 for anyone else's."""
    design_file = db.session.get(DesignFile, file_id)
    if design_file is None or not can_view_file(current_user, design_file):
        abort(404)
    return design_file


def visible_audit(user: User) -> Select[AuditLog]:
    """Audit rows `user` may read: a supervisor sees their unit's people, an admin everything."""

    stmt = select(AuditLog)
    if user.role == Role.ADMIN:
        return stmt
    if user.role == Role.SUPERVISOR:
        return stmt.where(
            AuditLog.actor_id.in_(select(User.id).where(User.unit_id == user.unit_id))
        )
    return stmt.where(false())


# --- who someone is, for pages and routes ---------------------------------------------------


def is_owner_of(user: User, req: ServiceRequest) -> bool:
    """The signed-in owner who filed `req` (an applicant; not staff filing for them)."""
    return user.is_authenticated and user.role == Role.OWNER and req.applicant_id == user.id


def is_unit_staff(user: User) -> bool:
    """Staff and supervisors: the people who work a unit's requests.

    Guards GET /desk and /recoveries (staff of either unit, supervisor); on pages, the owner's
    name and phone, the label checklist link and the internal-note choice.
    """
    return user.is_authenticated and user.role in (Role.STAFF, Role.SUPERVISOR)


def sees_missing_photo(user: User, req: ServiceRequest) -> bool:
    """Staff of the unit see "no photo yet" on a request without a before photo while one can
    still be added (the caller knows whether one exists).

    Guards the badge on the cards of GET /requests and /desk and on GET /requests/<code>.
    """
    return (
        is_unit_staff(user)
        and user.unit_id == req.unit_id
        and Status(req.status) in _STAFF_UPLOAD_STATUSES[DesignKind.BEFORE]
    )


def sees_staff_menu(user: User) -> bool:
    """Staff, supervisors and admins get the working menu (owners get "My requests")."""
    return user.is_authenticated and user.role in (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)


def can_administer(user: User) -> bool:
    """The /admin pages: admins (every unit) and supervisors (their own unit only).

    Guards GET /admin and the admin sections; what a supervisor may touch inside them is
    narrowed by `can_manage_unit` and `managed_units`.
    """
    return user.is_authenticated and user.role in (Role.SUPERVISOR, Role.ADMIN)


def can_manage_all_units(user: User) -> bool:
    """Creating units and the national / provincial view: admins only.

    Guards GET /admin/overview.
    """
    return user.is_authenticated and user.role == Role.ADMIN


def can_manage_unit(user: User, unit_id: int | None) -> bool:
    """An admin manages every unit; a supervisor manages their own unit (its staff, catalog,
    holidays, areas and imports). Anything else answers 404 at the route, as for requests."""
    if not user.is_authenticated or unit_id is None:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and user.unit_id == unit_id


def managed_units(user: User) -> Select[Unit]:
    """The units `user` may manage, in name order (empty for everyone else)."""
    stmt = select(Unit).order_by(Unit.name)
    if user.is_authenticated and user.role == Role.ADMIN:
        return stmt
    if user.is_authenticated and user.role == Role.SUPERVISOR:
        return stmt.where(Unit.id == user.unit_id)
    return stmt.where(false())


def get_managed_unit_or_404(unit_id: int) -> Unit:
    """The unit `unit_id` if the signed-in user manages it, else 404 (never 403)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_manage_unit(current_user, unit.id):
        abort(404)
    return unit


# --- the people of a unit (/admin/users) ------------------------------------------------------

_PEOPLE_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)


def visible_people(user: User) -> Select[User]:
    """The accounts listed on GET /admin/users: for an admin every staff member, supervisor and
    admin; for a supervisor their unit's staff and supervisors; nobody for anyone else."""
    stmt = select(User).where(User.role.in_(_PEOPLE_ROLES))
    if user.is_authenticated and user.role == Role.ADMIN:
        return stmt
    if user.is_authenticated and user.role == Role.SUPERVISOR:
        return stmt.where(
            User.unit_id == user.unit_id, User.role.in_((Role.STAFF, Role.SUPERVISOR))
        )
    return stmt.where(false())


def can_see_person(user: User, person: User) -> bool:
    """GET /admin/users/<user_id>: the row is in `visible_people(user)` (404 otherwise)."""
    if not user.is_authenticated or person.role not in _PEOPLE_ROLES:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.SUPERVISOR
        and person.role in (Role.STAFF, Role.SUPERVISOR)
        and person.unit_id is not None
        and person.unit_id == user.unit_id
    )


def can_manage_person(user: User, person: User) -> bool:
    """Disable, re-enable, re-invite, change role or unit (POST /admin/users/<user_id>/...):
    whoever may see the account, except on their own (nobody changes or disables themselves)."""
    return can_see_person(user, person) and person.id != user.id


def grantable_roles(user: User) -> tuple[Role, ...]:
    """The roles `user` may give by invitation or change (POST /admin/users/invite and
    /admin/users/<user_id>/role): an admin any staff role, a supervisor staff or supervisor."""
    if user.is_authenticated and user.role == Role.ADMIN:
        return (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
    if user.is_authenticated and user.role == Role.SUPERVISOR:
        return (Role.STAFF, Role.SUPERVISOR)
    return ()


def get_person_or_404(user_id: int) -> User:
    """The account `user_id` if the signed-in user may see it, else 404 (never 403)."""
    person = db.session.get(User, user_id)
    if person is None or not can_see_person(current_user, person):
        abort(404)
    return person


def can_take_jobs(user: User) -> bool:
    """A designer: staff (not supervisors) have jobs of their own and claim from the queue."""
    return user.is_authenticated and user.role == Role.STAFF


def watches_revision_limits(user: User) -> bool:
    """Supervisors see, on their desk, the requests beyond the free revisions (GET /desk)."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def can_read_reports(user: User) -> bool:
    """Supervisors (their unit) and admins (every unit).

    Guards GET /backlog, /reports, /reports/skm, /audit, and the report table of
    /reports/export.csv and /reports/export.xlsx (`?table=report`).
    """
    return user.is_authenticated and user.role in (Role.SUPERVISOR, Role.ADMIN)


def can_export_list(user: User) -> bool:
    """Everyone but owners downloads the request list they see.

    Guards GET /reports/export.csv and /reports/export.xlsx (the request rows).
    """
    return sees_staff_menu(user)


def can_file_request(user: User) -> bool:
    """An owner files a request for one of their businesses: GET/POST /requests/new."""
    return user.is_authenticated and user.role == Role.OWNER


def can_file_walk_in(user: User) -> bool:
    """Staff and supervisors file for an owner at the counter: GET/POST /requests/new."""
    return is_unit_staff(user)


def can_manage_own_data(user: User) -> bool:
    """An owner's copy and erasure of their data (UU PDP).

    Guards GET /account/data, POST /account/data/export and /account/data/delete.
    """
    return user.is_authenticated and user.role == Role.OWNER


# --- what someone may do to a request -------------------------------------------------------


def can_edit_request(user: User, req: ServiceRequest) -> bool:
    """The owner changes what they filed while it is new or needs information.

    Guards GET/POST /requests/<code>/edit (owner A's approved request: 409).
    """
    return is_owner_of(user, req) and Status(req.status).editable_by_owner


def can_comment(user: User, req: ServiceRequest) -> bool:
    """Whoever may open the request comments on it, except admins (who have no say in it).

    Guards POST /requests/<code>/comments.
    """
    return can_act_on_request(user, req)


def can_claim(user: User, req: ServiceRequest) -> bool:
    """A staff member of the unit takes a queued job, or starts one assigned to them.

    Guards POST /requests/<code>/transition to `in_design` for staff (a colleague's job is not
    for claiming: 403); the desk's Claim button.
    """
    return (
        can_take_jobs(user)
        and user.unit_id == req.unit_id
        and Status(req.status) is Status.ACCEPTED
        and req.assignee_id in (None, user.id)
    )


def supervises(user: User, req: ServiceRequest) -> bool:
    """A supervisor of the request's unit."""
    return user.is_authenticated and user.role == Role.SUPERVISOR and user.unit_id == req.unit_id


def can_assign(user: User, req: ServiceRequest) -> bool:
    """A supervisor of the request's unit (re)assigns an open request to one of its staff.

    Guards POST /requests/<code>/assign (everyone else: 403), and the designer a supervisor
    names when starting the design (POST /requests/<code>/transition to `in_design`).
    """
    return supervises(user, req) and Status(req.status).is_open


def assignable_staff(unit_id: int) -> Select[User]:
    """Who can be given a job of the unit: its active staff members, by name.

    The one query behind every designer list and every check of a chosen designer.
    """
    return (
        select(User)
        .where(User.unit_id == unit_id, User.role == Role.STAFF, User.active)
        .order_by(User.full_name, User.id)
    )


def is_assignable(candidate: User | None, req: ServiceRequest) -> bool:
    """True when `candidate` is one of `assignable_staff(req.unit_id)`."""
    if candidate is None:
        return False
    found = db.session.scalar(assignable_staff(req.unit_id).where(User.id == candidate.id).limit(1))
    return found is not None


def can_upload(user: User, req: ServiceRequest, kind: DesignKind) -> bool:
    """Owners add before photos and documents early on; the unit's staff add the design files.

    Guards POST /requests/<code>/files (the kinds offered in the upload form).
    """
    status = Status(req.status)
    if is_owner_of(user, req):
        return kind in _OWNER_UPLOADS and status in _OWNER_UPLOAD_STATUSES
    if is_unit_staff(user) and user.unit_id == req.unit_id:
        return status in _STAFF_UPLOAD_STATUSES[kind]
    return False


# Who may add which kind of file, and while the request is in which statuses.
_EARLY = frozenset({Status.SUBMITTED, Status.NEEDS_INFO, Status.ACCEPTED, Status.IN_DESIGN})
_OWNER_UPLOADS = frozenset({DesignKind.BEFORE, DesignKind.DOCUMENT})
_OWNER_UPLOAD_STATUSES = _EARLY
_STAFF_UPLOAD_STATUSES = {
    DesignKind.BEFORE: _EARLY,
    DesignKind.DOCUMENT: _EARLY,
    DesignKind.DRAFT: frozenset({Status.IN_DESIGN}),
    DesignKind.FINAL: frozenset({Status.APPROVED, Status.IN_PRODUCTION, Status.READY}),
    DesignKind.SOURCE: frozenset(
        {Status.IN_DESIGN, Status.APPROVED, Status.IN_PRODUCTION, Status.READY}
    ),
}


def can_record_handover(user: User, req: ServiceRequest) -> bool:
    """The unit's staff record who received the results while the request is ready.

    Guards POST /requests/<code>/handover (403 for others; 409 before the request is ready).
    """
    return is_unit_staff(user) and user.unit_id == req.unit_id and Status(req.status).at_handover


def survey_refusal(user: User, req: ServiceRequest) -> str | None:
    """None when `user` may answer the SKM survey of `req` now, else why not.

    Only the request's owner (`not_owner`), only once it is completed (`not_completed`),
    only once (`already_answered`). Guards GET/POST /requests/<code>/survey and the invitation
    on the request page.
    """

    if not is_owner_of(user, req):
        return "not_owner"
    if Status(req.status) is not Status.COMPLETED:
        return "not_completed"
    answered = db.session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.request_id == req.id).limit(1)
    )
    return "already_answered" if answered is not None else None


def can_message_owner(user: User, req: ServiceRequest) -> bool:
    """The unit's staff may open a prepared WhatsApp message to the owner.

    Shown on GET /requests/<code> (the request page), not a route of its own.
    """
    return is_unit_staff(user) and user.unit_id == req.unit_id
