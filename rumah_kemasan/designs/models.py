"""Design files (before photos, drafts, finals, sources, documents), proofs, checklists."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import Model
from ..service_requests.models import ServiceRequest
from ..types import UTCDateTime, enum_column


class DesignKind(enum.Enum):
    BEFORE = "before"  # photos of the packaging as it was (owner)
    DRAFT = "draft"  # versioned design drafts (staff); the newest is sent as the proof
    FINAL = "final"  # the approved design, print-ready (staff)
    SOURCE = "source"  # editable sources: AI, PSD, CDR, PDF, ZIP (download only)
    DOCUMENT = "document"  # scans of NIB, P-IRT, halal certificate (owner)


class DesignFile(Model):
    """One stored upload; the bytes live in storage under `storage_key`."""

    __table_args__ = (
        CheckConstraint("kind <> 'draft' OR version IS NOT NULL", name="draft_has_version"),
        CheckConstraint("size > 0", name="size_positive"),
        UniqueConstraint("request_id", "kind", "version", name="uq_design_file_version"),
        Index("ix_design_file_request", "request_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"))
    kind: Mapped[DesignKind] = mapped_column(enum_column(DesignKind, "design_kind"))
    version: Mapped[int | None] = mapped_column()
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    preview_key: Mapped[str | None] = mapped_column(String(120))
    thumb_key: Mapped[str | None] = mapped_column(String(120))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    proof_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[ServiceRequest] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.preview_key is not None

    def storage_keys(self) -> list[str]:
        return [k for k in (self.storage_key, self.preview_key, self.thumb_key) if k]


class Decision(enum.Enum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


class ProofDecision(Model):
    """The owner's answer to a proof, bound to the exact bytes they saw (sha256)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    design_file_id: Mapped[int] = mapped_column(ForeignKey("design_file.id"))
    version: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, "proof_decision"))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    design_file: Mapped[DesignFile] = relationship()
    decided_by: Mapped[User] = relationship()


class CheckResult(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"


class LabelCheck(Model):
    """One checklist item for one draft."""

    __table_args__ = (
        UniqueConstraint("design_file_id", "item", name="uq_label_check_item"),
        CheckConstraint("result <> 'na' OR reason IS NOT NULL", name="na_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    design_file_id: Mapped[int] = mapped_column(ForeignKey("design_file.id"))
    item: Mapped[str] = mapped_column(String(40))
    result: Mapped[CheckResult] = mapped_column(enum_column(CheckResult, "check_result"))
    reason: Mapped[str | None] = mapped_column(String(300))
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Handover(Model):
    """The handover of the results to the owner (berita acara serah terima)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), unique=True)
    received_by: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
