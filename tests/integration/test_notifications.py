"""Notifications and the e-mail outbox, delivered to a real SMTP server on loopback."""

from __future__ import annotations

import json
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

from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import (
    DigestItem,
    Notification,
    NotificationKind,
    OutboxEmail,
)
from rumah_kemasan.notifications.sender import deliver_pending
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.smtp_server import SMTPServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=10)
        yield server


def _body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def _html(msg) -> str:
    return msg.get_body(("html",)).get_content()


def _transition(client, req, target, note="", **extra):
    db.session.rollback()
    version = db.session.scalar(select(type(req).version).where(type(req).id == req.id))
    return client.post(
        f"/requests/{req.code}/transition",
        data={"target": target, "version": version, "note": note, **extra},
    )


def _outbox_for(address):
    db.session.rollback()
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)).all()


@pytest.mark.parametrize(
    ("lang", "label"), [("id", "Perlu Dilengkapi"), ("en", "Needs information")]
)
def test_an_event_sends_exactly_one_email_in_the_recipients_language(
    app, smtp, make_user, make_request, login_as, lang, label
):
    owner = make_user(locale=lang)
    req = make_request(owner)
    staff = make_user(Role.STAFF)  # the viewer's language is not the recipient's
    staff.locale = "en" if lang == "id" else "id"
    db.session.commit()
    client = login_as(staff)

    resp = _transition(client, req, "needs_info", "Mohon lampirkan nomor P-IRT.")
    assert resp.status_code == 302

    rows = _outbox_for(owner.email)
    assert len(rows) == 1 and rows[0].locale == lang
    report = deliver_pending()
    assert report.sent >= 1
    received = smtp.recorder.to(owner.email)
    assert len(received) == 1
    msg = received[0]
    assert req.code in msg["Subject"]
    assert msg["Message-ID"] == rows[0].message_id
    assert label in _body(msg) and label in _html(msg)
    assert "Mohon lampirkan nomor P-IRT." in _body(msg)  # a public note is for the owner
    assert f"/requests/{req.code}" in _body(msg)
    # Delivered once, never again.
    before = len(smtp.recorder.accepted)
    assert deliver_pending().handled == 0
    assert len(smtp.recorder.accepted) == before
    db.session.rollback()
    assert db.session.get(OutboxEmail, rows[0].id).sent_at is not None


def test_no_internal_note_ever_reaches_the_owner(
    app, smtp, make_user, make_request, login_as, client
):
    owner = make_user()
    staff = make_user(Role.STAFF)
    supervisor = make_user(Role.SUPERVISOR)
    req = make_request(owner)
    secrets_ = ["INTERNAL-NOTE-ACCEPT", "INTERNAL-COMMENT-42", "INTERNAL-ASSIGN-REASON"]
    login_as(supervisor)
    assert _transition(client, req, "accepted", secrets_[0], internal="y").status_code == 302
    resp = client.post(
        f"/requests/{req.code}/comments", data={"text": secrets_[1], "internal": "y"}
    )
    assert resp.status_code == 302
    resp = _transition(client, req, "in_design", assignee_id=staff.id)
    assert resp.status_code == 302
    db.session.rollback()
    version = db.session.scalar(select(type(req).version).where(type(req).id == req.id))
    resp = client.post(
        f"/requests/{req.code}/assign",
        data={"assignee_id": staff.id, "reason": secrets_[2], "version": version},
    )
    assert resp.status_code == 302
    resp = client.post(f"/requests/{req.code}/comments", data={"text": "PUBLIC-HELLO"})
    assert resp.status_code == 302

    deliver_pending()
    owner_mail = "\n".join(
        _body(m) + _html(m) + m["Subject"] for m in smtp.recorder.to(owner.email)
    )
    db.session.rollback()
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == owner.id)
    ).all()
    # The owner did hear about the accepted status and the public comment ...
    assert NotificationKind.STATUS in kinds and NotificationKind.COMMENT in kinds
    assert "PUBLIC-HELLO" in owner_mail
    # ... but never an internal note, comment or assignment reason, by mail or in the app.
    assert NotificationKind.ASSIGNED not in kinds
    owner_client = app.test_client()
    from tests.conftest import login

    login(owner_client, owner)
    page = owner_client.get("/notifications").get_data(as_text=True)
    assert req.code in page
    for secret in secrets_:
        assert secret not in owner_mail
        assert secret not in page
    # The designer was told they got the job (e-mail without the supervisor's reason).
    db.session.rollback()
    assigned = db.session.scalar(
        select(func.count()).where(
            Notification.user_id == staff.id, Notification.kind == NotificationKind.ASSIGNED
        )
    )
    assert assigned >= 1
    staff_mail = smtp.recorder.to(staff.email)
    assert staff_mail and all(secrets_[2] not in _body(m) for m in staff_mail)


