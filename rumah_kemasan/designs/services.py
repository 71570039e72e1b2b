"""State changes for designs: uploads, proofs and decisions, checklists, handover.

Services check, change and end with `service_requests.events.record_event` (the event, the
flush, the notifications); the view commits once. Stored
bytes are tied to the transaction (storage.save_with_session): a rollback deletes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..database import utcnow
from ..errors import Conflict
from ..extensions import db
from ..service_requests.events import record_event
from ..service_requests.models import EventKind, ServiceRequest, Visibility
from . import checklists, storage
from .models import (
    CheckResult,
    Decision,
    DesignFile,
    DesignKind,
    Handover,
    LabelCheck,
    ProofDecision,
)
from .validation import Inspected, UploadRejected, inspect_upload


def upload(
    req: ServiceRequest, user: User, kind: DesignKind, filename: str, data: bytes
) -> DesignFile:
    """Validate, clean and store one upload with its renditions and its timeline event."""
    return store(req, user, kind, inspect(kind, filename, data), len(data))


def inspect(kind: DesignKind, filename: str, data: bytes) -> Inspected:
    """Judge and clean the bytes and make the renditions: the slow part, with no database.

    Views call it inside `without_write_lock()` so decoding a 12-MP photo never holds the
    write lock; `store` then writes the result.
    """
    cfg = current_app.config
    if len(data) > cfg["UPLOAD_MAX_FILE_BYTES"]:
        raise UploadRejected("file_too_big")
    return inspect_upload(data, filename, kind, cfg["UPLOAD_MAX_PIXELS"])


def store(
    req: ServiceRequest, user: User, kind: DesignKind, inspected: Inspected, size: int
) -> DesignFile:
    """Write an inspected upload: its files, its row and its timeline event (then flush).

    `size` is the length of the bytes as sent, counted against the request's quota.
    """
    cfg = current_app.config
    used = db.session.execute(
        select(func.coalesce(func.sum(DesignFile.size), 0)).where(DesignFile.request_id == req.id)
    ).scalar_one()
    if used + size > cfg["UPLOAD_MAX_REQUEST_BYTES"]:
        raise UploadRejected("request_quota")
    version = None
    if kind is DesignKind.DRAFT:
        version = 1 + (
            db.session.scalar(
                select(func.coalesce(func.max(DesignFile.version), 0)).where(
                    DesignFile.request_id == req.id, DesignFile.kind == DesignKind.DRAFT
                )
            )
            or 0
        )
    session = db.session()
    try:
        key = storage.save_with_session(session, inspected.data, inspected.suffix)
        preview_key = thumb_key = None
        if inspected.preview is not None and inspected.thumb is not None:  # made together
            preview_key = storage.save_with_session(session, inspected.preview, ".preview.jpg")
            thumb_key = storage.save_with_session(session, inspected.thumb, ".thumb.jpg")
    except storage.StorageError as exc:
        raise UploadRejected("storage_failed") from exc
    now = utcnow()
    design_file = DesignFile(
        request_id=req.id,
        kind=kind,
        version=version,
        storage_key=key,
        display_name=inspected.display_name,
        content_type=inspected.content_type,
        size=len(inspected.data),
        sha256=hashlib.sha256(inspected.data).hexdigest(),
        width=inspected.width,
        height=inspected.height,
        preview_key=preview_key,
        thumb_key=thumb_key,
        uploaded_by_id=user.id,
        created_at=now,
    )
    db.session.add(design_file)
    try:
        record_event(
            req,
            user,
            EventKind.FILE,
            note=f"{kind.value}|{version or ''}|{inspected.display_name}",
            # A draft stays among staff until it is sent to the owner as the proof.
            visibility=Visibility.INTERNAL if kind is DesignKind.DRAFT else Visibility.PUBLIC,
            at=now,
        )
    except IntegrityError as exc:  # two drafts numbered at once: the second must retry
        raise Conflict(req) from exc
    return design_file


def files_of(req: ServiceRequest) -> list[DesignFile]:
    return list(
        db.session.scalars(
            select(DesignFile)
            .where(DesignFile.request_id == req.id)
            .order_by(DesignFile.kind, DesignFile.version, DesignFile.id)
        )
    )


def newest_draft(req: ServiceRequest) -> DesignFile | None:
    return db.session.scalar(
        select(DesignFile)
        .where(DesignFile.request_id == req.id, DesignFile.kind == DesignKind.DRAFT)
        .order_by(DesignFile.version.desc())
        .limit(1)
    )


def current_proof(req: ServiceRequest) -> DesignFile | None:
    """The newest draft sent to the owner."""
    return db.session.scalar(
        select(DesignFile)
        .where(
            DesignFile.request_id == req.id,
            DesignFile.kind == DesignKind.DRAFT,
            DesignFile.proof_published_at.is_not(None),
        )
        .order_by(DesignFile.version.desc())
        .limit(1)
    )


def approved_decision(req: ServiceRequest) -> ProofDecision | None:
    return db.session.scalar(
        select(ProofDecision)
        .where(ProofDecision.request_id == req.id, ProofDecision.decision == Decision.APPROVED)
        .order_by(ProofDecision.id.desc())
        .limit(1)
    )


def checklist_answers(draft: DesignFile | None) -> dict[str, tuple[str, str | None]]:
    if draft is None:
        return {}
    rows = db.session.scalars(select(LabelCheck).where(LabelCheck.design_file_id == draft.id))
    return {row.item: (row.result.value, row.reason) for row in rows}


@dataclass
class DesignSnapshot:
    """Everything about a request's files that its page and its guards read, in 4 queries."""

    files: list[DesignFile]
    decision: ProofDecision | None
    handover: bool
    answers: dict[int, dict[str, tuple[str, str | None]]]

    def _drafts(self) -> list[DesignFile]:
        return sorted(
            (f for f in self.files if f.kind is DesignKind.DRAFT), key=lambda f: f.version or 0
        )

    @property
    def newest_draft(self) -> DesignFile | None:
        drafts = self._drafts()
        return drafts[-1] if drafts else None

    @property
    def proof(self) -> DesignFile | None:
        sent = [f for f in self._drafts() if f.proof_published_at is not None]
        return sent[-1] if sent else None

    def answers_for(self, design_file: DesignFile | None) -> dict[str, tuple[str, str | None]]:
        return self.answers.get(design_file.id, {}) if design_file is not None else {}


