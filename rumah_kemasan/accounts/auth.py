"""Flask-Login wiring: the user id carries a session token that logout rotates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..security import small_int
from .models import User


def init_login(app: Flask) -> None:
    """Attach Flask-Login and the token-checking user loader."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        raw_uid, _, token = user_id.partition(":")
        uid = small_int(raw_uid)
        if uid is None or not token:
            return None
        # With the unit in the same query: staff pages show dates in its zone.
        user = db.session.get(User, uid, options=[joinedload(User.unit)])
        if user is None or not user.active or not user.token_matches(token):
            return None
        return user
