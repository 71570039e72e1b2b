"""Request pages: the list, filing, the detail page with its timeline, and POST actions."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.models import Unit, User
from ..accounts.services import set_password_link
from ..accounts.views import area_choices
from ..database import utcnow, without_write_lock
from ..designs import services as designs
from ..designs.models import DesignKind
from ..designs.services import snapshot
from ..designs.validation import Inspected, UploadRejected
from ..designs.views import files_context, refused_line
from ..extensions import db
from ..formats import whatsapp_link
from ..forms import FORBIDDEN_CHARS_MESSAGE, ActionForm, refusal_message
from ..i18n import current_locale
from ..permissions import (
    assignable_staff,
    can_act_on_request,
    can_assign,
    can_comment,
    can_edit_request,
    can_file_walk_in,
    can_make_owner_link,
    can_see_internal,
    can_upload,
    get_business_or_404,
    get_request_or_404,
    is_unit_staff,
    owner_account_help,
    permission_required,
    role_required,
    sees_every_unit,
    visible_businesses,
    watches_revision_limits,
)
from ..roles import Role
from ..security import arg_int, arg_text, next_arg, small_int
from . import catalog, queries, services
from .actions import actions_for
from .filters import parse_report_args
from .forms import (
    MARKET_LABELS,
    AssignForm,
    CommentForm,
    RequestForm,
    TransitionForm,
    WalkInForm,
    extra_field_name,
    with_extra_fields,
)
from .models import ServiceType
from .workflow import Status

bp = Blueprint("requests", __name__, url_prefix="/requests")

REFUSAL_MESSAGES = {
    "no_such_transition": _("This step is not possible from the current status."),
    "forbidden": _("Your account may not take this step."),
    "note_required": _("Write a note for this step."),
    "assignee_required": _("Choose a designer of this unit."),
    "draft_required": _("Upload a new draft before sending the proof."),
    "checklist_incomplete": _(
        "Fill in the label checklist before sending the proof: every mandatory item OK, "
        "or not applicable with a reason."
    ),
    "printing_required": _("This service does not include printing."),
    "no_printing_only": _("This service includes printing: send it to production first."),
    "final_required": _("Upload the final file before completing."),
    "handover_required": _("Record the handover before completing."),
    "proof_required": _("There is no proof to decide on yet."),
    "checklist_failed": _(
        "The label checklist of the approved design has mandatory items that are neither "
        "passed nor marked not applicable with a reason."
    ),
}


NOT_OFFERED = _l("This packaging house does not offer this service. Choose another one.")


def _refusal_message(code: str) -> str:
    return _(REFUSAL_MESSAGES[code]) if code in REFUSAL_MESSAGES else code


def _parse_filters() -> queries.ListFilters:
    args = request.args
    status = args.get("status")
    assignee = args.get("assignee", "")
    if assignee == "me" and is_unit_staff(current_user):
        assignee = str(current_user.id)
    sort = args.get("sort", "newest")
    report = parse_report_args(args)
    if not sees_every_unit(current_user):
        report.unit_id = None  # the scope confines everyone else to their unit: no ?unit=
    return queries.ListFilters(
        status=Status(status)
        if status is not None and status in Status._value2member_map_
        else None,
        service_type_id=small_int(args.get("service")),
        assignee_id=small_int(assignee),
        unassigned=assignee == "none",
        overdue=args.get("overdue") == "1",
        due_this_week=args.get("week") == "1",
        text=arg_text("q", 100),
        sort=sort if sort in queries.SORTS else "newest",
        report=report,
    )


def _parse_cursor() -> queries.Cursor | None:
    raw = request.args.get("after", "")
    at, _sep, raw_rid = raw.rpartition("_")
    rid = small_int(raw_rid)
    if rid is None:
        return None
    if at == "none":
        return None, rid
    try:
        parsed = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), rid


def _format_cursor(cursor: queries.Cursor) -> str:
    at, rid = cursor
    return f"{at.isoformat() if at else 'none'}_{rid}"


@bp.route("")
@login_required
def index():
    filters = _parse_filters()
    now = utcnow()
    page_size = 25
    rows = (
        db.session.scalars(
            queries.request_list(
                current_user, filters, now=now, after=_parse_cursor(), limit=page_size + 1
            )
        )
        .unique()
        .all()
    )
    more = len(rows) > page_size
    rows = rows[:page_size]
    next_cursor = _format_cursor(queries.cursor_of(rows[-1], filters.sort)) if more else None
    services_list = db.session.scalars(select(ServiceType).order_by(ServiceType.position)).all()
    staff = []
    if is_unit_staff(current_user):
        staff = db.session.scalars(queries.designers(current_user.unit_id)).all()
    units = []
    if sees_every_unit(current_user):
        units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
        if filters.report is not None and filters.report.unit_id:  # that unit's designers
            staff = db.session.scalars(queries.designers(filters.report.unit_id)).all()
    return render_template(
        "requests/index.html",
        rows=rows,
        filters=filters,
        next_cursor=next_cursor,
        services=services_list,
        staff=staff,
        units=units,
        now=now,
    )


def _request_form(obj=None, form_class=RequestForm) -> RequestForm:
    """The filing form with the services offered by the business's unit (and, for owners,
    their businesses): an owner's businesses' units, or the walk-in staff member's own unit.

    The page shows each unit's catalog with its terms; the form refuses a service the chosen
    business's unit does not offer, and asks the chosen service's extra questions.
    """
    businesses = []
    unit_of: dict[int, int] = {}
    if form_class.business_id is not None:
        businesses = list(db.session.scalars(visible_businesses(current_user)))
        unit_of = {b.id: b.unit_id for b in businesses}
    units = list(dict.fromkeys(b.unit for b in businesses) if businesses else [current_user.unit])
    catalogs = [(unit, catalog.offered_services(unit)) for unit in units if unit is not None]
    offers = [offer for _unit, unit_offers in catalogs for offer in unit_offers]
    kept = catalog.offer_of_request(obj) if obj is not None else None
    if kept is not None and kept not in offers:
        offers.append(kept)  # the request's own service, since disabled: its questions stay

    def offer_of(form: RequestForm):
        unit_id = unit_of.get(form.business_id.data) if businesses else current_user.unit_id
        if unit_id is None:
            return None
        if obj is not None and (unit_id, form.service_type_id.data) == (
            obj.unit_id,
            obj.service_type_id,
        ):
            return catalog.offer_of_request(obj)  # its own service: kept even if now disabled
        try:
            return catalog.offer_for(unit_id, form.service_type_id.data)
        except catalog.NotOffered:
            return None

    extended = with_extra_fields(form_class, offers, current_locale())
    form = extended(obj=obj, offer_of=offer_of, offers=offers)
    service_rows = list({o.service_type_id: o.service_type for o in offers}.values())
    if obj is not None and obj.service_type not in service_rows:
        service_rows.append(obj.service_type)  # no longer offered: the form says so on saving
    form.service_type_id.choices = [(s.id, s.name(current_locale())) for s in service_rows]
    form.catalogs = catalogs
    if form.business_id is not None:
        form.business_id.choices = [(b.id, b.name) for b in businesses]
    if obj is not None and request.method == "GET":
        form.product_category.data = obj.product_category.value
        form.target_market.data = obj.target_market.value
        _fill_answers(form, obj, offers)
    return form


def _fill_answers(form: RequestForm, req, offers) -> None:
    """Show a request's stored answers in its service's extra fields (the edit form)."""
    answers = {a["key"]: a["value"] for a in req.extra_answers or []}
    for offer in offers:
        if offer.unit_id == req.unit_id and offer.service_type_id == req.service_type_id:
            for question in catalog.extra_fields(offer):
                form[extra_field_name(offer, question)].data = answers.get(question.key, "")


def _input_from(form: RequestForm, business=None) -> services.RequestInput:
    """The request's fields from a filing form; the business is the owner's choice by default."""
    service_type = db.session.get(ServiceType, form.service_type_id.data)
    if service_type is None:  # the form offered only existing ones: a forged or stale post
        abort(400)
    return services.RequestInput(
        business=business or get_business_or_404(form.business_id.data),
        service_type=service_type,
        product_name=form.product_name.data,
        product_category=form.product_category.data,
        brief=form.brief.data,
        target_market=form.target_market.data,
        quantity=form.quantity.data,
        packaging_type=form.packaging_type.data,
        answers=form.answers,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@role_required(Role.OWNER, Role.STAFF, Role.SUPERVISOR)
def new():
    if can_file_walk_in(current_user):
        return _walk_in()
    form = _request_form()
    if not form.business_id.choices:
        flash(_("Add your business profile first."), "info")
        return redirect(url_for("account.new_business"))
    if request.method == "GET" and arg_int("business"):
        form.business_id.data = arg_int("business")
    if form.validate_on_submit():
        photos, refused = _inspect_before_photos(form)
        if not refused:
            try:
                req = services.file_request(_input_from(form), current_user)
            except catalog.NotOffered:  # disabled while the photos were being checked
                db.session.rollback()
                form.service_type_id.errors.append(NOT_OFFERED)
                return render_template("requests/form.html", form=form, req=None)
            added, refused = _store_before_photos(req, photos)
            if not refused:
                db.session.commit()
                flash(_("Your request %(code)s has been filed.", code=req.code), "success")
                if added:
                    flash(_("Added: %(names)s", names=", ".join(added)), "success")
                return redirect(url_for("requests.detail", code=req.code))
            db.session.rollback()  # the request, its events and every photo stored with it
        form.photos.errors.extend(refused)
    if _chosen_photos(form):
        # A browser never fills a file input again: say so, next to the input.
        form.photos.errors.append(_("Your text is kept; choose the photos again."))
    return render_template("requests/form.html", form=form, req=None)


def _chosen_photos(form: RequestForm) -> list:
    if not form.is_submitted():
        return []
    return [f for f in request.files.getlist(form.photos.name) if f and f.filename is not None]


def _inspect_before_photos(form: RequestForm) -> tuple[list[tuple[Inspected, int]], list[str]]:
    """Judge and clean the chosen photos (designs.services.inspect) with no write lock held.

    Everything loaded before is expired by the block: the request is then filed from rows
    read again inside the write transaction (get_business_or_404 checks the business anew).
    """
    uploads = _chosen_photos(form)
    if not uploads:
        return [], []
    inspected, refused = [], []
    with without_write_lock():
        for item in uploads:
            data = item.read()
            name = item.filename or ""
            try:
                inspected.append((designs.inspect(DesignKind.BEFORE, name, data), len(data)))
            except UploadRejected as exc:
                refused.append(refused_line(name, exc.code))
    return inspected, refused


def _store_before_photos(req, photos: list[tuple[Inspected, int]]) -> tuple[list[str], list[str]]:
    """Store the inspected photos in the request's transaction: (names added, refusals).

    The caller rolls back on any refusal, so the request and its photos are kept together or
    not at all (a failed disk write deletes the files already written for it).
    """
    if photos and not can_upload(current_user, req, DesignKind.BEFORE):
        abort(403)
    added = []
    for result, size in photos:
        try:
            added.append(designs.store(req, current_user, DesignKind.BEFORE, result, size))
        except UploadRejected as exc:
            return [], [refused_line(result.display_name, exc.code)]
    return [f.display_name for f in added], []


def _walk_in():
    """Staff file for an owner at the counter; a new owner gets a passwordless account."""
    form = _request_form(form_class=WalkInForm)
    form.area_id.choices = area_choices(current_user.unit)
    valid_areas = {a for group in form.area_id.choices.values() for a, _name in group}
    if form.validate_on_submit():
        if form.area_id.data not in valid_areas:
            form.area_id.errors.append(_("Choose the desa or kelurahan."))
        else:
            try:
                owner, business, created = services.find_or_create_walk_in_owner(
                    services.WalkInOwner(
                        phone=form.owner_phone.normalized,
                        full_name=form.owner_name.data,
                        business_name=form.business_name.data,
                        business_category=form.product_category.data,
                        business_scale=form.business_scale.data,
                        area_id=form.area_id.data,
                    ),
                    current_user,
                )
            except services.PhoneTaken:
                form.owner_phone.errors.append(
                    _("This number belongs to a staff account; use the owner's own number.")
                )
            else:
                req = services.file_request(
                    _input_from(form, business), owner, filed_by=current_user
                )
                link = wa = None
                # Only a walk-in who never had a password and belongs to this unit alone: a
                # walk-in for another unit's owner files the request and gains nothing more.
                if can_make_owner_link(current_user, req):
                    link = set_password_link(owner, current_user)
                    wa = whatsapp_link(owner.phone, _owner_link_text(req, link))
                db.session.commit()
                flash(_("Request %(code)s has been filed.", code=req.code), "success")
                if link is None:
                    return redirect(url_for("requests.detail", code=req.code))
                return render_template(
                    "requests/owner_link.html", req=req, link=link, wa=wa, created=created
                )
    return render_template("requests/walk_in.html", form=form)


def _owner_link_text(req, link: str) -> str:
    """The prefilled WhatsApp text in the owner's language: the code and the link, nothing else."""
    with force_locale(req.applicant.locale or "id"):
        return _(
            "Hello, your Rumah Kemasan request is registered as %(code)s. "
            "Set the password of your account with this link (it works once): %(link)s",
            code=req.code,
            link=link,
        )


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
@role_required(Role.OWNER)
def edit(code: str):
    req = get_request_or_404(code)
    if not can_edit_request(current_user, req):
        abort(409)  # their own request (or 404 above), but no longer open to changes
    form = _request_form(obj=req)
    if form.validate_on_submit():
        services.update_request(req, current_user, _input_from(form))
        db.session.commit()
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("requests.detail", code=req.code))
    return render_template("requests/form.html", form=form, req=req)