def test_a_new_request_reaches_the_units_staff_only(app, make_user, make_request, other_unit):
    staff = make_user(Role.STAFF)
    supervisor = make_user(Role.SUPERVISOR)
    stranger = make_user(Role.STAFF, unit_=other_unit)
    owner = make_user()
    req = make_request(owner)
    db.session.rollback()
    to = {
        n.user_id
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.NEW_REQUEST)
        )
    }
    assert to == {staff.id, supervisor.id}
    # By default their e-mail waits for the daily digest (test_notification_prefs.py).
    assert db.session.scalars(select(OutboxEmail)).all() == []
    waiting = {i.user_id for i in db.session.scalars(select(DigestItem))}
    assert waiting == {staff.id, supervisor.id}
    assert stranger.id not in to
    assert all(r.request_id == req.id for r in db.session.scalars(select(Notification)))


def test_unread_badge_and_mark_as_read(app, make_user, make_request, login_as, client):
    owner = make_user()
    staff = make_user(Role.STAFF)
    req = make_request(owner)
    from rumah_kemasan.service_requests import services

    services.transition(req, staff, Status.ACCEPTED)
    services.comment(req, staff, "Kami mulai minggu ini.")
    db.session.commit()
    login_as(owner)
    html = client.get("/requests").get_data(as_text=True)
    assert 'class="badge badge-unread"' in html and ">2</span>" in html
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('/read"') == 2 and '<strong class="badge">' in page
    first = db.session.scalars(
        select(Notification.id).where(Notification.user_id == owner.id).order_by(Notification.id)
    ).first()
    resp = client.post(f"/notifications/{first}/read")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/requests/{req.code}")
    assert ">1</span>" in client.get("/notifications").get_data(as_text=True)
    # Someone else's notification cannot be touched.
    db.session.rollback()
    other = make_user()
    staff_note = db.session.scalar(select(Notification.id).where(Notification.user_id == staff.id))
    login_other = app.test_client()
    from tests.conftest import login

    login(login_other, other)
    if staff_note:
        assert login_other.post(f"/notifications/{staff_note}/read").status_code == 404
    assert client.post("/notifications/read-all").status_code == 303
    html = client.get("/notifications").get_data(as_text=True)
    assert "badge-unread" not in html


def test_marking_read_needs_csrf(app, make_user, make_request, login_as, client):
    owner = make_user()
    login_as(owner)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/notifications/read-all").status_code == 400


def _queue(n, prefix="m"):
    for i in range(n):
        db.session.add(
            OutboxEmail(
                to_address=f"{prefix}{i}@example.com",
                subject=f"Pesan {i}",
                body_text=f"Isi {i}",
                body_html=f"<p>Isi {i}</p>",
            )
        )
    db.session.commit()


SENDER = """
import json, sys
from rumah_kemasan import create_app
from rumah_kemasan.notifications.sender import deliver_pending
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    r = deliver_pending()
    print(r.sent, flush=True)
"""


