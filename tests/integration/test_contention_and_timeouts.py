"""A busy office on SQLite, and a database that hangs: what the user sees.

- Requests that write hold the write lock only for their database work: exports that audit
  themselves open for writing from the start; password hashing, photo inspection and export
  building run with no write lock held (checked from another connection while they run).
- A "database is locked" that still happens re-runs the view once; past that the answer is
  503 with Retry-After and the friendly page, logged as contention with a request id.
- A query the database refuses (FTS5 syntax, a NUL in text, a limit) is a 500, never a 503.
- Short timeouts (configured here) turn a locked or frozen database into 503s within seconds;
  /readyz answers within a second; everything recovers without a restart.

The bounds asserted are generous multiples of the configured timeouts (the task asks for them).
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from rumah_kemasan import create_app
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.service_requests.models import RequestEvent
from rumah_kemasan.service_requests.workflow import Role, Status
from tests.conftest import _TEST_CONFIG, PASSWORD, IsolatedClient, login, png_bytes


@pytest.fixture(autouse=True)
def _app_loggers_enabled():
    """migrations/env.py runs fileConfig(), which disables every logger that existed before
    the in-process `upgrade()` of the test session; the lines these tests read must be on."""
    names = ("rumah_kemasan.database", "rumah_kemasan.errors", "rumah_kemasan.public.views")
    for name in names:
        logging.getLogger(name).disabled = False


@pytest.fixture
def tuned(app, database_url):
    """Another app on the same (clean) database, with its own settings (short timeouts)."""
    made = []

    def make(**overrides):
        other = create_app(
            _TEST_CONFIG
            | {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                "TESTING": True,
            }
            | overrides
        )
        other.test_client_class = IsolatedClient
        other.config["BACKEND"] = app.config["BACKEND"]
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _signed_in(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


class _Holder:
    """Another connection holding the write lock (SQLite) or a table lock (PostgreSQL)."""

    def __init__(self, url: str, table: str = "service_request"):
        db.session.rollback()  # the test's own read would hold the lock up on PostgreSQL
        self.url = make_url(url)
        if self.url.get_backend_name() == "sqlite":
            self.conn = sqlite3.connect(
                self.url.database, isolation_level=None, check_same_thread=False
            )
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            plain = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(plain)
            self.conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    def commit_a_change(self) -> None:
        """Write something and let go: the snapshot every reader took is now stale."""
        self.conn.execute("UPDATE unit SET name = name")
        if isinstance(self.conn, sqlite3.Connection):
            self.conn.execute("COMMIT")
        else:
            self.conn.commit()

    def release(self) -> None:
        if isinstance(self.conn, sqlite3.Connection):
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        else:
            self.conn.rollback()
        self.conn.close()


def _sqlite_only(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("the write lock is SQLite's (PostgreSQL locks rows)")


# --- exports and downloads that write -----------------------------------------------------------


def test_export_while_another_writer_commits_is_answered_and_audited(
    app, database_url, make_user, make_request
):
    """The load run's refused exports: a read then an audit insert lost the race to a writer."""
    supervisor = make_user(Role.SUPERVISOR)
    make_request(make_user())
    client = _signed_in(app, supervisor)
    holder = _Holder(database_url, table="unit")
    answers: list[int] = []
    worker = threading.Thread(
        target=lambda: answers.extend(
            client.get(f"/reports/export.{fmt}").status_code for fmt in ("csv", "xlsx")
        )
    )
    try:
        worker.start()
        time.sleep(0.3)  # let the exports reach the database while the lock is held
        holder.commit_a_change()
    finally:
        worker.join(30)
        holder.release()
    assert answers == [200, 200]
    db.session.rollback()
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.actor_id == supervisor.id)
    ).all()
    assert sorted(actions) == ["export.requests.csv", "export.requests.xlsx"]


# --- slow work runs with no write lock held ------------------------------------------------------