@bp.route("/<code>")
@login_required
def detail(code: str):
    req = get_request_or_404(code)
    internal = can_see_internal(current_user)
    events = db.session.scalars(queries.timeline(req, include_internal=internal)).all()
    snap = snapshot(req)
    staff: list[User] = []
    if can_assign(current_user, req):
        staff = list(db.session.scalars(assignable_staff(req.unit_id)))
    owner_help = owner_account_help(current_user, req)  # one answer, one query
    return render_template(
        "requests/detail.html",
        owner_link_allowed=owner_help == "link",
        recovery_allowed=owner_help == "recovery",
        market_labels=MARKET_LABELS,
        **files_context(req, snap),
        req=req,
        events=events,
        actions=actions_for(current_user, req, snap),
        staff=staff,
        comment_form=CommentForm(),
        now=utcnow(),
        internal=internal,
    )


def _back(req):
    return redirect(url_for("requests.detail", code=req.code))


@bp.route("/<code>/transition", methods=["POST"])
@login_required
def transition(code: str):
    req = get_request_or_404(code)
    form = TransitionForm()
    if not form.validate_on_submit() or form.target.data not in Status._value2member_map_:
        if FORBIDDEN_CHARS_MESSAGE in form.note.errors:
            flash(str(FORBIDDEN_CHARS_MESSAGE), "error")
            return _back(req)
        abort(400)
    if not can_act_on_request(current_user, req):
        abort(403)
    assignee = None
    if form.assignee_id.data:
        assignee = db.session.get(User, form.assignee_id.data)
    seen = form.version.data  # a bounded integer, or the form was refused above
    try:
        services.transition(
            req,
            current_user,
            Status(form.target.data),
            form.note.data,
            seen_version=seen,
            assignee=assignee,
            internal=bool(form.internal.data),
            proof_sha256=form.proof_sha256.data or None,
        )
    except services.Refused as exc:
        db.session.rollback()
        if exc.refusal.http_status == 403:
            abort(403)
        # Show the request as it is now, with the reason, and say so in the status code.
        flash(_refusal_message(exc.refusal.code), "error")
        return detail(code), exc.refusal.http_status
    db.session.commit()
    flash(_("Status changed to: %(status)s", status=_status(req.status)), "success")
    return _back(req)


