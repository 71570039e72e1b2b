"""Engine tuning shared by both databases: the SQLite recipe for safe concurrent writes, the
timeouts that make a hung database fail fast, and what counts as "the database is unavailable".

SQLite (docs/security.md, pitfall 9): a deferred transaction that reads and then writes fails
at once with "database is locked" when another writer got there first, whatever busy_timeout
says. Requests
that may write (an unsafe method, or a view marked `@writes`, such as an export that audits
itself) therefore open their transactions with BEGIN IMMEDIATE, which takes the write lock up
front and waits (busy_timeout) for it instead of failing. Read-only requests keep deferred
transactions so they never queue behind writers (WAL lets readers run alongside).

The write lock is held only for the database work: the signed-in user is loaded in a short
deferred transaction before the view runs, and slow work (password hashing, image renditions,
ZIP and PDF building) runs inside `without_write_lock()`, which ends the transaction first. A
"database is locked" that still happens re-runs the view once when nothing was committed yet
(see `init_app`); a second one is answered 503 as contention, never as an outage.

PostgreSQL gets connect, statement, lock and idle-in-transaction timeouts (config.py). A frozen
server (SIGSTOP, a dead network path) enforces none of its own timeouts, so a watchdog thread
shuts the socket of a statement that outlives its timeout by a grace period: the driver then
reports a lost connection, the pool drops it, and the page answers 503.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import heapq
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import psycopg
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from .extensions import db
from .logs import current_request_id

log = logging.getLogger(__name__)

# This request may write: its transactions begin IMMEDIATE (SQLite).
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)
# Inside without_write_lock(): transactions begin deferred whatever the request is.
_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("rk_reading", default=False)
# Statement timeout (seconds) for this request when it is not the page default (exports).
_long_statements: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "rk_long_statements", default=False
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WROTE = "rk_wrote"  # session.info: the open transaction has written something


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


# --- view markers ------------------------------------------------------------------------------


def writes(view: Callable) -> Callable:
    """Mark a view that writes even when called with GET (an audited download or export).

    Its transactions open for writing from the start (BEGIN IMMEDIATE on SQLite), so a read
    followed by an insert cannot fail half-way with "database is locked".
    """
    view.__dict__["writes_database"] = True  # read back by _view_flag
    return view


def long_statements(view: Callable) -> Callable:
    """Mark a view whose queries may legitimately run long (exports): the long timeout applies."""
    view.__dict__["long_statements"] = True  # read back by _view_flag
    return view


def _view_flag(app, name: str) -> bool:

    view = app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, name, False))


@contextlib.contextmanager
def without_write_lock() -> Iterator[None]:
    """Run slow work (hashing, image renditions, PDFs) with no write lock held.

    The open transaction is ended first; it must not have written anything (that would commit
    half a change, so it raises instead). Queries inside the block run in deferred (read)
    transactions. Everything loaded so far is expired, so the code after the block re-reads
    what it uses inside the write transaction its first statement opens: a decision taken on
    data read before the block must be checked again after it.
    """
    _end_read_transaction(keep_loaded=False)
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)
    _end_read_transaction(keep_loaded=False)


def _end_read_transaction(*, keep_loaded: bool) -> None:

    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        raise RuntimeError("without_write_lock() inside a transaction that has written")
    if not session.in_transaction():
        return
    before = session.expire_on_commit
    session.expire_on_commit = not keep_loaded
    try:
        session.commit()  # nothing to write: ends the transaction (and releases any lock)
    finally:
        session.expire_on_commit = before


# --- what went wrong ---------------------------------------------------------------------------

# SQLSTATEs of a database that cannot answer now (PostgreSQL): connection exceptions (08),
# insufficient resources (53), operator intervention incl. statement timeouts (57), system
# errors (58), lock timeout (55P03), deadlock and serialization failures, idle-in-transaction
# timeout.
_PG_TRANSIENT_CLASSES = ("08", "53", "57", "58")
_PG_TRANSIENT_STATES = {"55P03", "40P01", "40001", "25P03"}
_PG_TIMEOUT_STATES = {"57014", "55P03", "25P03"}
_SQLITE_LOCKED = re.compile(r"database (table )?is locked|database is busy", re.I)
_SQLITE_UNREACHABLE = re.compile(r"unable to open database file|disk I/O error", re.I)


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def classify(exc: BaseException) -> str | None:
    """Why the database could not answer: "contention", "timeout", "unavailable", or None.

    None means the database answered with an error about the query itself (a syntax error, bad
    data, a NUL in text, an FTS5 expression it cannot parse): that is a bug, not an outage.
    """
    if isinstance(exc, PoolTimeout):
        return "timeout"
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated or getattr(exc.orig, "rk_watchdog", False):
        return "unavailable"
    message = str(exc.orig)
    module = type(exc.orig).__module__ or ""
    if module.startswith("sqlite3"):
        if _SQLITE_LOCKED.search(message):
            return "contention"
        if _SQLITE_UNREACHABLE.search(message):
            return "unavailable"
        return None
    if module.startswith("psycopg"):
        state = _sqlstate(exc)
        if state is None:  # raised by the driver: no server answer at all
            return "unavailable" if isinstance(exc.orig, psycopg.OperationalError) else None
        if state in _PG_TIMEOUT_STATES:
            return "timeout"
        if state in _PG_TRANSIENT_STATES:
            return "contention"
        if state[:2] in _PG_TRANSIENT_CLASSES:
            return "unavailable"
    return None


def is_lock_contention(exc: BaseException) -> bool:
    return classify(exc) == "contention"


# --- the watchdog ------------------------------------------------------------------------------


class Watchdog:
    """Shuts the socket of a PostgreSQL call that outlives its deadline.

    The server's own timeouts cover a slow query; this covers a server that does not answer at
    all (frozen, or the network path dead while the kernel still acknowledges): the blocked
    driver sees end-of-file, raises a lost-connection error and SQLAlchemy drops the connection.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, int]] = {}  # id(dbapi conn) -> (deadline, fd)
        self._heap: list[tuple[float, int]] = []
        self.fired: set[int] = set()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_conn, seconds: float) -> None:
        try:
            fd = dbapi_conn.fileno()
        except Exception:
            return
        deadline = time.monotonic() + seconds
        with self._cond:
            # Wake the thread only when it sleeps past this deadline: it always sleeps until
            # the earliest entry of the heap (a disarmed one is dropped when it comes up), so
            # a later deadline needs no wake-up. Waking it on every statement handed the GIL
            # to it and back once per query.
            wake = not self._heap or deadline < self._heap[0][0]
            self._armed[id(dbapi_conn)] = (deadline, fd)
            heapq.heappush(self._heap, (deadline, id(dbapi_conn)))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            elif wake:
                self._cond.notify()

    def disarm(self, dbapi_conn) -> bool:
        """Stop watching; True when the watchdog had cut this connection."""
        with self._cond:
            self._armed.pop(id(dbapi_conn), None)
            if id(dbapi_conn) in self.fired:
                self.fired.discard(id(dbapi_conn))
                return True
        return False

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    now = time.monotonic()
                    while self._heap and (
                        self._armed.get(self._heap[0][1], (None,))[0] != self._heap[0][0]
                    ):
                        heapq.heappop(self._heap)  # disarmed or re-armed since
                    if self._heap and self._heap[0][0] <= now:
                        _deadline, key = heapq.heappop(self._heap)
                        _deadline, fd = self._armed.pop(key)
                        self.fired.add(key)
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
            log.error("database call past its deadline: connection cut (fd %s)", fd)
            with contextlib.suppress(OSError):
                sock = socket.socket(fileno=os.dup(fd))
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                finally:
                    sock.close()


