"""Security pieces used across the app: safe redirects, response headers, session timeouts."""

from __future__ import annotations

import hashlib
import inspect
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, session
from flask import Request as FlaskRequest
from flask.globals import request_ctx
from flask_login import current_user, logout_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Characters no typed text holds (docs/input.md): C0 controls, DEL, C1 controls, and the bidi
# embeddings, overrides and isolates that display text in another order than it is stored.
# PostgreSQL refuses NUL in text; the rest would mislead whoever reads the text later.
# A textarea may hold tab, newline and carriage return.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_FORBIDDEN_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")


def has_forbidden_chars(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a character no form or query string may carry."""
    return (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_LINE).search(text) is not None


def strip_forbidden_chars(text: str, *, multiline: bool = False) -> str:
    """`text` without the characters `has_forbidden_chars` looks for."""
    return (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_LINE).sub("", text)


class Request(FlaskRequest):
    """The app's request: query-string keys and values come without forbidden characters.

    Stripped, not refused: a search box, a filter link or `next` cannot show an error, and a
    value made of such characters means nothing anyway. Forms are not touched here: their
    fields refuse such text with a message (rumah_kemasan.forms.Form).
    """

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return ImmutableMultiDict(
            (strip_forbidden_chars(key), strip_forbidden_chars(value))
            for key, value in self.raw_args.items(multi=True)
        )

    @cached_property
    def raw_args(self) -> ImmutableMultiDict:
        """The query string as sent, for the one value judged rather than cleaned: `next`."""
        # Werkzeug's own `args`, computed for this request: the descriptor is read without
        # calling it (Werkzeug's stubs type class access as the value, not the property).
        return inspect.getattr_static(FlaskRequest, "args").fget(self)


def next_arg() -> str | None:
    """The query string's `next` if it is a same-site path as sent: one with a control
    character in it (a header-splitting or `/\t/evil` trick) is refused, not cleaned."""
    if not isinstance(request, Request):
        raise TypeError("the app's request_class must be security.Request (create_app sets it)")
    return safe_next(request.raw_args.get("next"))


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

    @app.before_request
    def _refuse_control_characters_in_paths():
        # No code, token or file name holds a control character: such an address names nothing.
        if request.view_args and any(
            isinstance(value, str) and has_forbidden_chars(value)
            for value in request.view_args.values()
        ):
            abort(404)

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


_INTEGER = re.compile(r"-?[0-9]{1,19}")


def bounded_int(value, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """THE way user input becomes an integer (URLs, query strings, forms: docs/input.md).

    ASCII digits with an optional minus sign (no "²", "١", "1_000" or "1e5", which int()
    would take or choke on), within [minimum, maximum], so that no number reaches the
    database that its column cannot hold. None when absent, malformed or out of range.
    An int passes through the same range check.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


def small_int(value) -> int | None:
    """A positive id (1..MAX_ID), or None when absent, malformed or out of range."""
    return bounded_int(value)


def arg_int(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An integer from the query string (see bounded_int); None when absent or invalid."""
    return bounded_int(request.args.get(name), minimum=minimum, maximum=maximum)


def arg_text(name: str, max_length: int = 100) -> str:
    """Text from the query string: forbidden characters already stripped (see Request),
    surrounding spaces trimmed, cut to `max_length`."""
    return (request.args.get(name) or "").strip()[:max_length]