def _status(status) -> str:
    return _(Status(status).label)  # workflow's English label is the msgid


@bp.route("/<code>/comments", methods=["POST"])
@login_required
def add_comment(code: str):
    req = get_request_or_404(code)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(refusal_message(form, _("Write a comment first.")), "error")
        return _back(req)
    if not can_comment(current_user, req):
        abort(403)
    services.comment(req, current_user, form.text.data, internal=bool(form.internal.data))
    db.session.commit()
    flash(_("Comment added."), "success")
    return _back(req)


@bp.route("/<code>/assign", methods=["POST"])
@login_required
@role_required(Role.SUPERVISOR)
def assign(code: str):
    req = get_request_or_404(code)
    form = AssignForm()
    form.assignee_id.choices = [
        (u.id, u.full_name) for u in db.session.scalars(assignable_staff(req.unit_id))
    ]
    if not form.validate_on_submit():
        flash(refusal_message(form, _("Choose a designer and give a reason.")), "error")
        return _back(req)
    try:
        services.assign(
            req,
            current_user,
            db.session.get(User, form.assignee_id.data),
            form.reason.data,
            seen_version=small_int(form.version.data) or abort(400),
        )
    except services.Refused as exc:
        db.session.rollback()
        flash(_refusal_message(exc.refusal.code), "error")
        return _back(req)
    db.session.commit()
    flash(_("The job is assigned."), "success")
    # from a person's page in /admin/users (their open jobs), back there
    back = next_arg()
    return redirect(back) if back else _back(req)


