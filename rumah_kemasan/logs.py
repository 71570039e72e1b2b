"""Structured log lines for operators, and a request id on every request.

One event is one line on the `rumah_kemasan.events` logger, `key=value` pairs separated by
spaces, the event name first and the request id second when there is a request:

    event=storage.error request_id=5f0c2a9e1b7d4c33 errno=ENOSPC free_bytes=0 bytes=482113 ...

A value that holds a space, a quote, an `=` or a line break is written as a JSON string
(`error="No space left on device"`), so a line never breaks in two and a value typed by
someone cannot forge another key. Grep for `event=` to find them all.

The request id is taken from the `X-Request-Id` header when a proxy in front sets one of
8-64 letters, digits or dashes (nginx: `proxy_set_header X-Request-Id $request_id;`), else made
here; it goes back in the `X-Request-Id` response header and onto every line logged during the
request, so a user's "error at 10:14" can be found in the log.

`log_event(event, **fields)` is the one helper to use: other modules (the database contention
handler, for instance) log through it too.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys

from flask import Flask, g, has_request_context, request

log = logging.getLogger("rumah_kemasan.events")

HEADER = "X-Request-Id"
_INCOMING = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_PLAIN = re.compile(r"^[^\s\"'=\\]+$")


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request (CLI, workers)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _value(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    text = str(v)
    if text and _PLAIN.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def format_event(event: str, **fields) -> str:
    """The line for `event`: `event=… request_id=… key=value …` (request id when there is one)."""
    parts = [f"event={_value(event)}"]
    rid = current_request_id()
    if rid is not None:
        parts.append(f"request_id={rid}")
    for key, value in fields.items():
        parts.append(f"{key}={_value(value)}")
    return " ".join(parts)


def log_event(event: str, level: int = logging.WARNING, **fields) -> str:
    """Log one structured line; returns it. `level` is a `logging` level (WARNING by default)."""
    line = format_event(event, **fields)
    log.log(level, line)
    return line


def init_app(app: Flask) -> None:
    """Give each request an id (before_request) and send it back as X-Request-Id."""
    if not log.handlers:
        # Our own line on stderr (gunicorn's error log, journald), even when nobody configured
        # the root logger; propagation stays on so a configured root (or pytest) sees it too.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)

    @app.before_request
    def _request_id():
        incoming = request.headers.get(HEADER, "")
        g.request_id = incoming if _INCOMING.match(incoming) else secrets.token_hex(8)

    @app.after_request
    def _request_id_header(response):
        rid = g.get("request_id")
        if rid:
            response.headers[HEADER] = rid
        return response
