"""Sign-in, registration, passwords, the owner's profile and business profiles."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..audit import services as audit
from ..database import long_statements, utcnow, without_write_lock
from ..designs.storage import delete_after_commit
from ..extensions import db
from ..forms import ActionForm
from ..i18n import current_locale
from ..logs import log_event
from ..notifications.forms import preferences_form
from ..permissions import get_business_or_404, role_required, visible_businesses
from ..roles import Role
from ..security import bounded_int, client_address, next_arg
from ..service_requests.sla import format_local
from ..units.services import areas_in, kecamatan_of, units_by_province
from . import privacy, recovery, services
from .forms import (
    BusinessForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetRequestForm,
)
from .models import Area, Business, BusinessScale, ProductCategory, Unit, User

auth_bp = Blueprint("auth", __name__, url_prefix="/auth")
account_bp = Blueprint("account", __name__, url_prefix="/account")


def _start_session(user: User, remember: bool = False) -> None:
    # A fresh session at sign-in (session fixation), keeping only the chosen language.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@auth_bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("public.home"))
    form = RegisterForm()
    with without_write_lock():  # the password is hashed before the write lock is taken
        submitted = form.validate_on_submit()
        password_hash = User.hash_password(form.password.data) if submitted else None
    if submitted:
        phone = form.phone.normalized
        email = (form.email.data or "").strip().lower() or None
        taken = db.session.scalar(select(User).where(User.phone == phone))
        if taken is not None:
            form.phone.errors.append(
                _("This number already has an account. Sign in, or reset the password.")
            )
        elif email and db.session.scalar(select(User).where(User.email == email)):
            form.email.errors.append(
                _("This e-mail already has an account. Sign in, or reset the password.")
            )
        else:
            user = services.register_owner(
                form.full_name.data, phone, email, form.password.data, password_hash=password_hash
            )
            user.locale = session.get("lang", "id")
            db.session.commit()
            _start_session(user)
            flash(_("Welcome! Add your business profile, then file your first request."), "success")
            return redirect(url_for("account.new_business"))
    return render_template(
        "accounts/register.html", form=form, purpose=services.REGISTRATION_PURPOSE
    )


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(next_arg() or url_for("public.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data, client_address())
        except services.Throttled:
            db.session.commit()
            log_event(
                "login.throttled",
                address=client_address(),
                account=services.account_log_key(form.login.data),
            )
            flash(_("Too many attempts. Wait 15 minutes, or reset your password."), "error")
            return render_template("accounts/login.html", form=form), 429
        except services.Disabled:
            db.session.commit()
            flash(
                _(
                    "This account is disabled. If you still work here, ask your supervisor or "
                    "the administrator to enable it."
                ),
                "error",
            )
            return render_template("accounts/login.html", form=form), 403
        if user is not None:
            notices = recovery.take_reset_notices(user)
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            for notice in notices:
                flash(
                    _(
                        "Your password was reset by %(name)s of %(unit)s on %(date)s, after an "
                        "identity check at the counter. If this was not you, contact the office "
                        "at once.",
                        name=notice.by,
                        unit=notice.unit,
                        date=format_local(notice.at, current_locale(), notice.timezone),
                    ),
                    "error",
                )
            return redirect(next_arg() or url_for("public.home"))
        db.session.commit()
        flash(_("The login or password is not correct."), "error")
        status = 200
    return render_template("accounts/login.html", form=form), status


@auth_bp.route("/logout", methods=["POST"])
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        current_user.rotate_session_token()  # every copied cookie and remember cookie dies too
        db.session.commit()
        logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.home"))


@auth_bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    with without_write_lock():  # both hashes (the current password's, the new one's) first
        submitted = form.validate_on_submit()
        password_hash = User.hash_password(form.password.data) if submitted else None
    if submitted:
        current_user.set_password_hash(password_hash)
        db.session.commit()
        _start_session(current_user._get_current_object())
        flash(_("Your password has been changed. Other devices were signed out."), "success")
        return redirect(url_for("account.profile"))
    return render_template("accounts/password.html", form=form)


@auth_bp.route("/reset", methods=["GET", "POST"])
def reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.login.data)
        db.session.commit()
        # The same answer whether or not the account exists.
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/reset.html", form=form)


@auth_bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_with_token(token: str):
    check = services.check_token(token)
    row = check.token
    if check.problem or row is None:  # check_token gives a row whenever there is no problem
        problem = check.problem or "invalid"
        return render_template("accounts/token_invalid.html", problem=problem), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = services.use_token(row, form.password.data)
        if user is None:
            db.session.rollback()
            return render_template("accounts/token_invalid.html", problem="used"), 410
        recovery.on_token_used(row)
        user.last_login_at = utcnow()  # a sign-in (an invited person's first one)
        db.session.commit()
        _start_session(user)
        flash(_("Your password is set. You are signed in."), "success")
        return redirect(url_for("public.home"))
    return render_template("accounts/reset_form.html", form=form, user=row.user)


@account_bp.route("", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower() or None
        clash = email and db.session.scalar(
            select(User).where(User.email == email, User.id != current_user.id)
        )
        if clash:
            form.email.errors.append(_("This e-mail already belongs to another account."))
        else:
            current_user.full_name = form.full_name.data.strip()
            current_user.email = email
            current_user.locale = form.locale.data
            session["lang"] = form.locale.data
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.profile"))

    notify_form = preferences_form(current_user._get_current_object())
    return render_template("accounts/profile.html", form=form, notify_form=notify_form)


def area_choices(unit: Unit) -> dict[str, list[tuple[int, str]]]:
    """The unit's desa/kelurahan grouped by kecamatan, for a grouped select."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for area in db.session.scalars(
        select(Area).where(Area.unit_id == unit.id).order_by(Area.position)
    ):
        groups.setdefault(area.kecamatan, []).append((area.id, area.name))
    return groups