@bp.route("/<code>/owner-link", methods=["POST"])
@login_required
@role_required(Role.STAFF, Role.SUPERVISOR)
def owner_link(code: str):
    """A one-time set-password link for the owner, to send by WhatsApp (no e-mail needed)."""
    req = get_request_or_404(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not can_make_owner_link(current_user, req):
        abort(403)
    link = set_password_link(req.applicant, current_user)
    db.session.commit()
    return render_template(
        "requests/owner_link.html",
        req=req,
        link=link,
        wa=whatsapp_link(req.applicant.phone, _owner_link_text(req, link))
        if req.applicant.phone
        else None,
    )


desk_bp = Blueprint("desk", __name__)


@desk_bp.route("/desk")
@login_required
@permission_required(is_unit_staff)
def desk():
    """The staff desk: my open jobs (overdue first), the queue to claim, new requests to check."""
    now = utcnow()

    def rows(stmt):
        return db.session.scalars(stmt).unique().all()

    over_limit = []
    if watches_revision_limits(current_user):
        over_limit = rows(queries.over_revision_limit(current_user))
    return render_template(
        "requests/desk.html",
        counts=queries.desk_counts(current_user, now),
        mine=rows(queries.my_jobs(current_user, now)),
        queue=rows(queries.claim_queue(current_user, now)),
        fresh=rows(queries.to_verify(current_user)),
        over_limit=over_limit,
        claim_form=TransitionForm(),
        now=now,
    )
