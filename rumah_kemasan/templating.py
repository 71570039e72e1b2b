"""Jinja filters and globals: dates in WITA, phones, status labels, permissions."""

from __future__ import annotations

from functools import wraps

from flask import Flask
from flask_babel import gettext
from flask_login import current_user

from . import permissions
from .formats import display_phone
from .forms import ActionForm
from .i18n import current_locale
from .service_requests.sla import format_date_wita, format_wita
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
    app.jinja_env.filters["wita"] = lambda dt: format_wita(dt, current_locale()) if dt else ""
    app.jinja_env.filters["wita_date"] = lambda dt: (
        format_date_wita(dt, current_locale()) if dt else ""
    )
    app.jinja_env.filters["phone"] = lambda p: display_phone(p) if p else ""
    app.jinja_env.filters["status_label"] = status_label
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
