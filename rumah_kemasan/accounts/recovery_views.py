"""Account recovery at the counter: record the identity check, approve it, hand the link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..formats import whatsapp_link
from ..permissions import (
    can_decide_recovery,
    can_issue_recovery_link,
    can_record_recovery,
    get_recovery_or_404,
    get_request_or_404,
    role_required,
    visible_recoveries,
)
from ..roles import Role
from . import recovery
from .forms import DOCUMENT_LABELS, IdentityCheckForm, RecoveryDecisionForm
from .models import IdentityDocument
from .services import external_url

bp = Blueprint("recovery", __name__)

STAFF = (Role.STAFF, Role.SUPERVISOR)


@bp.route("/requests/<code>/owner-recovery", methods=["GET", "POST"])
@login_required
@role_required(*STAFF)
def new(code: str):
    """Record the identity check of the owner of request `code`, standing at the counter."""
    req = get_request_or_404(code)
    if not can_record_recovery(current_user, req):
        abort(403)
    form = IdentityCheckForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = recovery.record_check(
                current_user,
                req,
                recovery.IdentityCheck(
                    document=IdentityDocument(form.document.data),
                    last4=form.last4.data.upper(),
                    reason=form.reason.data,
                ),
            )
        except recovery.RecoveryRefused as exc:
            db.session.rollback()
            if exc.code == "open" and exc.existing is not None:
                flash(_("A recovery for this owner is already open."), "info")
                return redirect(url_for("recovery.detail", recovery_id=exc.existing.id))
            flash(_("This owner has no business or request in any unit."), "error")
            status = 409
        else:
            db.session.commit()
            flash(
                _(
                    "The identity check is recorded. A supervisor of %(unit)s must approve it.",
                    unit=row.unit.name,
                ),
                "success",
            )
            return redirect(url_for("recovery.detail", recovery_id=row.id))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/recovery_new.html", form=form, req=req), status


@bp.route("/recoveries")
@login_required
@role_required(*STAFF)
def index():
    rows = db.session.scalars(visible_recoveries(current_user).limit(100)).all()
    return render_template("accounts/recovery_index.html", rows=rows)


@bp.route("/recoveries/<int:recovery_id>")
@login_required
@role_required(*STAFF)
def detail(recovery_id: int):
    row = get_recovery_or_404(recovery_id)
    return render_template(
        "accounts/recovery_detail.html",
        row=row,
        document_label=DOCUMENT_LABELS[row.document],
        form=RecoveryDecisionForm(),
        may_decide=can_decide_recovery(current_user, row),
        may_link=can_issue_recovery_link(current_user, row),
    )


@bp.route("/recoveries/<int:recovery_id>/decide", methods=["POST"])
@login_required
@role_required(*STAFF)
def decide(recovery_id: int):
    row = get_recovery_or_404(recovery_id)
    if not can_decide_recovery(current_user, row):
        abort(403)
    form = RecoveryDecisionForm()
    choice = request.form.get("decision")
    if not form.validate_on_submit() or choice not in ("approve", "refuse"):
        abort(400)
    recovery.decide(current_user, row, choice == "approve", form.note.data)
    db.session.commit()
    flash(
        _(
            "Approved: %(name)s can now be given a set-password link.",
            name=row.recorded_by.full_name,
        )
        if row.approved
        else _("Refused: no link can be made for this check."),
        "success",
    )
    return redirect(url_for("recovery.detail", recovery_id=row.id))


@bp.route("/recoveries/<int:recovery_id>/link", methods=["POST"])
@login_required
@role_required(*STAFF)
def link(recovery_id: int):
    row = get_recovery_or_404(recovery_id)
    form = RecoveryDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if not can_issue_recovery_link(current_user, row):
        abort(403)
    raw = recovery.issue_link_token(current_user, row)
    db.session.commit()
    url = external_url("auth.reset_with_token", token=raw)
    text = _(
        "Hello, this is Rumah Kemasan. Set a new password for your account with this link "
        "(it works once, within 30 minutes): %(link)s",
        link=url,
    )
    return render_template(
        "accounts/recovery_link.html",
        row=row,
        link=url,
        wa=whatsapp_link(row.owner.phone, text) if row.owner.phone else None,
    )
