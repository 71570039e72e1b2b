"""/admin/units/<id>/holidays: the national holidays of a year as the unit keeps them, the
unit's own days off, and the buttons that change them.

For an admin (any unit) or that unit's supervisor (`get_managed_unit_or_404`: any other unit
answers 404). Every change is audited and moves the due dates it affects (services.py).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ..database import utcnow
from ..extensions import db
from ..i18n import current_locale
from ..permissions import can_administer, get_managed_unit_or_404, permission_required
from ..security import arg_int
from ..service_requests import sla
from ..service_requests.services import calendar_for
from . import services
from .forms import DayChangeForm, DayOffForm

bp = Blueprint("admin_calendar", __name__)

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _refusal(reason: str) -> str:
    """The message for a change services.py refused."""
    return {
        "weekend": _("That day is a Saturday or Sunday: the office is closed anyway."),
        "already_off": _("That day is already a day off for this unit."),
        "national": _("That day is already a national holiday."),
        "worked_national": _(
            "That day is a national holiday this unit works: restore the holiday instead."
        ),
        "not_national": _("That day is not a national holiday."),
        "already_worked": _("This unit already works that day."),
        "nothing": _("This unit has no change on that day."),
    }[reason]


def _page(unit, year: int, form: DayOffForm):
    """The page; a refused form is shown again with its messages (200, like every form of the
    app: what was typed stays in the fields)."""
    return render_template(
        "admin_calendar/holidays.html",
        unit=unit,
        year=year,
        years=range(year - 1, year + 3),
        days=services.year_days(unit, year, current_locale()),
        form=form,
        zone=calendar_for(unit).label,
        change_form=DayChangeForm(formdata=None),
    )


def _this_year(unit) -> int:
    return calendar_for(unit).local(utcnow()).year


@bp.route("/admin/units/<int:unit_id>/holidays", methods=["GET", "POST"])
@permission_required(can_administer)
def holidays(unit_id: int):
    """GET: the year's days (`?year=`); POST: add a local day off."""
    unit = get_managed_unit_or_404(unit_id)
    year = arg_int("year", minimum=FIRST_YEAR, maximum=LAST_YEAR) or _this_year(unit)
    form = DayOffForm()
    if not form.is_submitted():
        return _page(unit, year, form)
    if not form.validate():
        return _page(unit, year, form)
    day: date = form.day.data
    try:
        services.add_day_off(unit, day, form.name.data, current_user)
    except services.HolidayRefused as refused:
        form.day.errors = [*form.day.errors, _refusal(refused.reason)]
        db.session.rollback()
        return _page(unit, day.year, form)
    db.session.commit()
    flash(_("%(name)s on %(date)s is now a day off for %(unit)s.", **_named(unit, day)), "success")
    return redirect(url_for(".holidays", unit_id=unit.id, year=day.year), 303)


@bp.route("/admin/units/<int:unit_id>/holidays/change", methods=["POST"])
@permission_required(can_administer)
def change(unit_id: int) -> BaseResponse:
    """Work a national holiday (`action=work`), or undo the unit's change on a day
    (`action=undo`: a local day off goes, a worked national holiday is a holiday again)."""
    unit = get_managed_unit_or_404(unit_id)
    form = DayChangeForm()
    day = _parse_day(form.day.data) if form.validate() else None
    if day is None or form.action.data not in ("work", "undo"):
        flash(_("Choose a day from the list."), "error")
        return redirect(url_for(".holidays", unit_id=unit.id), 303)
    try:
        if form.action.data == "work":
            services.work_national(unit, day, current_user)
            message = _("%(unit)s works on %(date)s (%(name)s).", **_named(unit, day))
        else:
            named = _named(unit, day)
            services.undo(unit, day, current_user)
            message = _("The change on %(date)s (%(name)s) was undone.", **named)
    except services.HolidayRefused as refused:
        db.session.rollback()
        flash(_refusal(refused.reason), "error")
        return redirect(url_for(".holidays", unit_id=unit.id, year=day.year), 303)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".holidays", unit_id=unit.id, year=day.year), 303)


def _parse_day(text: str | None) -> date | None:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def _named(unit, day: date) -> dict[str, str]:
    """The unit, the day as the page writes it, and the day's name (the unit's or national)."""
    name = next(
        (d.name for d in services.year_days(unit, day.year, current_locale()) if d.day == day), ""
    )
    return {
        "unit": unit.name,
        "date": sla.format_local_date(day, current_locale()),
        "name": name,
    }