watchdog = Watchdog()


def _guarded(fn: Callable, seconds: Callable[[], float]) -> Callable:
    """`fn(dbapi_conn, …)` under the watchdog (commit, rollback, the pool's ping)."""

    @functools.wraps(fn)
    def call(dbapi_conn, *args, **kwargs):
        watchdog.arm(dbapi_conn, seconds())
        try:
            return fn(dbapi_conn, *args, **kwargs)
        except Exception as exc:
            if watchdog.disarm(dbapi_conn):
                exc.rk_watchdog = True
            raise
        finally:
            watchdog.disarm(dbapi_conn)

    return call


# --- readiness ---------------------------------------------------------------------------------


class _ProbeDone(threading.Event):
    """Set when a probe has finished; `ok` says whether the database answered."""

    ok = False


class _Probe:
    """One `SELECT 1` at a time on its own thread; callers wait for it at most `timeout`.

    A hung database cannot hold /readyz (nor pile up threads): while a probe is still stuck,
    the next callers wait on the same one and answer "not ready" at their own deadline.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: _ProbeDone | None = None

    def ready(self, engine: Engine, timeout: float) -> bool:
        with self._lock:
            if self._done is None or self._done.is_set():
                done = self._done = _ProbeDone()
                threading.Thread(
                    target=self._check, args=(engine, done), name="db-ready", daemon=True
                ).start()
            done = self._done
        return done.wait(timeout) and done.ok

    def _check(self, engine: Engine, done: _ProbeDone) -> None:
        ok = False
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            ok = True
        except Exception as exc:
            log.warning("readiness probe failed: %s", str(exc).splitlines()[0][:200])
        finally:
            done.ok = ok
            done.set()


probe = _Probe()


# --- engine set-up -----------------------------------------------------------------------------


def engine_options(config) -> dict:
    """create_engine() options for `config`: pool and connect timeouts, server-side timeouts."""

    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    if not memory:
        options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    if url.get_backend_name() == "postgresql":
        ms = _ms
        args = dict(options.get("connect_args") or {})
        # libpq counts connect_timeout in whole seconds, 2 at least.
        args.setdefault("connect_timeout", max(2, round(config["DATABASE_CONNECT_TIMEOUT"])))
        server = (
            f"-c statement_timeout={ms(config['DATABASE_STATEMENT_TIMEOUT'])}"
            f" -c lock_timeout={ms(config['DATABASE_LOCK_TIMEOUT'])}"
            " -c idle_in_transaction_session_timeout="
            f"{ms(config['DATABASE_IDLE_IN_TRANSACTION_TIMEOUT'])}"
        )
        args["options"] = (args.get("options", "") + " " + server).strip()
        options["connect_args"] = args
    return options


def _ms(seconds: float) -> int:
    return max(1, round(float(seconds) * 1000))


def statement_timeout(config) -> float:
    """The statement timeout that applies now: pages get the short one, the rest the long one."""

    if has_request_context() and not _long_statements.get():
        return float(config["DATABASE_STATEMENT_TIMEOUT"])
    return float(config["DATABASE_LONG_STATEMENT_TIMEOUT"])


def configure_engine(engine: Engine, config) -> None:
    """Install the SQLite pragmas and BEGIN recipe, or PostgreSQL's timeouts and watchdog."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, config)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine, config)


