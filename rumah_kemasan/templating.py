"""Jinja filters and globals: dates in the unit's zone, phones, status labels, permissions."""

from __future__ import annotations

from datetime import date, datetime
from functools import wraps

from flask import Flask
from flask_babel import gettext
from flask_login import current_user

from . import permissions
from .accounts.models import Unit
from .formats import display_phone
from .forms import ActionForm
from .i18n import current_locale, zone_unit
from .service_requests import sla
from .service_requests.calendars import report_zone, zone_of
from .service_requests.overdue import is_overdue
from .service_requests.services import calendar_for
from .service_requests.workflow import Status


def status_label(status: Status | str) -> str:
    """The translated label of a status (its English label in workflow.py is the msgid)."""
    return gettext(Status(status).label)


# What templates may ask, answered by permissions.py for the signed-in user: a template writes
# `{% if can_assign(req) %}`, never a role or status comparison (README, "Contributing").
TEMPLATE_PERMISSIONS = (
    permissions.can_administer,
    permissions.can_assign,
    permissions.can_claim,
    permissions.can_comment,
    permissions.can_edit_request,
    permissions.can_export_list,
    permissions.can_file_request,
    permissions.can_file_walk_in,
    permissions.can_manage_all_units,
    permissions.can_manage_unit,
    permissions.can_manage_own_data,
    permissions.can_read_reports,
    permissions.can_record_handover,
    permissions.can_take_jobs,
    permissions.is_owner_of,
    permissions.is_unit_staff,
    permissions.sees_missing_photo,
    permissions.sees_staff_menu,
)


def _unit_of(where):
    """The unit whose zone a date is shown in: `where` itself (a Unit), its `.unit` (a request,
    a business, a user), else the signed-in user's unit (None: the default zone)."""
    if where is None:
        return zone_unit()
    if isinstance(where, Unit):
        return where
    return getattr(where, "unit", None)


def local_datetime(dt: datetime | None, where=None) -> str:
    """`{{ req.due_at|local(req) }}`: "28 November 2026 pukul 10.30 WIB" in where's zone."""
    if not dt:
        return ""
    return sla.format_local(dt, current_locale(), zone_of(_unit_of(where)))


def local_date(dt: datetime | date | None, where=None) -> str:
    """`{{ req.submitted_at|local_date(req) }}`: the date in where's zone."""
    if not dt:
        return ""
    return sla.format_local_date(dt, current_locale(), zone_of(_unit_of(where)))


def days_left(due: datetime, now: datetime, where=None) -> int:
    """Working days left until `due` on the calendar of where's unit (negative: late)."""
    return sla.working_days_left(due, now, calendar_for(_unit_of(where)))


def report_zone_label(unit_id: int | None = None) -> str:
    """WIB, WITA or WIT: the zone a report of `unit_id` (else the user's unit) counts in."""
    return sla.zone_label(report_zone(current_user, unit_id))


def _for_current_user(check):
    """`check(user, *args)` as `check(*args)` for whoever is signed in when the page renders."""

    @wraps(check)
    def bound(*args):
        # The user object itself, not the proxy: a check reads several attributes, and each
        # read through `current_user` would look the user up again (the cards call these).
        return check(current_user._get_current_object(), *args)

    return bound


def init_app(app: Flask) -> None:
    """Register filters and template globals."""
    app.jinja_env.filters["local"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["days_left"] = days_left
    app.jinja_env.globals["report_zone_label"] = report_zone_label
    app.jinja_env.filters["phone"] = lambda p: display_phone(p) if p else ""
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.globals["is_overdue"] = is_overdue  # one rule: service_requests/overdue.py
    for check in TEMPLATE_PERMISSIONS:
        app.jinja_env.globals[check.__name__] = _for_current_user(check)

    @app.context_processor
    def _globals():
        return {
            "locale": current_locale(),
            "action_form": lambda: ActionForm(formdata=None),  # never parses the body (413)
            "current_user": current_user,
            "Status": Status,
        }