def _lock_free_spy(monkeypatch, database_url, module, name, seen):
    """Wrap module.name (the real function still runs) and note whether, while it runs, another
    connection could take the write lock at once."""
    real = getattr(module, name)
    path = make_url(database_url).database

    def spy(*args, **kwargs):
        probe = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            seen.append(True)
        except sqlite3.OperationalError:
            seen.append(False)
        finally:
            probe.close()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)


def test_password_hashing_holds_no_write_lock(app, client, database_url, monkeypatch, make_user):
    _sqlite_only(app)
    from rumah_kemasan.accounts import models

    seen: list[bool] = []
    _lock_free_spy(monkeypatch, database_url, models, "check_password_hash", seen)
    _lock_free_spy(monkeypatch, database_url, models, "generate_password_hash", seen)
    user = make_user()
    seen.clear()
    assert login(client, user).status_code == 302
    new = "kemasan-baru-2027-ok"
    resp = client.post(
        "/auth/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert resp.status_code == 302
    resp = app.test_client().post(
        "/auth/register",
        data={
            "full_name": "Pemilik Baru",
            "phone": "081234009999",
            "password": new,
            "confirm": new,
            "consent": "y",
        },
    )
    assert resp.status_code == 302
    # login: check; change: check + hash; register: hash
    assert seen == [True] * 4, seen


def test_photo_inspection_and_export_building_hold_no_write_lock(
    app, client, database_url, monkeypatch, make_user, make_request
):
    _sqlite_only(app)
    from rumah_kemasan.accounts import privacy
    from rumah_kemasan.designs import services as designs
    from rumah_kemasan.reports import exports

    seen: dict[str, list[bool]] = {"inspect": [], "xlsx": [], "data": []}
    _lock_free_spy(monkeypatch, database_url, designs, "inspect_upload", seen["inspect"])
    _lock_free_spy(monkeypatch, database_url, exports, "xlsx_file", seen["xlsx"])
    _lock_free_spy(monkeypatch, database_url, privacy, "write_export", seen["data"])
    owner = make_user()
    boss = make_user(Role.SUPERVISOR)
    req = make_request(owner)
    assert login(client, owner).status_code == 302
    resp = client.post(
        f"/requests/{req.code}/files",
        data={"kind": "before", "files": [(io.BytesIO(png_bytes()), "foto.png")]},
    )
    assert resp.status_code == 303
    assert client.post("/account/data/export").status_code == 200
    supervisor = _signed_in(app, boss)
    assert supervisor.get("/reports/export.xlsx").status_code == 200
    assert seen == {"inspect": [True], "xlsx": [True], "data": [True]}
    db.session.rollback()
    assert len(designs.files_of(req)) == 1


# --- a lost lock race: retried once, then 503 as contention --------------------------------------


class _Signal(logging.Handler):
    def __init__(self, needle: str):
        super().__init__()
        self.needle, self.event = needle, threading.Event()

    def emit(self, record):
        if self.needle in record.getMessage():
            self.event.set()


def test_a_lost_lock_race_is_retried_once_and_succeeds(
    tuned, database_url, make_user, make_request
):
    fast = tuned(DATABASE_LOCK_TIMEOUT=0.3)
    _sqlite_only(fast)
    owner = make_user()
    req = make_request(owner)
    client = _signed_in(fast, owner)
    signal = _Signal("retrying once")
    logging.getLogger("rumah_kemasan.database").addHandler(signal)
    holder = _Holder(database_url)
    # Let go only once the first attempt has given up: the retry then gets the lock.
    releaser = threading.Thread(target=lambda: signal.event.wait(20) and holder.release())
    releaser.start()
    try:
        resp = client.post(f"/requests/{req.code}/comments", data={"text": "Sekali saja"})
    finally:
        releaser.join(25)
        logging.getLogger("rumah_kemasan.database").removeHandler(signal)
        if signal.event.is_set() is False:
            holder.release()
    assert signal.event.is_set()
    assert resp.status_code in (302, 303)
    db.session.rollback()
    notes = db.session.scalars(
        select(RequestEvent.note).where(RequestEvent.request_id == req.id)
    ).all()
    assert notes.count("Sekali saja") == 1  # written exactly once


def test_lock_held_past_the_timeout_answers_503_then_recovers(
    tuned, database_url, make_user, make_request, caplog
):
    fast = tuned(DATABASE_LOCK_TIMEOUT=0.5, DATABASE_STATEMENT_TIMEOUT=1, READYZ_TIMEOUT=0.5)
    sqlite = fast.config["BACKEND"] == "sqlite"
    owner = make_user()
    req = make_request(owner)
    client = _signed_in(fast, owner)
    anonymous = fast.test_client()
    code = req.code
    holder = _Holder(database_url)
    try:
        with caplog.at_level(logging.INFO):
            started = time.monotonic()
            resp = client.post(f"/requests/{code}/comments", data={"text": "Terkunci"})
            took = time.monotonic() - started
        assert resp.status_code == 503, resp.status_code
        assert took < 6  # lock timeout 0.5 s, twice on SQLite (the retry)
        assert int(resp.headers["Retry-After"]) > 0
        body = resp.get_data(as_text=True)
        assert "<code>" in body and "Traceback" not in body and "locked" not in body
        line = next(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
        kind = "contention" if sqlite else "timeout"
        assert line.startswith(f"database {kind} ") and "request_id=" in line, line
        assert resp.headers["X-Request-Id"] in line
        if sqlite:  # readers do not queue behind a writer (WAL)
            assert client.get(f"/requests/{code}").status_code == 200
        else:  # ACCESS EXCLUSIVE stops readers too: they fail within the lock timeout
            started = time.monotonic()
            assert client.get(f"/requests/{code}").status_code == 503
            assert time.monotonic() - started < 5
        started = time.monotonic()
        assert anonymous.get("/readyz").status_code == 200
        assert time.monotonic() - started < 1
    finally:
        holder.release()
    resp = client.post(f"/requests/{code}/comments", data={"text": "Lega"})
    assert resp.status_code in (302, 303)
    assert client.get(f"/requests/{code}").status_code == 200


# --- query errors are bugs, not outages ----------------------------------------------------------

BAD_QUERIES = {
    "sqlite": [
        ("SELECT rowid FROM request_search WHERE request_search MATCH :q", {"q": '"kopi'}),
        ("SELECT rowid FROM request_search WHERE request_search MATCH :q", {"q": "kopi AND"}),
        ("SELECT 'unterminated", {}),
    ],
    "postgresql": [
        ("SELECT :q::text", {"q": "a\x00b"}),  # a NUL in text
        ("SELEC 1", {}),  # syntax
        ("SELECT array_fill(1, ARRAY[1000000000])", {}),  # 54000, an OperationalError
        ("SELECT 1 / 0", {}),
    ],
}


@pytest.mark.parametrize("index", range(4))
def test_a_query_error_is_a_500_not_an_outage(tuned, index, caplog):
    probe_app = tuned()
    backend = probe_app.config["BACKEND"]
    if index >= len(BAD_QUERIES[backend]):
        pytest.skip("fewer cases on this backend")
    sql, params = BAD_QUERIES[backend][index]

    def bad():
        db.session.execute(text(sql), params)
        return "unreachable"

    probe_app.add_url_rule("/_bad-query", "bad_query", bad)
    with caplog.at_level(logging.ERROR):
        resp = probe_app.test_client().get("/_bad-query")
    assert resp.status_code == 500
    assert "Retry-After" not in resp.headers
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "SELEC" not in body
    assert any("unhandled error" in r.getMessage() for r in caplog.records)
    assert not any(r.getMessage().startswith("database ") for r in caplog.records)
    # The same app still answers: nothing was marked down.
    assert probe_app.test_client().get("/readyz").status_code == 200


# --- a frozen PostgreSQL -------------------------------------------------------------------------


class _FreezableProxy:
    """A TCP proxy to PostgreSQL that can stop forwarding (the server seems frozen)."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = False
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                while self.frozen.is_set() and not self.closed:
                    time.sleep(0.02)
                data = src.recv(65536)
                if not data:
                    break
                while self.frozen.is_set() and not self.closed:
                    time.sleep(0.02)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self):
        self.closed = True
        self.frozen.clear()
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_frozen_postgresql_answers_503_fast_and_recovers(
    tuned, database_url, make_user, make_request
):
    if not database_url.startswith("postgresql"):
        pytest.skip("a frozen server is a PostgreSQL matter (SQLite is in-process)")
    url = make_url(database_url)
    proxy = _FreezableProxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    fast = tuned(
        SQLALCHEMY_DATABASE_URI=through,
        DATABASE_CONNECT_TIMEOUT=2,
        DATABASE_STATEMENT_TIMEOUT=1,
        DATABASE_WATCHDOG_GRACE=1,
        DATABASE_POOL_TIMEOUT=1,
        READYZ_TIMEOUT=0.5,
    )
    owner = make_user()
    req = make_request(owner)
    client = _signed_in(fast, owner)
    anonymous = fast.test_client()
    code, req_id = req.code, req.id
    try:
        assert client.get(f"/requests/{code}").status_code == 200
        assert anonymous.get("/readyz").status_code == 200

        proxy.frozen.set()
        started = time.monotonic()
        assert anonymous.get("/readyz").status_code == 503
        assert time.monotonic() - started < 1
        for path in (f"/requests/{code}", "/requests"):
            started = time.monotonic()
            resp = client.get(path)
            took = time.monotonic() - started
            assert resp.status_code == 503, (path, resp.status_code)
            assert int(resp.headers["Retry-After"]) > 0
            # ping cut after 1 + 1 s, a new connection gives up after 2 s
            assert took < 10, (path, took)
        started = time.monotonic()
        resp = client.post(f"/requests/{code}/comments", data={"text": "Beku"})
        assert resp.status_code == 503
        assert time.monotonic() - started < 10
        started = time.monotonic()
        assert anonymous.get("/readyz").status_code == 503
        assert time.monotonic() - started < 1

        proxy.frozen.clear()  # the same process, the same pool: it comes back by itself
        for _ in range(40):
            if anonymous.get("/readyz").status_code == 200:
                break
            time.sleep(0.25)
        assert anonymous.get("/readyz").status_code == 200
        assert client.get(f"/requests/{code}").status_code == 200
        resp = client.post(f"/requests/{code}/comments", data={"text": "Cair"})
        assert resp.status_code in (302, 303)
    finally:
        proxy.close()
    db.session.rollback()
    notes = db.session.scalars(
        select(RequestEvent.note).where(RequestEvent.request_id == req_id)
    ).all()
    assert "Cair" in notes and "Beku" not in notes
    assert Status(db.session.get(type(req), req.id).status) is Status.SUBMITTED


def test_a_get_view_that_writes_without_the_marker_is_logged(tuned, caplog):
    """The safety net for a new GET view that forgets @writes (it would race on SQLite)."""
    from rumah_kemasan.audit.services import record
    from rumah_kemasan.database import writes

    probe_app = tuned()

    def unmarked():
        record(None, "test.unmarked")
        db.session.commit()
        return "ok"

    probe_app.add_url_rule("/_unmarked", "unmarked", unmarked)
    probe_app.add_url_rule("/_marked", "marked", writes(lambda: unmarked()))
    with caplog.at_level(logging.WARNING):
        assert probe_app.test_client().get("/_marked").status_code == 200
        assert not any("not marked" in r.getMessage() for r in caplog.records)
        assert probe_app.test_client().get("/_unmarked").status_code == 200
    assert any(
        "write in a request not marked as writing" in r.getMessage()
        and "path=/_unmarked" in r.getMessage()
        for r in caplog.records
    )
