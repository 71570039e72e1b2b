"""Languages: Indonesian first, English complete; the unit's time zone for display."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel


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


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with our selector and translations folder."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: "Asia/Makassar",
        default_translation_directories=str(app.root_path + "/translations"),
    )
