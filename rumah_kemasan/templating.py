"""Jinja filters and globals: dates in WITA, phones, status labels."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .formats import display_phone
from .forms import ActionForm
from .i18n import current_locale
from .service_requests.sla import format_date_wita, format_wita
from .service_requests.workflow import Status

# Status labels go through the catalog so `id` and `en` stay complete and reviewable.
STATUS_LABELS = {
    Status.SUBMITTED: _l("Submitted"),
    Status.NEEDS_INFO: _l("Needs information"),
    Status.ACCEPTED: _l("Accepted, queued"),
    Status.IN_DESIGN: _l("In design"),
    Status.AWAITING_APPROVAL: _l("Awaiting approval"),
    Status.APPROVED: _l("Design approved"),
    Status.IN_PRODUCTION: _l("In production"),
    Status.READY: _l("Ready for pickup"),
    Status.COMPLETED: _l("Completed"),
    Status.REJECTED: _l("Rejected"),
    Status.CANCELLED: _l("Cancelled"),
}


def status_label(status: Status | str) -> str:
    """The translated label of a status."""
    return str(STATUS_LABELS[Status(status)])


def init_app(app: Flask) -> None:
    """Register filters and template globals."""
    app.jinja_env.filters["wita"] = lambda dt: format_wita(dt, current_locale()) if dt else ""
    app.jinja_env.filters["wita_date"] = lambda dt: (
        format_date_wita(dt, current_locale()) if dt else ""
    )
    app.jinja_env.filters["phone"] = lambda p: display_phone(p) if p else ""
    app.jinja_env.filters["status_label"] = status_label

    @app.context_processor
    def _globals():
        return {
            "locale": current_locale(),
            "action_form": lambda: ActionForm(formdata=None),  # never parses the body (413)
            "current_user": current_user,
            "Status": Status,
        }