def _sender_process(app, capture=True) -> subprocess.Popen:
    cfg = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": app.config["MAIL_PORT"],
        "MAIL_CLAIM_LEASE_SECONDS": 1,
        "SERVER_NAME": "localhost",
    }
    env = dict(os.environ, FLASK_CONFIG="testing")
    return subprocess.Popen(
        [sys.executable, "-c", SENDER, json.dumps(cfg)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
        text=True,
    )


def test_a_sender_killed_mid_batch_loses_nothing_and_sends_nothing_twice(app, ctx, smtp):
    _queue(6)
    proc_box = {}

    def kill_on_third(msg, n):
        if n == 3:
            # SIGKILL the sender while it waits for the answer to its third message.
            proc = proc_box["proc"]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            return "451 4.3.0 Try again later"
        return None

    smtp.recorder.hook = kill_on_third
    proc_box["proc"] = _sender_process(app, capture=False)
    assert proc_box["proc"].wait(timeout=60) == -signal.SIGKILL
    db.session.rollback()
    rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert [r.sent_at is not None for r in rows] == [True, True, False, False, False, False]
    assert rows[2].claimed_until is not None  # held by the dead worker until its lease ends
    assert len(smtp.recorder.accepted) == 2

    smtp.recorder.hook = None
    time.sleep(1.2)  # the dead worker's lease (1 s) runs out
    restarted = _sender_process(app)
    out, err = restarted.communicate(timeout=60)
    assert restarted.returncode == 0, err
    assert out.strip() == "4"
    ids = smtp.recorder.message_ids()
    db.session.rollback()
    expected = db.session.scalars(select(OutboxEmail.message_id).order_by(OutboxEmail.id)).all()
    assert sorted(ids) == sorted(expected)  # every message exactly once
    assert len(set(ids)) == len(ids) == 6
    assert db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None))) == 0


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(app, ctx, smtp):
    """The one window we cannot close (server said 250, the mark did not commit): the message
    goes again, with the Message-ID it was queued with, so the duplicate is recognisable."""
    _queue(3)
    app.config["MAIL_CLAIM_LEASE_SECONDS"] = 0

    def crash_on_second(message):
        if message["Subject"] == "Pesan 1":
            raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        deliver_pending(after_accept=crash_on_second)
    db.session.rollback()
    assert len(smtp.recorder.accepted) == 2
    report = deliver_pending()
    assert report.sent == 2
    ids = smtp.recorder.message_ids()
    assert len(ids) == 4 and len(set(ids)) == 3
    duplicated = {i for i in ids if ids.count(i) > 1}
    second = db.session.scalar(
        select(OutboxEmail.message_id).where(OutboxEmail.subject == "Pesan 1")
    )
    assert duplicated == {second}


def test_two_workers_at_once_never_send_a_message_twice(app, ctx, smtp):
    _queue(30)
    errors = []

    def worker():
        try:
            with app.app_context():
                deliver_pending(100)
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    ids = smtp.recorder.message_ids()
    assert len(ids) == len(set(ids)) == 30
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None))) == 0


def test_temporary_failures_back_off_and_permanent_ones_stop(app, ctx, smtp):
    _queue(1, prefix="later")
    _queue(1, prefix="never")
    smtp.recorder.hook = lambda msg, n: (
        "451 4.4.1 Busy" if msg["To"].startswith("later") else "550 5.1.1 No such user"
    )
    report = deliver_pending()
    assert (report.sent, report.retried, report.failed) == (0, 1, 1)
    db.session.rollback()
    later, never = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert later.attempts == 1 and "451" in later.last_error and later.sent_at is None
    wait = later.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert never.failed_at is not None
    # Not due yet: nothing happens.
    smtp.recorder.hook = None
    assert deliver_pending().handled == 0
    later.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending().sent == 1
    db.session.rollback()
    assert db.session.get(OutboxEmail, later.id).sent_at is not None
    assert [m["To"] for m in smtp.recorder.accepted] == [later.to_address]
    # The next failure would wait twice as long.
    from rumah_kemasan.notifications.sender import backoff

    assert backoff(2) == 2 * backoff(1)


def test_outbox_cli_sends_the_queue(app, ctx, smtp):
    _queue(2)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "outbox: 2 sent" in result.output
    assert len(smtp.recorder.accepted) == 2


def test_weekly_digest_for_supervisors(app, ctx, make_user, make_request):
    supervisor = make_user(Role.SUPERVISOR, locale="en")
    owner = make_user()
    staff = make_user(Role.STAFF)
    late = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    late.due_at = utcnow() - timedelta(days=2)
    db.session.commit()
    make_request(owner)
    db.session.execute(OutboxEmail.__table__.delete())
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    rows = db.session.scalars(select(OutboxEmail)).all()
    assert [r.to_address for r in rows] == [supervisor.email]
    text = rows[0].body_text
    assert late.code in text and "In design" in text
    assert "1 overdue" in rows[0].subject
    assert "/requests?overdue=1" in text
    overdue = select(func.count()).where(
        Notification.user_id == supervisor.id, Notification.kind == NotificationKind.OVERDUE
    )
    assert db.session.scalar(overdue) == 1
    # Run again (cron twice): the supervisor is not told twice about the same request.
    app.test_cli_runner().invoke(args=["notify", "overdue"])
    db.session.rollback()
    assert db.session.scalar(overdue) == 1
