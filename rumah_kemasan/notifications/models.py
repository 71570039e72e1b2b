"""In-app notifications, the e-mail outbox, e-mail preferences and the daily digest's items,
and the public status check's attempt log."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import Model
from ..service_requests.workflow import Status
from ..types import UTCDateTime, enum_column


def new_message_id() -> str:
    """A Message-ID fixed when the e-mail is queued, so a resend carries the same one."""
    return f"<{secrets.token_hex(16)}@rumah-kemasan.outbox>"


class OutboxEmail(Model):
    """An e-mail waiting to be delivered (or delivered, with its time).

    Delivery (see sender.py): a worker claims one row with a conditional UPDATE that sets a
    lease (`claimed_until`, `claim_token`), sends it, and marks `sent_at` right after the SMTP
    server accepted it. `failed_at` is set when the server refuses it for good or the retries
    are used up.
    """

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=new_message_id)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationKind(enum.Enum):
    NEW_REQUEST = "new_request"  # a request was filed (or re-submitted) for the unit's staff
    STATUS = "status"  # the request moved to `status`
    COMMENT = "comment"  # a comment the recipient may read
    ASSIGNED = "assigned"  # the recipient got the job
    OVERDUE = "overdue"  # for supervisors: past its due date


class Notification(Model):
    """One in-app notice for one user about one request.

    Only the kind, the request and the new status are stored: the text is written when the
    page is shown, in the reader's language, and never holds a note.
    """

    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at", "id"),
        Index("ix_notification_request_kind", "request_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE")
    )
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind")
    )
    status: Mapped[Status | None] = mapped_column(enum_column(Status, "notification_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request = relationship("ServiceRequest")


class TrackAttempt(Model):
    """One try at the public status check, counted per address for throttling."""

    __table_args__ = (Index("ix_track_attempt_address", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmailTopic(enum.Enum):
    """What an e-mail is about: each user chooses, per topic, how they get it (Delivery)."""

    NEW_REQUEST = "new_request"  # staff: a request was filed (or completed) for the unit
    ASSIGNED = "assigned"  # staff: a job was given to you
    OWNER_REPLY = "owner_reply"  # staff: the owner answered (comment, completed) on your job
    PROOF_DECISION = "proof_decision"  # staff: the owner approved the proof or asked for changes
    JOB_STATUS = "job_status"  # staff: someone else moved your job
    OWNER_QUESTION = "owner_question"  # owner: more information needed, a comment for you
    REQUEST_STATUS = "request_status"  # owner: your request moved on


class Delivery(enum.Enum):
    IMMEDIATE = "immediate"  # one e-mail per event, through the outbox
    DIGEST = "digest"  # listed in the daily digest (`flask digest daily`)
    NEVER = "never"  # no e-mail (the in-app notice stays)


class NotificationPreference(Model):
    """A user's choice for one topic; no row means the default (see preferences.py)."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[EmailTopic] = mapped_column(
        enum_column(EmailTopic, "email_topic"), primary_key=True
    )
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "email_delivery"))


class DigestItem(Model):
    """One line waiting for the user's next daily digest (ids and a status only, no text)."""

    __table_args__ = (Index("ix_digest_item_pending", "digested_at", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    topic: Mapped[EmailTopic] = mapped_column(enum_column(EmailTopic, "digest_topic"))
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"))
    status: Mapped[Status | None] = mapped_column(enum_column(Status, "digest_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request = relationship("ServiceRequest")
