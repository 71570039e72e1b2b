"""/admin/import: bring an office's spreadsheet of requests in (issue 15, docs/import.md).

An admin (choosing the unit) or a supervisor (their own unit) downloads the template, uploads
the filled file, reads the check (every bad cell by row and column, or what will be created),
and confirms. Nothing is saved before the confirmation, which saves the whole file in one
transaction; another unit answers 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Area, Unit
from ..database import without_write_lock
from ..extensions import db
from ..permissions import (
    can_administer,
    get_managed_unit_or_404,
    managed_units,
    permission_required,
)
from ..security import arg_int, bounded_int
from ..service_requests.models import ServiceType
from . import services, staging
from .forms import ConfirmForm, UploadForm
from .spreadsheet import template_csv, template_xlsx
from .validation import COLUMNS, HINTS, IMPORTABLE

bp = Blueprint("admin_import", __name__, url_prefix="/admin/import")

MAX_BYTES = 5 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _units() -> list[Unit]:
    return list(db.session.scalars(managed_units(current_user)))


def _chosen_unit(units: list[Unit], unit_id: int | None) -> Unit | None:
    """The unit asked for (404 if the user does not manage it), else the first they manage."""
    if unit_id is not None:
        return get_managed_unit_or_404(unit_id)
    return units[0] if units else None


def _page(form: UploadForm, unit: Unit | None, units: list[Unit], **context) -> str:
    areas: dict[str, list[str]] = {}
    if unit is not None:
        for kecamatan, name in db.session.execute(
            select(Area.kecamatan, Area.name)
            .where(Area.unit_id == unit.id)
            .order_by(Area.kecamatan, Area.position, Area.name)
        ):
            areas.setdefault(kecamatan, []).append(name)
    return render_template(
        "onboarding/index.html",
        form=form,
        unit=unit,
        units=units,
        columns=COLUMNS,
        hints=HINTS,
        areas=areas,
        service_codes=_service_codes(),
        statuses=IMPORTABLE,
        **context,
    )


@bp.route("", methods=["GET", "POST"])
@permission_required(can_administer)
def index():
    """The page: template links, the upload form, then the check of the uploaded file."""
    units = _units()
    form = UploadForm()
    form.unit_id.choices = [(u.id, u.name) for u in units]
    if request.method == "GET":
        unit = _chosen_unit(units, arg_int("unit"))
        if unit is not None:
            form.unit_id.data = unit.id
        return _page(form, unit, units)
    posted = request.form.get("unit_id", "")
    if posted:
        unit_id = bounded_int(posted)
        if unit_id is None:
            abort(404)
        get_managed_unit_or_404(unit_id)  # another unit's id answers 404, before anything else
    unit = _chosen_unit(units, form.unit_id.data if posted else None)
    upload = request.files.get(form.file.name)
    if not form.validate_on_submit() or unit is None:
        return _page(form, unit, units)
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose the file to import.")]
        return _page(form, unit, units)
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        form.file.errors = [_("The file is larger than 5 MB: split it into several files.")]
        return _page(form, unit, units)
    with without_write_lock():  # reading 1,000 rows takes a second or two; nothing is written
        checked = services.check_file(unit, data)
    if not checked.ok:
        return _page(form, unit, units, checked=checked, filename=upload.filename)
    token = staging.keep(data, current_user.id, unit.id, upload.filename[:200])
    confirm = ConfirmForm(token=token)
    return _page(form, unit, units, checked=checked, filename=upload.filename, confirm=confirm)


@bp.route("/confirm", methods=["POST"])
@permission_required(can_administer)
def confirm():
    """Save the checked file in one transaction (checked again against the database now)."""
    form = ConfirmForm()
    staged = staging.load(form.token.data, current_user.id) if form.validate_on_submit() else None
    if staged is None:
        flash(_("No checked file is waiting (it is saved for an hour): upload it again."), "error")
        return redirect(url_for(".index"), 303)
    with without_write_lock():  # the slow part, parsing, holds no write lock
        table, problems = services.parse(staged.data)
    unit = get_managed_unit_or_404(staged.unit_id)
    if problems:  # the staged file was read once already: only if the disk failed
        checked = services.Checked(services.Plan(unit), problems)
    else:
        checked = services.check_table(unit, table)
    if not checked.ok:  # the database changed since the preview
        units = _units()
        upload_form = UploadForm(formdata=None, unit_id=unit.id)
        upload_form.unit_id.choices = [(u.id, u.name) for u in units]
        return _page(upload_form, unit, units, checked=checked, filename=staged.filename)
    try:
        audit = services.apply(checked.plan, current_user, staged.filename)
        db.session.commit()
    except IntegrityError:  # the same file confirmed twice at once: the second one lost
        db.session.rollback()
        flash(_("Someone imported these requests at the same moment: check the list."), "error")
        return redirect(url_for(".index", unit=unit.id), 303)
    staging.discard(staged.token)
    counts = checked.plan.counts()
    flash(
        _(
            "Imported (import #%(batch)s): %(owners)s owners, %(businesses)s businesses and "
            "%(requests)s requests created; %(existing)s requests were already here.",
            batch=audit.id,
            owners=counts["owners_created"],
            businesses=counts["businesses_created"],
            requests=counts["requests_created"],
            existing=counts["requests_existing"],
        ),
        "success",
    )
    return redirect(url_for(".index", unit=unit.id), 303)


def _service_codes() -> list[str]:
    return list(
        db.session.scalars(
            select(ServiceType.code)
            .where(ServiceType.active.is_(True))
            .order_by(ServiceType.position)
        )
    )


def _template_parts(unit: Unit | None):
    headers = [str(c.label) for c in COLUMNS]
    keys = [c.key for c in COLUMNS]
    choices: dict[int, list[str]] = {}
    choices[keys.index("service")] = _service_codes()
    choices[keys.index("category")] = [
        "pangan",
        "fashion",
        "kerajinan",
        "herbal_kosmetik",
        "agro",
        "lainnya",
    ]
    choices[keys.index("scale")] = ["mikro", "kecil", "menengah"]
    choices[keys.index("status")] = [_(s.label) for s in IMPORTABLE]
    if unit is not None:
        areas = list(
            db.session.execute(
                select(Area.kecamatan, Area.name)
                .where(Area.unit_id == unit.id)
                .order_by(Area.kecamatan, Area.position, Area.name)
            )
        )
        choices[keys.index("kecamatan")] = sorted({k for k, _n in areas})
        choices[keys.index("desa")] = sorted({n for _k, n in areas})
    return headers, keys, choices


@bp.route("/template.xlsx")
@permission_required(can_administer)
def template_xlsx_download():
    """The Excel template: the sheet to fill, the lists of allowed values, the instructions."""
    unit = _chosen_unit(_units(), arg_int("unit"))
    headers, keys, choices = _template_parts(unit)
    notes = [
        _("One row per request. Repeat the owner and the business on each of their requests."),
        _(
            "Nothing is saved until the whole file is correct; importing it again creates "
            "nothing twice."
        ),
        "",
    ]
    notes += [
        f"{c.label}{'' if c.required else ' (' + _('optional') + ')'}: {HINTS[c.key]}"
        for c in COLUMNS
    ]
    body = template_xlsx(
        _("Requests"),
        headers,
        [c.width for c in COLUMNS],
        {keys.index(c.key) for c in COLUMNS if c.is_date},
        choices,
        _("Lists"),
        _("Instructions"),
        notes,
    )
    return _download(body, "xlsx", XLSX_TYPE)


@bp.route("/template.csv")
@permission_required(can_administer)
def template_csv_download():
    """The CSV template: the header row only (the page lists the allowed values)."""
    return _download(template_csv([str(c.label) for c in COLUMNS]), "csv", "text/csv")


def _download(body: bytes, ext: str, mimetype: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="rumah-kemasan-import.{ext}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return Response(body, mimetype=mimetype, headers=headers)