def snapshot(req: ServiceRequest) -> DesignSnapshot:
    files = files_of(req)
    decision = approved_decision(req)
    handover = db.session.scalar(select(Handover.id).where(Handover.request_id == req.id))
    ids = [f.id for f in files if f.kind is DesignKind.DRAFT]
    answers: dict[int, dict[str, tuple[str, str | None]]] = {}
    if ids:
        for row in db.session.scalars(select(LabelCheck).where(LabelCheck.design_file_id.in_(ids))):
            answers.setdefault(row.design_file_id, {})[row.item] = (row.result.value, row.reason)
    return DesignSnapshot(files, decision, handover is not None, answers)


def design_facts(
    req: ServiceRequest, snap: DesignSnapshot | None = None, *, with_checklist: bool = True
) -> dict[str, bool]:
    """What the workflow's guards need to know about the request's files.

    Without `with_checklist` (a service without a label checklist, whose guards never read it)
    the checklist facts are left False and the answers are not evaluated.
    """
    snap = snap or snapshot(req)
    draft, proof = snap.newest_draft, snap.proof
    facts = {
        "has_new_draft": draft is not None and draft.proof_published_at is None,
        "has_proof": proof is not None,
        "has_final": any(f.kind is DesignKind.FINAL for f in snap.files),
        "handover_recorded": snap.handover,
    }
    if not with_checklist:
        return facts
    category = req.product_category.value
    checked = None
    if snap.decision is not None:
        checked = next((f for f in snap.files if f.id == snap.decision.design_file_id), None)
    checked = checked or proof or draft
    # Ready to send: every item answered and every mandatory one OK or n/a with a reason,
    # so an approved design can always be completed.
    facts["checklist_complete"] = checklists.is_complete(
        category, snap.answers_for(draft)
    ) and checklists.is_passed(category, snap.answers_for(draft))
    facts["checklist_passed"] = checklists.is_passed(category, snap.answers_for(checked))
    return facts


def publish_proof(req: ServiceRequest, now: datetime) -> DesignFile:
    """Send the newest draft to the owner as the proof (the guard ensured there is one).

    The status event of the move to awaiting_approval records it; no second event is written.
    """
    draft = newest_draft(req)
    if draft is None:
        raise ValueError(f"{req.code} has no draft to send as the proof")
    draft.proof_published_at = now
    return draft


def record_decision(
    req: ServiceRequest, owner: User, approved: bool, note: str | None, seen_sha256: str | None
) -> ProofDecision | None:
    """Bind the owner's answer to the exact bytes of the proof they saw."""
    proof = current_proof(req)
    if proof is None:
        return None  # nothing was sent (approval is refused earlier by its guard)
    if seen_sha256 and seen_sha256 != proof.sha256:
        raise Conflict(req, "proof_changed")
    decision = ProofDecision(
        request_id=req.id,
        design_file_id=proof.id,
        version=proof.version,
        sha256=proof.sha256,
        decision=Decision.APPROVED if approved else Decision.CHANGES_REQUESTED,
        note=(note or "").strip() or None,
        decided_by_id=owner.id,
        decided_at=utcnow(),
    )
    db.session.add(decision)
    return decision


def save_checklist(
    draft: DesignFile, user: User, answers: Mapping[str, tuple[str, str | None]]
) -> None:
    """Store the checklist answers for one draft (replacing earlier answers).

    `answers` maps item codes to (result, reason) as designs.forms.ChecklistForm validated them
    (a result of pass/fail/na; a stripped reason of at most 300 characters, given for every
    n/a): they are stored as they are. Items without an answer keep their earlier one.
    The event is internal staff bookkeeping: the notification hub tells nobody about it.
    """
    req = draft.request
    existing = {
        row.item: row
        for row in db.session.scalars(
            select(LabelCheck).where(LabelCheck.design_file_id == draft.id)
        )
    }
    now = utcnow()
    for item in checklists.items_for(req.product_category.value):
        if item.code not in answers:
            continue
        result, reason = answers[item.code]
        row = existing.get(item.code) or LabelCheck(design_file_id=draft.id, item=item.code)
        row.result = CheckResult(result)
        row.reason = reason or None
        row.checked_by_id = user.id
        row.checked_at = now
        db.session.add(row)
    note = f"v{draft.version}"
    record_event(req, user, EventKind.CHECKLIST, note=note, visibility=Visibility.INTERNAL, at=now)


def record_handover(
    req: ServiceRequest, user: User, received_by: str, quantity: int | None, note: str | None
) -> Handover:
    """Record that the owner collected the results (needed before completing from ready)."""
    handover = db.session.scalar(select(Handover).where(Handover.request_id == req.id))
    if handover is None:
        handover = Handover(request_id=req.id, recorded_by_id=user.id)
        db.session.add(handover)
    handover.received_by = received_by.strip()
    handover.quantity = quantity
    handover.note = (note or "").strip() or None
    handover.recorded_by_id = user.id
    handover.recorded_at = utcnow()
    record_event(req, user, EventKind.SYSTEM, note=handover.received_by, at=handover.recorded_at)
    return handover
