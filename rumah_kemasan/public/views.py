"""Public pages: landing with the service standard, status check, language switch, health."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from ..accounts.models import Unit, User
from ..database import probe, request_id, utcnow
from ..extensions import db, login_manager
from ..formats import phone_last4
from ..forms import ActionForm, Form
from ..logs import log_event
from ..notifications.models import TrackAttempt
from ..permissions import is_unit_staff
from ..security import arg_text, client_address, safe_next
from ..service_requests import catalog
from ..service_requests.models import EventKind, RequestEvent, ServiceRequest

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    if is_unit_staff(current_user):
        return redirect(url_for("requests.index"))
    unit = _public_unit()
    units = db.session.scalars(select(Unit).order_by(Unit.province, Unit.name)).all()
    return render_template(
        "public/home.html", unit=unit, units=units, services=catalog.offered_services(unit)
    )


def _public_unit() -> Unit | None:
    """The unit whose catalog the landing page shows: `?unit=<slug>`, else the first unit."""
    slug = arg_text("unit", 60)
    if slug:
        unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
        if unit is None:
            abort(404)
        return unit
    return db.session.scalar(select(Unit).order_by(Unit.id))


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
    """Ready when the database answers `SELECT 1` within READYZ_TIMEOUT, whatever it does."""

    if probe.ready(db.engine, current_app.config["READYZ_TIMEOUT"]):
        return {"status": "ready"}

    error_id = secrets.token_hex(4)
    logging.getLogger(__name__).error(
        "database unavailable error_id=%s request_id=%s path=/readyz", error_id, request_id()
    )
    g._login_user = login_manager.anonymous_user()  # the page must not need the database
    body = render_template("errors/unavailable.html", error_id=error_id)
    return body, 503, {"Retry-After": "5"}


class TrackForm(Form):
    code = StringField(
        _l("Request code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("As printed on your receipt, for example RK-2026-00042."),
    )
    last4 = StringField(
        _l("Last four digits of your phone number"),
        validators=[DataRequired(), Regexp(r"^\s*[0-9]{4}\s*$")],
    )


TRACK_WINDOW = timedelta(minutes=1)


def _track_throttled() -> bool:
    """Count this try (committed first, so a burst sees itself) and say if it is one too many."""
    address = client_address()
    now = utcnow()
    db.session.execute(
        delete(TrackAttempt).where(
            TrackAttempt.address == address, TrackAttempt.at < now - 60 * TRACK_WINDOW
        )
    )
    db.session.add(TrackAttempt(address=address, at=now))
    db.session.commit()
    tries = db.session.scalar(
        select(func.count()).where(
            TrackAttempt.address == address, TrackAttempt.at > now - TRACK_WINDOW
        )
    )
    return tries > current_app.config["TRACK_MAX_PER_MINUTE"]


def _find_tracked(code: str, last4: str) -> ServiceRequest | None:
    """The request with this code whose owner's phone ends in `last4`, else None."""
    req = db.session.scalar(
        select(ServiceRequest).where(ServiceRequest.code == code.strip().upper()[:20])
    )
    phone = ""
    if req is not None:
        phone = db.session.scalar(select(User.phone).where(User.id == req.applicant_id)) or ""
    # Compare even when the code is unknown, so both misses cost the same.
    digits_match = hmac.compare_digest(
        (phone_last4(phone) or "----").encode(), last4.strip().encode()
    )
    return req if req is not None and digits_match else None


@bp.route("/track", methods=["GET", "POST"])
def track():
    """Public status check: request code + last four digits of the owner's phone."""
    form = TrackForm()
    if request.method == "GET":
        form.code.data = arg_text("code", 20)
        return render_template("public/track.html", form=form, req=None, not_found=False)
    if _track_throttled():
        log_event("track.throttled", address=client_address())
        body = render_template("public/track_throttled.html")
        return body, 429, {"Retry-After": str(int(TRACK_WINDOW.total_seconds()))}
    req = None
    if form.validate_on_submit():
        req = _find_tracked(form.code.data, form.last4.data)
    if req is None:
        # One answer for a wrong code, wrong digits or a malformed entry; nothing echoed back.
        return render_template(
            "public/track.html", form=TrackForm(formdata=None), req=None, not_found=True
        )
    steps = db.session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == req.id, RequestEvent.kind == EventKind.STATUS)
        .order_by(RequestEvent.id)
    ).all()
    return render_template(
        "public/track.html",
        form=TrackForm(formdata=None),
        req=req,
        steps=[(e.to_status, e.created_at) for e in steps],
        not_found=False,
    )