@account_bp.route("/businesses")
@login_required
@role_required(Role.OWNER)
def businesses():
    rows = db.session.scalars(visible_businesses(current_user)).all()
    return render_template("accounts/businesses.html", businesses=rows)


def _save_business(form: BusinessForm, business: Business) -> None:
    business.name = form.name.data.strip()
    business.category = ProductCategory(form.category.data)
    business.scale = BusinessScale(form.scale.data)
    for field in ("nib", "pirt", "bpom", "halal", "cosmetics"):
        setattr(business, field, getattr(form, field).normalized)
    business.area_id = form.area_id.data
    business.banjar = (form.banjar.data or "").strip() or None
    business.address = (form.address.data or "").strip()
    business.gallery_consent = bool(form.gallery_consent.data)


def _business_form(unit: Unit, obj: Business | None = None) -> BusinessForm:
    form = BusinessForm(obj=obj)
    if obj is not None and request.method == "GET":
        form.category.data = obj.category.value
        form.scale.data = obj.scale.value
    form.area_id.choices = area_choices(unit)
    return form


@dataclass
class PlaceStep:
    """Where the owner is in "unit, then kecamatan, then desa/kelurahan" (no JavaScript: each
    choice is a GET form that reloads the page; the answers ride along in the query string)."""

    units: list[tuple[str, list[Unit]]]
    unit: Unit | None
    kecamatan_list: list[str]
    kecamatan: str | None

    @property
    def unit_is_a_choice(self) -> bool:
        """More than one unit: the owner may go back and choose another."""
        return sum(len(units) for _province, units in self.units) > 1


def _place_step(form: BusinessForm) -> PlaceStep:
    """The chosen unit and kecamatan (a chosen desa decides both), and the desa choices."""
    groups = units_by_province()
    every = [u for _province, units in groups for u in units]
    area = None
    if request.method == "POST":
        area_id = bounded_int(request.form.get("area_id"))
        area = db.session.get(Area, area_id) if area_id else None
    unit_id = area.unit_id if area else bounded_int(request.values.get("unit"))
    unit = next((u for u in every if u.id == unit_id), None)
    if unit is None and len(every) == 1:
        unit = every[0]
    kecamatan_list = kecamatan_of(unit.id) if unit else []
    kecamatan: str | None = (
        area.kecamatan if area else (request.values.get("kecamatan") or "").strip()
    )
    if kecamatan not in kecamatan_list:
        kecamatan = kecamatan_list[0] if len(kecamatan_list) == 1 else None
    if unit is not None and kecamatan:
        form.area_id.choices = [(a.id, a.name) for a in areas_in(unit.id, kecamatan)]
    else:
        form.area_id.choices = []
    return PlaceStep(groups, unit, kecamatan_list, kecamatan)


