"""Friendly error pages with an error id; the 500 handler rolls back.

A database error is an outage (503 with Retry-After) only when the database could not answer:
a lost or unreachable connection, a timeout, lock contention (`database.classify`). An error
about the query itself (SQLite "fts5: syntax error", PostgreSQL bad data or syntax) is a bug:
500 with an error id, logged with its traceback.
"""

from __future__ import annotations

import contextlib
import logging
import secrets

from flask import Flask, g, render_template, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .database import classify, request_id
from .extensions import db, login_manager

log = logging.getLogger(__name__)


class Conflict(Exception):
    """Someone else changed the request first; rendered as a 409 page showing who and when."""

    def __init__(self, request_obj, reason: str | None = None):
        super().__init__(reason or "conflict")
        self.request_obj = request_obj
        self.reason = reason


def init_app(app: Flask) -> None:
    """Register the handlers for HTTP errors, conflicts and database outages."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()
        code = exc.code or 500
        # Keep the exception's own headers (Allow on a 405, WWW-Authenticate …).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return render_template("errors/http.html", code=code, error=exc), code, headers

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        db.session.rollback()
        req = exc.request_obj
        if req is not None:
            db.session.refresh(req)
        return render_template("errors/conflict.html", req=req, reason=exc.reason), 409

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _db_down(exc: Exception):
        kind = classify(exc)
        if kind is None:  # the database answered: the query is wrong, a bug
            return _server_error(exc)
        error_id = secrets.token_hex(4)

        # One line, so contention and outages can be counted from the log.
        log.error(
            "database %s error_id=%s request_id=%s method=%s path=%s: %s",
            kind,
            error_id,
            request_id(),
            request.method,
            request.path,
            str(getattr(exc, "orig", exc)).splitlines()[0][:200] if str(exc) else type(exc),
        )
        with contextlib.suppress(Exception):
            db.session.rollback()
        # Render as if signed out: loading the user (for the menu, the language) would need
        # the database again and turn this friendly page into a 500.

        g._login_user = login_manager.anonymous_user()
        body = render_template(
            "errors/unavailable.html", error_id=error_id, busy=kind == "contention"
        )
        retry = "5" if kind == "contention" else "30"
        return body, 503, {"Retry-After": retry}

    @app.errorhandler(Exception)
    def _server_error(exc: Exception):
        if app.config.get("RAISE_SERVER_ERRORS"):  # debugging aid for tests
            raise exc
        error_id = secrets.token_hex(4)
        log.exception("unhandled error [%s] request_id=%s", error_id, request_id())
        with contextlib.suppress(Exception):
            db.session.rollback()
        return render_template("errors/http.html", code=500, error=None, error_id=error_id), 500
