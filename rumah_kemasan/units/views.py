"""Units in the browser: the admin's list, create and edit, the areas CSV import, and each
unit's public page with its contact."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.models import Area, Unit
from ..extensions import db
from ..permissions import (
    can_administer,
    can_manage_all_units,
    get_managed_unit_or_404,
    managed_units,
    permission_required,
)
from ..security import has_forbidden_chars
from . import services
from .forms import AreasConfirmForm, AreasUploadForm, UnitForm

admin_units_bp = Blueprint("admin_units", __name__, url_prefix="/admin/units")
units_bp = Blueprint("units", __name__, url_prefix="/units")

COLUMN_LABELS = {
    "": _l("whole line"),
    "code": _l("code"),
    "kecamatan": _l("kecamatan"),
    "name": _l("name"),
    "kind": _l("kind"),
}
AREA_PROBLEMS = {
    "too_big": _l("The file is larger than %(kb)s KB. Split it, or remove what is not needed."),
    "too_many_lines": _l("The file has more than %(lines)s lines."),
    "not_utf8": _l("The file is not UTF-8 text. In the spreadsheet, save as “CSV UTF-8”."),
    "control_chars": _l("The file contains characters that are not allowed."),
    "no_file": _l("Choose a CSV file."),
    "empty": _l("The file has no areas."),
    "columns": _l("Expected 4 columns (code, kecamatan, name, kind); this line has %(value)s."),
    "code_format": _l("“%(value)s” is not a region code: digits in groups with dots."),
    "code_prefix": _l(
        "The code “%(value)s” does not start with the unit's region code %(prefix)s."
    ),
    "duplicate_code": _l("This code is already on line %(value)s."),
    "missing": _l("Missing."),
    "too_long": _l("Longer than 120 characters."),
    "kind": _l("“%(value)s” is not a kind: write desa or kelurahan."),
    "duplicate": _l("The same kecamatan and name are already on line %(value)s."),
}


def problem_text(error: services.LineError, unit: Unit) -> str:
    return str(AREA_PROBLEMS[error.problem]) % {
        "value": error.value,
        "prefix": unit.region_code or "",
        "kb": services.MAX_CSV_BYTES // 1024,
        "lines": services.MAX_CSV_LINES,
    }


@admin_units_bp.route("")
@permission_required(can_administer)
def index():
    units = db.session.scalars(managed_units(current_user)).all()
    counts = dict(
        db.session.execute(
            select(Area.unit_id, func.count())
            .where(Area.unit_id.in_([u.id for u in units]))
            .group_by(Area.unit_id)
        ).all()
    )
    return render_template(
        "units/index.html", units=units, counts=counts, zone_label=services.TIMEZONES.get
    )


def _render_form(form: UnitForm, unit: Unit | None):
    return render_template("units/form.html", form=form, unit=unit)


@admin_units_bp.route("/new", methods=["GET", "POST"])
@permission_required(can_manage_all_units)
def new():
    form = UnitForm()
    if form.validate_on_submit():
        unit = Unit()
        services.save_unit(unit, form.values(), current_user)
        db.session.commit()
        flash(_("Unit %(name)s created. Now import its areas.", name=unit.name), "success")
        return redirect(url_for("admin_units.areas", unit_id=unit.id))
    return _render_form(form, None)


@admin_units_bp.route("/<int:unit_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit(unit_id: int):
    unit = get_managed_unit_or_404(unit_id)
    form = UnitForm(obj=unit)
    if request.method == "GET":
        form.whatsapp.data = unit.whatsapp and f"0{unit.whatsapp[2:]}"
    if form.validate_on_submit():
        if services.save_unit(unit, form.values(), current_user):
            db.session.commit()
            flash(_("Unit saved."), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for("admin_units.edit", unit_id=unit.id))
    return _render_form(form, unit)


def _areas_page(unit: Unit, upload: AreasUploadForm, plan=None, confirm=None, file_error=None):
    errors = [
        (e.line, COLUMN_LABELS[e.column], problem_text(e, unit))
        for e in (plan.errors if plan else [])
    ]
    return render_template(
        "units/areas.html",
        unit=unit,
        counts=services.area_counts(unit),
        upload=upload,
        plan=plan,
        errors=errors,
        confirm=confirm,
        file_error=file_error,
    )


@admin_units_bp.route("/<int:unit_id>/areas", methods=["GET", "POST"])
@permission_required(can_administer)
def areas(unit_id: int):
    """GET: the areas per kecamatan and the upload. POST a file: the preview, nothing saved.
    POST the confirmation: the same text is checked again, then saved in one transaction."""
    unit = get_managed_unit_or_404(unit_id)
    upload = AreasUploadForm()
    if request.method == "GET":
        return _areas_page(unit, upload)
    confirm = AreasConfirmForm()
    if "csv_text" in request.form:
        if not confirm.validate_on_submit():
            abort(400)
        text = confirm.csv_text.data or ""
    else:
        if not upload.validate_on_submit():
            abort(400)
        data = upload.file.data.read(services.MAX_CSV_BYTES + 4) if upload.file.data else b""
        if not data:
            return _areas_page(unit, upload, file_error=AREA_PROBLEMS["no_file"]), 422
        if len(data) > services.MAX_CSV_BYTES + 3:  # + a BOM
            return _areas_page(unit, upload, file_error=problem_text(_whole("too_big"), unit)), 422
        decoded = services.decode_csv(data)
        if decoded is None:
            return _areas_page(unit, upload, file_error=AREA_PROBLEMS["not_utf8"]), 422
        text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    if has_forbidden_chars(text, multiline=True):
        return _areas_page(unit, upload, file_error=AREA_PROBLEMS["control_chars"]), 422
    plan = services.parse_areas(text, unit)
    if plan.errors:
        return _areas_page(unit, upload, plan=plan), 422
    if "csv_text" in request.form:
        counts = services.apply_areas(unit, plan, current_user)
        db.session.commit()
        flash(
            _(
                "Areas saved: %(created)s new, %(updated)s updated, %(same)s unchanged.",
                created=counts["create"],
                updated=counts["update"],
                same=counts["same"],
            ),
            "success",
        )
        return redirect(url_for("admin_units.areas", unit_id=unit.id))
    confirm = AreasConfirmForm(formdata=None, csv_text=text)
    return _areas_page(unit, upload, plan=plan, confirm=confirm)


def _whole(problem: str) -> services.LineError:
    return services.LineError(0, "", problem)


@admin_units_bp.route("/<int:unit_id>/areas/sample.csv")
@permission_required(can_administer)
def areas_sample(unit_id: int):
    get_managed_unit_or_404(unit_id)
    response = Response(services.SAMPLE_CSV.encode("utf-8"), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename="areas-sample.csv")
    return response


@units_bp.route("/<slug>")
def page(slug: str):
    """A unit's public page: where it is, when it is open, how to reach it."""
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        abort(404)
    return render_template("units/page.html", unit=unit, kecamatan=services.area_counts(unit))
