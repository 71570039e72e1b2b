"""Security pieces used across the app: safe redirects, response headers, session timeouts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, session
from flask.globals import request_ctx
from flask_login import current_user, logout_user
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a same-site path, else None (docs/security.md, pitfall 3)."""
    if not target or _CONTROL.search(target):
        return None
    target = target.replace("\\", "/")
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target


def token_hash(token: str) -> str:
    """SHA-256 of a one-time token; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A URL-safe random token for single-use links."""
    return secrets.token_urlsafe(32)


def client_address() -> str:
    """The client's address (behind ProxyFix in production)."""
    return (request.remote_addr or "unknown")[:64]


def init_security(app: Flask) -> None:
    """Session timeouts and response headers on every response, error pages included."""

    @app.before_request
    def _refuse_untrusted_host():
        # A Host (or X-Forwarded-Host) outside TRUSTED_HOSTS leaves the request without a URL
        # adapter, so the error page could not build its links and the answer would be a bare
        # 500 without our headers. Bind the adapter to our own host and answer a real 400.
        if isinstance(request.routing_exception, SecurityError):
            request_ctx.url_adapter = app.url_map.bind(
                _own_host(app), script_name=request.script_root or "/", url_scheme=request.scheme
            )
            abort(400)

    @app.before_request
    def _enforce_session_timeouts():
        if not current_user.is_authenticated:
            return
        now = datetime.now(UTC).timestamp()
        started = session.get("_started", now)
        seen = session.get("_seen", now)
        idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        absolute = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        if now - seen > idle or now - started > absolute:
            logout_user()
            session.clear()
            g.session_expired = True
            return
        session["_started"] = started
        session["_seen"] = now

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if (
            current_user
            and current_user.is_authenticated
            and not request.path.startswith("/static/")
            # Content-addressed previews may be kept by the user's own browser only.
            and not h.get("Cache-Control", "").startswith("private")
        ):
            h["Cache-Control"] = "no-store"
            h.add("Vary", "Cookie")
        return response


def _own_host(app: Flask) -> str:
    """The host in BASE_URL, else the first trusted host (for URLs of a refused request)."""
    base = app.config.get("BASE_URL")
    if base:
        return urlsplit(base).netloc
    hosts = app.config.get("TRUSTED_HOSTS") or ["localhost"]
    return hosts[0].lstrip(".")


MAX_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """`<int:…>` in URLs, limited to what an id column holds (larger numbers do not match)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def small_int(value) -> int | None:
    """A positive id from a query string, or None when absent, malformed or out of range."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None
