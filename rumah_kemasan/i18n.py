"""Languages: Indonesian first, English complete; the signed-in user's unit's time zone."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from .accounts.models import Unit
from .extensions import babel
from .service_requests.sla import DEFAULT_TIMEZONE


def select_locale() -> str:
    """The signed-in user's language, else the one chosen in this session, else Indonesian."""
    supported = ("id", "en")
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if request and request.args.get("lang") in supported:
        return request.args["lang"]
    return "id"


def current_locale() -> str:
    """The language of this response as a plain string (`id` or `en`)."""
    return str(get_locale() or "id")


def zone_unit() -> Unit | None:
    """The unit whose zone the signed-in user's pages use by default: staff and supervisors
    their own unit's (a request's pages use the request's unit); None for owners and admins."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.unit
    return None


def select_timezone() -> str:
    """Flask-Babel's zone: the signed-in user's unit's, else the default for a new unit."""
    unit = zone_unit()
    return (unit.timezone if unit is not None else None) or DEFAULT_TIMEZONE


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with our selector and translations folder."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
