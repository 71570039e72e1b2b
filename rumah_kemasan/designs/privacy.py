"""The designs' part of an owner's data: the files they may open, their proof decisions and the
handover; on erasure every file of their requests goes (their photos and the designs that carry
their brand) with the decisions and checklists bound to it (README, "Personal data")."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from ..extensions import db
from ..permissions import can_view_file
from ..personal_data import (
    REDACTED,
    PersonalDataErasure,
    PersonalDataExport,
    erasure_requested,
    export_requested,
    iso,
    redact,
    val,
)
from ..service_requests.models import ServiceRequest
from .models import DesignFile, Handover, LabelCheck, ProofDecision


def _safe_member(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.ASCII).strip("._") or "file"
    return cleaned[:80]


def file_member(code: str, design_file: DesignFile) -> str:
    """Where a file sits inside the owner's zip."""
    name = _safe_member(design_file.display_name)
    return f"files/{code}/{design_file.id}-{val(design_file.kind)}-{name}"


def _owner_request_codes(user) -> dict[int, str]:
    return dict(
        db.session.execute(
            select(ServiceRequest.id, ServiceRequest.code).where(
                ServiceRequest.applicant_id == user.id
            )
        ).all()
    )


@export_requested.connect
def export(_sender, export: PersonalDataExport) -> None:
    user = export.user
    codes = _owner_request_codes(user)
    if not codes:
        return
    files: dict[int, list[dict]] = {rid: [] for rid in codes}
    for f in db.session.scalars(
        select(DesignFile)
        .where(DesignFile.request_id.in_(codes))
        .order_by(DesignFile.request_id, DesignFile.id)
    ):
        if not can_view_file(user, f):  # never an unsent draft
            continue
        member = file_member(codes[f.request_id], f)
        files[f.request_id].append(
            {
                "kind": val(f.kind),
                "version": f.version,
                "name": f.display_name,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "uploaded_at": iso(f.created_at),
                "path": member,
            }
        )
        export.attachments.append((member, f.storage_key))
    for request_id in codes:
        decisions = [
            {
                "version": d.version,
                "sha256": d.sha256,
                "decision": val(d.decision),
                "note": d.note,
                "at": iso(d.decided_at),
            }
            for d in db.session.scalars(
                select(ProofDecision)
                .where(
                    ProofDecision.request_id == request_id, ProofDecision.decided_by_id == user.id
                )
                .order_by(ProofDecision.id)
            )
        ]
        handover = db.session.scalar(select(Handover).where(Handover.request_id == request_id))
        export.add_request_facts(
            request_id,
            decisions=decisions,
            handover=handover
            and {
                "received_by": handover.received_by,
                "quantity": handover.quantity,
                "at": iso(handover.recorded_at),
            },
            files=files[request_id],
        )


@erasure_requested.connect
def erase(_sender, erasure: PersonalDataErasure) -> None:
    request_ids = list(_owner_request_codes(erasure.user))
    if not request_ids:
        return
    files = list(
        db.session.scalars(select(DesignFile).where(DesignFile.request_id.in_(request_ids)))
    )
    file_ids = [f.id for f in files]
    for f in files:
        erasure.storage_keys += f.storage_keys()
    if file_ids:
        db.session.execute(delete(LabelCheck).where(LabelCheck.design_file_id.in_(file_ids)))
    db.session.execute(delete(ProofDecision).where(ProofDecision.request_id.in_(request_ids)))
    for f in files:
        db.session.delete(f)
    for handover in db.session.scalars(
        select(Handover).where(Handover.request_id.in_(request_ids))
    ):
        handover.received_by = REDACTED
        handover.note = redact(handover.note, erasure.needles)
