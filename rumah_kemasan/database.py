"""Engine tuning shared by both databases, and the SQLite recipe for safe concurrent writes.

SQLite (docs/security.md, pitfall 9): a deferred transaction that reads and then writes fails
at once with "database is locked" when another writer got there first, whatever busy_timeout
says. Requests with an unsafe method therefore open their transaction with BEGIN IMMEDIATE,
which takes the write lock up front and waits (busy_timeout) for it instead of failing.
Read-only requests keep deferred transactions so they never queue behind writers (WAL lets
readers run alongside).
"""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine

write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and BEGIN recipe; nothing to do for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy emit BEGIN itself (the pysqlite driver's own BEGIN handling is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def init_app(app) -> None:
    """Mark each request as reading or writing before any query runs."""
    from flask import request

    @app.before_request
    def _set_write_intent():
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _reset_write_intent(_exc):
        write_intent.set(False)
