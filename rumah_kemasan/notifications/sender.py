"""Deliver the outbox over SMTP: claim one message, send it, mark it, next.

Guarantees and the one decision behind them:

* Several workers may run at once (two `flask outbox send --loop` on PostgreSQL, or a cron run
  overlapping a worker). A message is claimed with a conditional UPDATE (`WHERE sent_at IS NULL
  AND (claimed_until IS NULL OR claimed_until < now)`) that is committed before anything is
  sent: exactly one worker's UPDATE matches the row; on PostgreSQL the other waits for the row
  lock, re-checks the condition and matches nothing. The same statement works on SQLite, where
  writes are serialised. No worker ever holds a transaction open while talking SMTP.
* The row is marked sent in its own commit right after the server accepted the message, one
  message at a time, so a worker killed in the middle of a batch leaves every accepted message
  marked and every other one unsent or under an expiring lease.
* The claim is a lease (MAIL_CLAIM_LEASE_SECONDS): when a worker dies holding a claim, another
  worker takes the message after the lease ends. This is at-least-once delivery with exactly one
  gap: if the process dies after the server said 250 and before the mark committed (a window of
  one local UPDATE), the message is sent again, with the same Message-ID, fixed when the e-mail
  was queued, so mail systems and clients can recognise the duplicate. We chose this over
  at-most-once (mark before send), which would silently lose that message instead.
* Temporary failures (4xx, connection trouble) retry with exponential backoff:
  MAIL_RETRY_BASE_SECONDS * 2**(attempts-1), capped at MAIL_RETRY_MAX_SECONDS; after
  MAIL_MAX_ATTEMPTS, or at once on a permanent 5xx refusal, the message is marked failed.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import or_, select, update

from ..database import utcnow, write_intent
from ..extensions import db
from .models import OutboxEmail, new_message_id

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` tries."""
    cfg = current_app.config
    seconds = cfg["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, cfg["MAIL_RETRY_MAX_SECONDS"]))


def _pending_ids(limit: int) -> list[int]:
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.failed_at.is_(None),
                OutboxEmail.next_attempt_at <= now,
                or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
            )
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
    )
    db.session.commit()
    return ids


def _claim(message_id: int) -> str | None:
    """Take the message for this worker (committed); None when someone else has it."""
    now = utcnow()
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE_SECONDS"])
    result = db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == message_id,
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.failed_at.is_(None),
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        )
        .values(
            claimed_until=now + lease,
            claim_token=token,
            attempts=OutboxEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def _finish(message_id: int, token: str, **values) -> None:
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == message_id, OutboxEmail.claim_token == token)
        .values(claimed_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def build_message(row: OutboxEmail) -> EmailMessage:
    """The MIME message of an outbox row: plain text with an HTML alternative."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(row.created_at)
    msg["Content-Language"] = row.locale
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    return msg


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["MAIL_HOST"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    if cfg.get("MAIL_STARTTLS"):
        smtp.starttls()
    if cfg.get("MAIL_USERNAME"):
        smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
    return smtp


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def deliver_pending(
    limit: int = 100,
    *,
    after_accept: Callable[[EmailMessage], None] | None = None,
) -> SendReport:
    """Send up to `limit` due messages; returns what happened.

    `after_accept` runs after the server accepted a message and before it is marked sent; the
    tests use it to crash a worker in that window.
    """
    report = SendReport()
    smtp: smtplib.SMTP | None = None
    # SQLite: take the write lock when a transaction begins, so a claim never fails at once
    # with "database is locked" (docs/security.md, pitfall 9); transactions here are one statement.
    intent = write_intent.set(True)
    db.session.rollback()
    try:
        for message_id in _pending_ids(limit):
            token = _claim(message_id)
            if token is None:
                continue  # another worker has it
            row = db.session.get(OutboxEmail, message_id, populate_existing=True)
            if row.message_id is None:  # queued before Message-IDs existed
                row.message_id = new_message_id()
            message, attempts = build_message(row), row.attempts
            db.session.commit()  # no transaction stays open while we talk SMTP
            try:
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(message)
            except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts
                error = f"{type(exc).__name__}: {exc}"[:1000]
                report.errors.append(error)
                log.warning("outbox #%s not sent: %s", message_id, error)
                now = utcnow()
                if _is_permanent(exc) or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                    _finish(message_id, token, failed_at=now, last_error=error)
                    report.failed += 1
                else:
                    _finish(
                        message_id,
                        token,
                        next_attempt_at=now + backoff(attempts),
                        last_error=error,
                    )
                    report.retried += 1
                answered = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
                if not isinstance(exc, answered):
                    # The connection is gone or unusable: stop this batch, retry later.
                    if smtp is not None:
                        _close(smtp)
                        smtp = None
                    break
                continue
            if after_accept is not None:
                after_accept(message)
            _finish(message_id, token, sent_at=utcnow(), last_error=None)
            report.sent += 1
    finally:
        write_intent.reset(intent)
        if smtp is not None:
            _close(smtp)
    return report


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
