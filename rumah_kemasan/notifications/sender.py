"""Deliver the outbox over SMTP: claim a batch, send each message, mark each one sent.

Guarantees and the decisions behind them (the README says what they mean for a reader):

* Several workers may run at once (two `flask outbox send --loop`, or a cron run overlapping a
  worker). A worker claims a batch in one committed statement: an UPDATE that sets a lease
  (`claimed_until`) and a token shared by the batch (`claim_token`) on the due, unclaimed rows
  (`WHERE id IN (SELECT … ORDER BY id LIMIT n)`, with `FOR UPDATE SKIP LOCKED` on PostgreSQL so
  two workers take different rows instead of queueing; SQLite serialises writers). The UPDATE
  re-checks the conditions, so a row is in at most one live batch. No transaction stays open
  while we talk SMTP.
* Each message is marked sent in its own commit right after the SMTP server accepted it
  (`WHERE claim_token = ours`). Commits per message: one, plus one claim per batch and one
  lease renewal every third of a lease; it was three (claim, read, mark). We did not batch the
  "sent" marks: a worker killed after k accepted but unmarked messages sends those k again, so
  the window would grow from one message to k. One local UPDATE per message costs little next
  to the SMTP round trip.
* The lease is short (MAIL_CLAIM_LEASE_SECONDS, 45 s) and a live worker renews it for the rest
  of its batch every third of a lease, between two messages; the renewal returns the rows the
  worker still holds, and a row it lost (it was too slow and another worker took it) is
  skipped, not sent. A worker that dies (SIGKILL, power) stops renewing: its unsent messages
  are due again when the lease ends, and the next worker poll (`--interval`, 5 s) takes them,
  within a minute. A worker that stops on an exception or SIGTERM releases its unsent claims
  at once. Keep the lease well above MAIL_TIMEOUT (20 s): a send that outlasts the rest of a
  lease could be sent twice.
* This is at-least-once delivery with one gap per crash: a worker that dies after the server
  said 250 and before the mark committed leaves that one message unmarked, and it is sent again,
  with the same Message-ID (fixed when the e-mail was queued) so mail systems and readers can
  recognise the duplicate. We chose this over at-most-once (mark before send), which would
  silently lose that message instead. SMTP has no idempotency key; nothing closes that gap.
* `attempts` counts messages handed to the server (a 250 or an error), not claims: a batch
  whose worker died is not charged for the messages it never tried.
* Temporary failures (4xx, connection trouble) retry with exponential backoff:
  MAIL_RETRY_BASE_SECONDS * 2**(attempts-1), capped at MAIL_RETRY_MAX_SECONDS; after
  MAIL_MAX_ATTEMPTS, or at once on a permanent 5xx refusal, the message is marked failed.
  Each failure is one `event=outbox.retry` / `event=outbox.failed` log line (see logs.py).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, or_, select, update

from ..database import utcnow, write_intent
from ..extensions import db
from ..logs import log_event
from .models import OutboxEmail, new_message_id


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


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["MAIL_CLAIM_LEASE_SECONDS"]))


def _due(now):
    """The conditions of a message any worker may take now."""
    return (
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.failed_at.is_(None),
        OutboxEmail.next_attempt_at <= now,
        or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
    )


@dataclass
class Batch:
    """Messages claimed together under one token, built and ready to send."""

    token: str
    messages: list[tuple[int, EmailMessage, int]]  # (row id, message, attempts so far)


def _claim_batch(limit: int) -> Batch:
    """Claim up to `limit` due messages in one commit and build them."""
    now = utcnow()
    token = secrets.token_hex(16)
    due = select(OutboxEmail.id).where(*_due(now)).order_by(OutboxEmail.id).limit(limit)
    if db.session.scalar(due.limit(1)) is None:
        db.session.commit()  # nothing due: an idle poll stays a read, no write lock
        return Batch(token, [])
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(due.scalar_subquery()), *_due(now))
        .values(claimed_until=now + _lease(), claim_token=token)
        .execution_options(synchronize_session=False)
    )
    rows = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.claim_token == token)
        .order_by(OutboxEmail.id)
        .execution_options(populate_existing=True)
    ).all()
    messages = []
    for row in rows:
        if row.message_id is None:  # queued before Message-IDs existed
            row.message_id = new_message_id()
        messages.append((row.id, build_message(row), row.attempts))
    db.session.commit()  # no transaction stays open while we talk SMTP
    return Batch(token, messages)


def _held(token: str) -> set[int]:
    """Renew the lease on the batch's unsent rows; returns the ids this worker still holds."""
    held = db.session.scalars(
        update(OutboxEmail)
        .where(
            OutboxEmail.claim_token == token,
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.failed_at.is_(None),
        )
        .values(claimed_until=utcnow() + _lease())
        .returning(OutboxEmail.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return set(held)


def _release(token: str) -> None:
    """Give the batch's unsent rows back at once (a worker stopping, not dying)."""
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.claim_token == token,
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.failed_at.is_(None),
        )
        .values(claimed_until=None, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _finish(message_id: int, token: str, **values) -> bool:
    """Record the outcome of one try; False when the row is no longer this worker's."""
    result = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == message_id, OutboxEmail.claim_token == token)
        .values(claimed_until=None, claim_token=None, attempts=OutboxEmail.attempts + 1, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return cast("CursorResult[Any]", result).rowcount == 1  # an UPDATE: a cursor result


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
    """Send up to `limit` due messages (one claimed batch); returns what happened.

    `after_accept` runs after the server accepted a message and before it is marked sent; the
    tests use it to crash a worker in that window.
    """
    report = SendReport()
    smtp: smtplib.SMTP | None = None
    # SQLite: take the write lock when a transaction begins, so a claim never fails at once
    # with "database is locked" (docs/security.md, pitfall 9); transactions here are one statement.
    intent = write_intent.set(True)
    db.session.rollback()
    batch = None
    renew_every = _lease().total_seconds() / 3
    try:
        batch = _claim_batch(limit)
        renewed = time.monotonic()
        held = {message_id for message_id, _m, _a in batch.messages}
        for message_id, message, attempts in batch.messages:
            if time.monotonic() - renewed >= renew_every:
                held = _held(batch.token)
                renewed = time.monotonic()
            if message_id not in held:
                log_event("outbox.lease_lost", id=message_id, message_id=message["Message-ID"])
                continue  # too slow: another worker has it now
            try:
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(message)
            except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts
                error = f"{type(exc).__name__}: {exc}"[:1000]
                report.errors.append(error)
                now = utcnow()
                tried = attempts + 1
                if _is_permanent(exc) or tried >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                    _finish(message_id, batch.token, failed_at=now, last_error=error)
                    report.failed += 1
                    log_event(
                        "outbox.failed",
                        logging.ERROR,
                        id=message_id,
                        message_id=message["Message-ID"],
                        attempts=tried,
                        error=error,
                    )
                else:
                    wait = backoff(tried)
                    _finish(message_id, batch.token, next_attempt_at=now + wait, last_error=error)
                    report.retried += 1
                    log_event(
                        "outbox.retry",
                        id=message_id,
                        message_id=message["Message-ID"],
                        attempts=tried,
                        retry_in=int(wait.total_seconds()),
                        error=error,
                    )
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
            if _finish(message_id, batch.token, sent_at=utcnow(), last_error=None):
                report.sent += 1
            else:  # lost the lease while sending: another worker may send it again
                log_event("outbox.lease_lost", id=message_id, message_id=message["Message-ID"])
    finally:
        if batch is not None and batch.messages:
            # Whatever is left (a broken connection, an exception, a stop): due again now.
            with contextlib.suppress(Exception):
                db.session.rollback()
                _release(batch.token)
        write_intent.reset(intent)
        if smtp is not None:
            _close(smtp)
    return report


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
