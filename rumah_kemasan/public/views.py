"""Public pages: landing with the service standard, language switch, health checks."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text

from ..extensions import db
from ..forms import ActionForm
from ..security import safe_next
from ..service_requests.models import ServiceType

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    if current_user.is_authenticated and current_user.is_staff:
        return redirect(url_for("requests.index"))
    services = db.session.scalars(
        select(ServiceType).where(ServiceType.active).order_by(ServiceType.position)
    ).all()
    return render_template("public/home.html", services=services)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in ("id", "en") or not ActionForm().validate_on_submit():
        abort(400)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("public.home"))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ready"}
