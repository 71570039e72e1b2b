"""The outbox under faults: real `flask outbox send --loop` workers, SIGKILLed mid-batch, sending
to a real SMTP server on loopback. What is proven: nothing is lost, a dead worker's messages
are sent by another worker once its (short) lease ends, a live worker keeps its lease while it
sends, and duplicates (same Message-ID) stay within one per kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import Config
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import OutboxEmail
from rumah_kemasan.notifications.sender import deliver_pending
from tests.integration.smtp_server import SMTPServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=10)
        yield server


def _queue(n: int) -> None:
    db.session.add_all(
        OutboxEmail(to_address=f"r{i}@example.com", subject=f"Pesan {i}", body_text=f"Isi {i}")
        for i in range(n)
    )
    db.session.commit()


class Workers:
    """`flask outbox send --loop` processes, each with its own From address to tell them apart."""

    def __init__(self, app, tmp_path, lease: float, batch: int, interval: float = 0.2):
        self.app, self.tmp_path = app, tmp_path
        self.lease, self.batch, self.interval = lease, batch, interval
        self.procs: dict[str, subprocess.Popen] = {}
        self.started = 0

    def start(self) -> str:
        self.started += 1
        name = f"worker{self.started}"
        env = dict(
            os.environ,
            FLASK_CONFIG="development",
            FLASK_DEBUG="0",
            DATABASE_URL=self.app.config["SQLALCHEMY_DATABASE_URI"],
            INSTANCE_PATH=str(self.tmp_path / "instance"),
            MAIL_HOST="127.0.0.1",
            MAIL_PORT=str(self.app.config["MAIL_PORT"]),
            MAIL_FROM=f"{name}@localhost",
            MAIL_CLAIM_LEASE_SECONDS=str(self.lease),
        )
        self.procs[name] = subprocess.Popen(
            [
                *(sys.executable, "-m", "flask", "--app", "wsgi:app", "outbox", "send", "--loop"),
                *("--interval", str(self.interval), "--batch", str(self.batch)),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return name

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def alive(self) -> list[str]:
        return [n for n, p in self.procs.items() if p.poll() is None]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _unsent() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None)))


def _wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_the_default_lease_lets_another_worker_take_a_dead_workers_mail_within_a_minute():
    # lease + the worker's default poll interval (see cli.py): the worst wait after a crash
    assert Config.MAIL_CLAIM_LEASE_SECONDS + 5 < 60
    assert Config.MAIL_CLAIM_LEASE_SECONDS >= 2 * Config.MAIL_TIMEOUT  # a slow send keeps it


def test_a_dead_workers_message_is_sent_by_another_worker_after_the_lease(app, ctx, smtp, tmp_path):
    _queue(3)
    lease = 5.0
    workers = Workers(app, tmp_path, lease=lease, batch=10)
    killed, accepted_at = [], []

    def kill_the_sender(msg, n):
        if n == 2:  # the first worker dies waiting for the answer to its second message
            workers.kill(msg["From"].split("@")[0])
            killed.append(True)
            return "451 4.3.0 Try again later"
        accepted_at.append(utcnow())
        return None

    smtp.recorder.hook = kill_the_sender
    try:
        workers.start()
        assert _wait_until(lambda: killed, 30), "the first worker never sent"
        assert _unsent() == 2  # the 2nd and 3rd: claimed by the dead worker
        lease_end = max(
            db.session.scalars(
                select(OutboxEmail.claimed_until).where(OutboxEmail.sent_at.is_(None))
            )
        )
        workers.start()  # a second worker, polling while the dead one's lease still holds
        assert _wait_until(lambda: _unsent() == 0, 60)
    finally:
        workers.stop()
    taken_over = accepted_at[1:]
    assert len(taken_over) == 2
    # Not before the lease ended (a live lease is never stolen) ...
    assert min(taken_over) >= lease_end
    # ... and soon after: lease + the worker's poll, with room for a slow machine.
    assert max(taken_over) - lease_end < timedelta(seconds=10)
    ids = smtp.recorder.message_ids()
    db.session.rollback()
    assert sorted(ids) == sorted(db.session.scalars(select(OutboxEmail.message_id)).all())
    assert [m["From"] for m in smtp.recorder.accepted] == [
        "worker1@localhost",
        "worker2@localhost",
        "worker2@localhost",
    ]


def test_a_live_worker_renews_its_lease_while_a_slow_server_takes_longer(app, ctx, smtp):
    """The batch takes about three leases to send; a second worker polling all along never
    gets one of its messages, because the first keeps renewing its lease."""
    _queue(8)
    app.config["MAIL_CLAIM_LEASE_SECONDS"] = 1.5
    stop, competitor_sent, errors = threading.Event(), [], []

    def competitor():
        try:
            with app.app_context():
                while not stop.is_set():
                    competitor_sent.append(deliver_pending(10).sent)
                    time.sleep(0.05)
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=competitor)

    def slow(msg, n):
        if n == 1:
            thread.start()  # our batch is claimed: now the other worker polls
        time.sleep(0.6)

    smtp.recorder.hook = slow
    try:
        report = deliver_pending(10)
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=30)
    assert errors == []
    assert len(competitor_sent) > 10  # it polled all along
    assert report.sent == 8 and sum(competitor_sent) == 0
    ids = smtp.recorder.message_ids()
    assert len(ids) == len(set(ids)) == 8
    assert _unsent() == 0


def test_workers_killed_mid_batch_lose_nothing_and_duplicate_at_most_once_per_kill(
    app, ctx, smtp, tmp_path
):
    n_messages, kills_wanted = 300, 6
    _queue(n_messages)
    workers = Workers(app, tmp_path, lease=6.0, batch=25)
    kills: list[str] = []

    def kill_mid_batch(msg, n):
        # Every 40th message, SIGKILL the worker that is sending it while it waits for our
        # answer, and accept the message: the worst moment (accepted, never marked sent).
        if n % 40 == 0 and len(kills) < kills_wanted:
            name = msg["From"].split("@")[0]
            workers.kill(name)
            kills.append(name)
        return None

    smtp.recorder.hook = kill_mid_batch
    try:
        workers.start()
        workers.start()
        deadline = time.monotonic() + 90
        while _unsent() and time.monotonic() < deadline:
            while len(workers.alive()) < 2:
                workers.start()  # systemd's Restart=always
            time.sleep(0.2)
    finally:
        workers.stop()
    ids = smtp.recorder.message_ids()
    db.session.rollback()
    queued = set(db.session.scalars(select(OutboxEmail.message_id)).all())
    duplicates = len(ids) - len(set(ids))
    print(
        f"\noutbox kill test: {n_messages} messages, {len(kills)} SIGKILLs mid-batch, "
        f"{workers.started} worker processes, {len(ids)} delivered, {duplicates} duplicate(s)"
    )
    assert len(kills) == kills_wanted
    assert set(ids) == queued  # every message delivered at least once, none lost
    assert duplicates <= len(kills)
    assert _unsent() == 0
    assert db.session.scalar(select(func.count()).where(OutboxEmail.failed_at.is_not(None))) == 0
