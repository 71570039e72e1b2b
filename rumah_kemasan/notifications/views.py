"""In-app notifications (/notifications) and the request PDFs (receipt, handover record)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    has_request_context,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..forms import ActionForm
from ..permissions import can_message_owner, get_request_or_404
from ..service_requests.workflow import Status
from . import documents, services
from . import preferences as prefs
from .forms import preferences_form, wanted
from .models import Notification
from .whatsapp import owner_chat_link

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 50
HANDOVER_STATUSES = (Status.READY, Status.COMPLETED)


@bp.route("/notifications")
@login_required
def index():
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .options(joinedload(Notification.request))
        .order_by(Notification.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render_template("notifications/index.html", rows=rows, text=services.notification_text)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read and open its request."""
    if not ActionForm().validate_on_submit():
        abort(400)
    row = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == current_user.id
        )
    )
    if row is None:
        abort(404)
    services.mark_read(current_user, row.id)
    target = (
        url_for("requests.detail", code=row.request.code)
        if row.request is not None
        else url_for("notifications.index")
    )
    db.session.commit()
    return redirect(target, 303)


@bp.route("/account/notifications", methods=["POST"])
@login_required
def preferences():
    """Save the e-mail choices shown on the account page (/account)."""

    user = current_user._get_current_object()
    form = preferences_form(user)
    if not form.validate_on_submit():
        abort(400)  # selects only: a wrong value was not typed by a person
    prefs.save(user, wanted(form, user))
    db.session.commit()
    flash(_("Your e-mail choices are saved."), "success")
    return redirect(url_for("account.profile"), 303)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"), 303)


def _pdf(body: bytes, filename: str):
    resp = make_response(body)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.route("/requests/<code>/receipt.pdf")
@login_required
def receipt(code: str):
    req = get_request_or_404(code)
    return _pdf(documents.receipt_pdf(req), f"tanda-terima-{req.code}.pdf")


@bp.route("/requests/<code>/handover.pdf")
@login_required
def handover(code: str):
    req = get_request_or_404(code)
    if Status(req.status) not in HANDOVER_STATUSES:
        abort(404)
    return _pdf(documents.handover_pdf(req), f"berita-acara-{req.code}.pdf")


@bp.app_context_processor
def _notification_globals():

    def unread() -> int:
        if not has_request_context() or not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    def whatsapp_for(req):

        if not has_request_context() or not can_message_owner(current_user, req):
            return None
        return owner_chat_link(req)

    return {
        "unread_notifications": unread,
        "whatsapp_for": whatsapp_for,
        "handover_statuses": HANDOVER_STATUSES,
    }