@account_bp.route("/businesses/new", methods=["GET", "POST"])
@login_required
@role_required(Role.OWNER)
def new_business():
    """The unit follows from the desa/kelurahan the owner chooses, never from a default."""
    form = BusinessForm()
    place = _place_step(form)
    if place.unit is not None and form.validate_on_submit():
        business = Business(owner_id=current_user.id, unit_id=place.unit.id)
        _save_business(form, business)
        db.session.add(business)
        services.record_gallery_consent(current_user, business)
        db.session.commit()
        flash(_("Business profile saved."), "success")
        return redirect(url_for("requests.new", business=business.id))
    if request.method == "POST" and place.unit is None:
        form.area_id.errors = [_("Choose the desa or kelurahan.")]
    return render_template("accounts/business_form.html", form=form, business=None, place=place)


@account_bp.route("/businesses/<int:business_id>", methods=["GET", "POST"])
@login_required
@role_required(Role.OWNER)
def edit_business(business_id: int):
    business = get_business_or_404(business_id)
    form = _business_form(business.unit, business)
    if form.validate_on_submit():
        was = business.gallery_consent
        _save_business(form, business)
        if was != business.gallery_consent:
            services.record_gallery_consent(current_user, business)
        db.session.commit()
        flash(_("Business profile saved."), "success")
        return redirect(url_for("account.businesses"))
    return render_template("accounts/business_form.html", form=form, business=business, place=None)


# --- personal data (UU PDP): a copy of everything, and erasure -----------------------------

EXPORTS_PER_WINDOW = 3  # zips of all one's files are heavy; a few per ten minutes is plenty


@account_bp.route("/data")
@login_required
@role_required(Role.OWNER)
def data():

    return render_template("accounts/data.html", form=DeleteAccountForm(), export_form=ActionForm())


@account_bp.route("/data/export", methods=["POST"])
@long_statements
@login_required
@role_required(Role.OWNER)
def data_export():

    if not ActionForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if audit.count_recent(user, "account.export", timedelta(minutes=10)) >= EXPORTS_PER_WINDOW:
        log_event("export.throttled", export="account_data", user_id=user.id)
        return render_template("reports/rate_limited.html"), 429, {"Retry-After": "600"}
    audit.record(user, "account.export", f"user:{user.id}")
    db.session.commit()
    # Built on disk, not in memory, then streamed in chunks; closed once sent (or dropped).
    # Building (PDFs, the ZIP) only reads: no write lock is held meanwhile.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        with without_write_lock():
            privacy.write_export(current_user._get_current_object(), out)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise

    def chunks():
        try:
            while chunk := out.read(256 * 1024):
                yield chunk
        finally:
            out.close()

    response = Response(chunks(), mimetype="application/zip")
    response.headers["Content-Length"] = str(size)
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"rumah-kemasan-data-{utcnow():%Y%m%d}.zip"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@account_bp.route("/data/delete", methods=["POST"])
@login_required
@role_required(Role.OWNER)
def data_delete():

    form = DeleteAccountForm()
    with without_write_lock():  # the password check hashes: before the write lock
        submitted = form.validate_on_submit()
    if not submitted:
        return render_template("accounts/data.html", form=form, export_form=ActionForm()), 200
    user = current_user._get_current_object()
    keys = privacy.erase_owner(user)
    audit.record(user, "account.delete", f"user:{user.id}", {"files": len(keys)}).address = None
    delete_after_commit(db.session, keys)
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Your account and your personal data have been deleted."), "info")
    return redirect(url_for("public.home"))
