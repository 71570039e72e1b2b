"""/admin: the administration home, and the people who have access (/admin/users...).

An admin manages everyone who works in any unit; a supervisor the staff and supervisors of
their own unit. Another unit's person answers 404. The rules are in permissions.py and
accounts/people.py; this module turns forms into calls and refusals into messages.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import joinedload

from ..admin_sections import sections_for
from ..extensions import db
from ..formats import FormatError, normalize_phone, whatsapp_link
from ..forms import ActionForm
from ..permissions import (
    assignable_staff,
    can_administer,
    can_manage_person,
    get_person_or_404,
    grantable_roles,
    managed_units,
    permission_required,
    sees_every_unit,
    visible_people,
)
from ..roles import Role
from ..security import arg_int, arg_text, small_int
from . import people
from .admin_forms import (
    NO_UNIT,
    ROLE_LABELS,
    ChangeForm,
    DisableForm,
    EnableForm,
    InviteForm,
    role_choices,
    unit_choices,
)
from .models import Unit, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

LIST_LIMIT = 200

REFUSALS = {
    "contact_required": _l("Give an e-mail or a WhatsApp number."),
    "role_not_allowed": _l("You may not give this role."),
    "unit_required": _l("Staff and supervisors belong to a unit: choose one."),
    "unit_not_allowed": _l("You may only choose your own unit."),
    "email_taken": _l("This e-mail already belongs to an account."),
    "phone_taken": _l("This WhatsApp number already belongs to an account."),
    "reason_required": _l("Give a reason."),
    "already_disabled": _l("This account is already disabled."),
    "already_active": _l("This account is already active."),
    "disabled": _l("Enable the account before sending a new link."),
    "already_joined": _l(
        "This person has already set a password. Someone who forgot it resets it from the "
        "sign-in page."
    ),
    "last_admin": _l(
        "This is the last active administrator: make someone else administrator first."
    ),
    "open_jobs": _l(
        "This person still has open jobs in this unit. Reassign them below, then change the unit."
    ),
    "unchanged": _l("Nothing to change: choose another role or unit."),
}


@bp.route("")
@permission_required(can_administer)
def index():
    return render_template("admin/index.html", sections=sections_for(current_user))


def _search(stmt, text: str):
    needle = text.lower()  # % and _ are letters here, not patterns
    conditions: list[ColumnElement[bool]] = [
        func.lower(User.full_name).contains(needle, autoescape=True),
        func.lower(User.email).contains(needle, autoescape=True),
    ]
    try:
        conditions.append(User.phone == normalize_phone(text))
    except FormatError:
        digits = re.sub(r"[^0-9]", "", text)  # part of a number: ASCII digits only
        if len(digits) >= 4:
            conditions.append(User.phone.like(f"%{digits.lstrip('0')}%"))
    return stmt.where(or_(*conditions))


@bp.route("/users")
@permission_required(can_administer)
def users():
    """The people with access: role, unit, active or disabled, last sign-in, open jobs."""
    stmt = visible_people(current_user).options(joinedload(User.unit))
    units = list(db.session.scalars(managed_units(current_user)))
    unit_id = arg_int("unit") if sees_every_unit(current_user) else None
    if unit_id:
        stmt = stmt.where(User.unit_id == unit_id)
    q = arg_text("q", 100)
    if q:
        stmt = _search(stmt, q)
    rows = list(
        db.session.scalars(
            stmt.order_by(User.active.desc(), User.full_name, User.id).limit(LIST_LIMIT + 1)
        )
    )
    more = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    return render_template(
        "admin/users.html",
        rows=rows,
        more=more,
        jobs=people.open_job_counts([u.id for u in rows]),
        units=units,
        unit_id=unit_id,
        q=q,
        role_labels=ROLE_LABELS,
        pending=people.is_pending,
    )


def _fill_choices(form, person: User | None = None) -> None:
    roles = list(grantable_roles(current_user))
    if person is not None and person.role not in roles:  # shown, never granted
        roles.insert(0, person.role)
    form.role.choices = role_choices(roles)
    units = list(db.session.scalars(managed_units(current_user)))
    form.unit_id.choices = unit_choices(
        units, with_none=Role.ADMIN in grantable_roles(current_user)
    )


def _chosen(form) -> tuple[Role, Unit | None]:
    """The role and unit picked; a supervisor's people are in the supervisor's unit."""
    role = Role(form.role.data)
    unit = None
    unit_id = small_int(form.unit_id.data)  # one of the offered choices, or empty
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
    elif not sees_every_unit(current_user):
        unit = current_user.unit
    return role, unit


@bp.route("/users/invite", methods=["GET", "POST"])
@permission_required(can_administer)
def invite():
    form = InviteForm()
    _fill_choices(form)
    if request.method == "GET" and not sees_every_unit(current_user):
        form.unit_id.data = str(current_user.unit_id)
    status = 200
    if form.validate_on_submit():
        role, unit = _chosen(form)
        try:
            invitation = people.invite(
                current_user,
                full_name=form.full_name.data,
                email=(form.email.data or "").strip().lower() or None,
                phone=form.phone.normalized,
                role=role,
                unit=unit,
            )
        except people.PersonRefused as exc:
            db.session.rollback()
            _field_error(form, exc.code)
            status = 409
        else:
            db.session.commit()
            return _invitation_page(invitation)
    elif request.method == "POST":
        status = 400
    return render_template("admin/invite.html", form=form), status


def _field_error(form, code: str) -> None:
    field = {
        "email_taken": form.email,
        "phone_taken": form.phone,
        "contact_required": form.email,
        "role_not_allowed": form.role,
        "unit_required": form.unit_id,
        "unit_not_allowed": form.unit_id,
    }.get(code)
    message = REFUSALS.get(code, REFUSALS["role_not_allowed"])
    if field is None:
        flash(str(message), "error")
    else:
        field.errors = [*field.errors, message]


def _invitation_page(invitation: people.Invitation):
    person = invitation.user
    if invitation.emailed:
        flash(
            _("The invitation is sent to %(email)s. The link works once.", email=person.email),
            "success",
        )
        return redirect(url_for("admin.user", user_id=person.id))
    text = _(
        "Hello %(name)s, you are invited to Rumah Kemasan. Choose your password with this link "
        "(it works once): %(link)s",
        name=person.full_name,
        link=invitation.link,
    )
    response = render_template(
        "admin/invited.html",
        person=person,
        link=invitation.link,
        days=invitation.days,
        wa=whatsapp_link(person.phone, text) if person.phone else None,
    )
    return response, 200, {"Cache-Control": "no-store"}


def _page(person: User, status: int = 200, **forms):
    change_form = forms.get("change_form") or ChangeForm(formdata=None)
    _fill_choices(change_form, person)
    if "change_form" not in forms:
        change_form.role.data = person.role.value
        change_form.unit_id.data = str(person.unit_id) if person.unit_id else NO_UNIT
    jobs = list(db.session.scalars(people.open_jobs(person)))
    staff_of: dict[int, list[User]] = {}

    def assignable(req) -> list[User]:
        """Who could take over `req`: the active staff of its unit but `person`."""
        if req.unit_id not in staff_of:
            found = db.session.scalars(assignable_staff(req.unit_id)).all()
            staff_of[req.unit_id] = [u for u in found if u.id != person.id]
        return staff_of[req.unit_id]

    return (
        render_template(
            "admin/user.html",
            person=person,
            jobs=jobs,
            assignable=assignable,
            manage=can_manage_person(current_user, person),
            pending=people.is_pending(person),
            disable_reason=None if person.active else people.last_disable_reason(person),
            role_label=ROLE_LABELS.get(person.role, person.role.value),
            change_form=change_form,
            disable_form=forms.get("disable_form") or DisableForm(formdata=None),
            enable_form=forms.get("enable_form") or EnableForm(formdata=None),
        ),
        status,
    )


@bp.route("/users/<int:user_id>")
@permission_required(can_administer)
def user(user_id: int):
    return _page(get_person_or_404(user_id))


def _managed_or_403(user_id: int) -> User:
    person = get_person_or_404(user_id)
    if not can_manage_person(current_user, person):
        abort(403)  # their own account: seen, not changed
    return person


def _refused(person: User, exc: people.PersonRefused, **forms):
    db.session.rollback()
    flash(str(REFUSALS.get(exc.code, REFUSALS["role_not_allowed"])), "error")
    return _page(get_person_or_404(person.id), 409, **forms)


def _done(person: User, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@permission_required(can_administer)
def disable(user_id: int):
    person = _managed_or_403(user_id)
    form = DisableForm()
    if not form.validate_on_submit():
        return _page(person, 400, disable_form=form)
    try:
        jobs = people.disable(current_user, person, form.reason.data)
    except people.PersonRefused as exc:
        return _refused(person, exc, disable_form=form)
    message = _("%(name)s is disabled and signed out.", name=person.full_name)
    if jobs:
        message += " " + _("Reassign the open jobs listed below.")
    return _done(person, message)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@permission_required(can_administer)
def enable(user_id: int):
    person = _managed_or_403(user_id)
    form = EnableForm()
    if not form.validate_on_submit():
        return _page(person, 400, enable_form=form)
    try:
        people.enable(current_user, person, form.reason.data or "")
    except people.PersonRefused as exc:
        return _refused(person, exc, enable_form=form)
    return _done(person, _("%(name)s can sign in again.", name=person.full_name))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@permission_required(can_administer)
def change(user_id: int):
    person = _managed_or_403(user_id)
    form = ChangeForm()
    _fill_choices(form, person)
    if not form.validate_on_submit():
        return _page(person, 400, change_form=form)
    role, unit = _chosen(form)
    try:
        people.change(current_user, person, role, unit, form.reason.data)
    except people.PersonRefused as exc:
        return _refused(person, exc, change_form=form)
    return _done(person, _("The role and unit of %(name)s are saved.", name=person.full_name))


@bp.route("/users/<int:user_id>/reinvite", methods=["POST"])
@permission_required(can_administer)
def reinvite(user_id: int):
    person = _managed_or_403(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invitation = people.reinvite(current_user, person)
    except people.PersonRefused as exc:
        return _refused(person, exc)
    db.session.commit()
    return _invitation_page(invitation)