def _configure_sqlite(engine: Engine, config) -> None:
    busy_ms = _ms(config["DATABASE_LOCK_TIMEOUT"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy emit BEGIN itself (the pysqlite driver's own BEGIN handling is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = write_intent.get() and not _reading.get()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _configure_postgresql(engine: Engine, config) -> None:
    page = float(config["DATABASE_STATEMENT_TIMEOUT"])
    grace = float(config["DATABASE_WATCHDOG_GRACE"])

    def deadline() -> float:
        return statement_timeout(config) + grace

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        seconds = statement_timeout(config)
        if seconds != page:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {_ms(seconds)}")

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn, _cursor, _statement, _params, _context, _executemany):
        watchdog.arm(conn.connection.dbapi_connection, deadline())

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn, _cursor, _statement, _params, _context, _executemany):
        watchdog.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _cut(context):
        dbapi_conn = None
        with contextlib.suppress(Exception):
            dbapi_conn = context.connection.connection.dbapi_connection
        if dbapi_conn is not None and watchdog.disarm(dbapi_conn):
            context.original_exception.rk_watchdog = True
            context.is_disconnect = True

    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_ping"):
        setattr(dialect, name, _guarded(getattr(dialect, name), lambda: page + grace))


# --- per request -------------------------------------------------------------------------------
# Session events (registered once for every session): did the open transaction write, and did
# this request commit a write (after which re-running the view would not be safe)?


def _wrote(session) -> None:
    session.info[_WROTE] = True

    if has_request_context() and not write_intent.get():
        # On SQLite this write upgrades a read transaction and can fail with "database is
        # locked" (then the view is re-run once); the view should be marked @writes.
        log.warning(
            "write in a request not marked as writing request_id=%s method=%s path=%s",
            request_id(),
            request.method,
            request.path,
        )


def _flushed(session, _ctx):
    _wrote(session)


def _bulk(state):
    if state.is_insert or state.is_update or state.is_delete:
        _wrote(state.session)


def _committed(session):
    if session.info.pop(_WROTE, False) and has_request_context():
        g.rk_committed = True


def _rolled_back(session, previous):
    if previous.parent is None:
        session.info.pop(_WROTE, None)


if not event.contains(Session, "after_flush", _flushed):
    event.listen(Session, "after_flush", _flushed)
    event.listen(Session, "do_orm_execute", _bulk)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_soft_rollback", _rolled_back)


def init_app(app) -> None:
    """Mark each request as reading or writing before any query runs; retry a lost lock race."""

    @app.before_request
    def _set_write_intent():
        writing = request.method not in SAFE_METHODS or _view_flag(app, "writes_database")
        write_intent.set(writing)
        _long_statements.set(_view_flag(app, "long_statements"))
        if writing and db.engine.dialect.name == "sqlite":
            # Load the signed-in user in a short read, so the write lock is not taken before
            # the view (and its slow parts) even started.

            token = _reading.set(True)
            try:
                current_user._get_current_object()
            finally:
                _reading.reset(token)
            _end_read_transaction(keep_loaded=True)

    @app.teardown_request
    def _reset_write_intent(_exc):
        write_intent.set(False)
        _long_statements.set(False)

    dispatch = app.dispatch_request

    def dispatch_request():
        """Run the view; once more if it lost a lock race before committing anything."""
        try:
            return dispatch()
        except DBAPIError as exc:
            if not is_lock_contention(exc) or g.get("rk_committed") or g.get("rk_retried"):
                raise
            g.rk_retried = True
            with contextlib.suppress(Exception):
                db.session.rollback()
            log.warning(
                "database contention: retrying once request_id=%s method=%s path=%s",
                request_id(),
                request.method,
                request.path,
            )
            write_intent.set(True)  # the second run takes the write lock up front
            for _name, files in request.files.lists():
                for f in files:
                    with contextlib.suppress(Exception):
                        f.stream.seek(0)
            return dispatch()

    app.dispatch_request = dispatch_request


def request_id() -> str:
    """This request's id (logs.py gives every request one), or "-" outside a request."""
    return current_request_id() or "-"
