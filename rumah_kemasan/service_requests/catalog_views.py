"""/admin/units/<id>/services: a unit's service catalog, for the admin and that unit's
supervisor (anyone else's unit answers 404). Changes apply to new requests only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..i18n import current_locale
from ..permissions import can_administer, get_managed_unit_or_404, permission_required
from . import catalog
from .catalog_forms import UnitServiceForm, format_extra_fields
from .models import ServiceType

bp = Blueprint("admin_catalog", __name__, url_prefix="/admin/units")


@bp.route("/<int:unit_id>/services")
@permission_required(can_administer)
def index(unit_id: int):
    unit = get_managed_unit_or_404(unit_id)
    return render_template("admin/catalog.html", unit=unit, rows=catalog.catalog_of(unit))


def _service_or_404(code: str) -> ServiceType:
    service = db.session.scalar(
        select(ServiceType).where(ServiceType.code == code, ServiceType.active)
    )
    if service is None:
        abort(404)
    return service


@bp.route("/<int:unit_id>/services/<code>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit(unit_id: int, code: str):
    unit = get_managed_unit_or_404(unit_id)
    service = _service_or_404(code)
    offer = catalog.find_offer(unit, service)
    current = catalog.terms_of(offer) if offer else catalog.national_terms(service)
    if offer is None:
        current.enabled = False  # never set up: the national defaults, not yet offered
    form = UnitServiceForm(
        data={
            "enabled": current.enabled,
            "sla_days": current.sla_days,
            "free_revisions": current.free_revisions,
            "includes_printing": current.includes_printing,
            "documents_required": current.documents_required,
            "extra_fields": format_extra_fields(current.extra_fields),
        }
    )
    if form.validate_on_submit():
        terms = catalog.Terms(
            enabled=form.enabled.data,
            sla_days=form.sla_days.data,
            free_revisions=form.free_revisions.data,
            includes_printing=form.includes_printing.data,
            documents_required=form.documents_required.data or "",
            extra_fields=form.parsed_fields,
        )
        changed = catalog.set_terms(current_user, unit, service, terms)
        db.session.commit()
        if changed is None:
            flash(_("Nothing changed."), "info")
        else:
            flash(
                _(
                    "Saved. New requests for %(service)s get these terms; "
                    "requests already filed keep theirs.",
                    service=service.name(current_locale()),
                ),
                "success",
            )
        return redirect(url_for("admin_catalog.index", unit_id=unit.id), code=303)
    return render_template("admin/catalog_edit.html", unit=unit, service=service, form=form)
