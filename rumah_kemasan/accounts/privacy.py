"""An owner's rights under UU PDP 27/2022: a copy of all their data, and erasure.

The copy is a zip of JSON files plus the files the owner may see, written into a temporary
file (never held whole in memory). Erasure follows the rule in README.md ("Personal data"):
personal data and files go, requests stay as anonymous statistics.

Services flush; the view commits once. Files are deleted from storage only after the commit.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from datetime import datetime
from typing import IO

from sqlalchemy import String, cast, delete, or_, select

from ..database import utcnow
from ..extensions import db
from ..formats import display_phone
from ..roles import Role
from ..service_requests.models import EventKind, RequestEvent, ServiceRequest
from .models import (
    AccountRecovery,
    Business,
    ConsentRecord,
    LoginAttempt,
    OneTimeToken,
    User,
)

EXPORT_FORMAT = 1
REDACTED = "[dihapus]"
DELETED_USER_NAME = "Pengguna dihapus"
DELETED_BUSINESS_NAME = "Usaha dihapus"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _val(value):
    return getattr(value, "value", value)


def _safe_member(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.ASCII).strip("._") or "file"
    return cleaned[:80]


def owner_requests(user: User) -> list[ServiceRequest]:
    """The owner's requests, oldest first."""
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.applicant_id == user.id)
            .order_by(ServiceRequest.submitted_at, ServiceRequest.id)
        )
    )


def exported_files(user: User, requests: list[ServiceRequest]) -> list:
    """The files of the owner's requests that the owner may open (never unsent drafts)."""
    from ..designs.models import DesignFile
    from ..permissions import can_view_file

    if not requests:
        return []
    rows = db.session.scalars(
        select(DesignFile)
        .where(DesignFile.request_id.in_([r.id for r in requests]))
        .order_by(DesignFile.request_id, DesignFile.id)
    )
    return [f for f in rows if can_view_file(user, f)]


def export_data(user: User) -> dict[str, object]:
    """Everything the service holds about `user`, as JSON-ready documents by file name."""
    from ..designs.models import Handover, ProofDecision
    from ..notifications.models import Notification
    from ..reports.models import SurveyResponse
    from ..service_requests.queries import timeline

    requests = owner_requests(user)
    files = exported_files(user, requests)
    files_by_request: dict[int, list] = {}
    for f in files:
        files_by_request.setdefault(f.request_id, []).append(f)

    profile = {
        "id": user.id,
        "role": _val(user.role),
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "locale": user.locale,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "consent_at": _iso(user.consent_at),
        "consent_purpose": user.consent_purpose,
    }
    consents = [
        {"kind": c.kind, "purpose": c.purpose, "granted": c.granted, "at": _iso(c.at)}
        for c in db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
        )
    ]
    businesses = [
        {
            "id": b.id,
            "name": b.name,
            "category": _val(b.category),
            "scale": _val(b.scale),
            "nib": b.nib,
            "pirt": b.pirt,
            "bpom": b.bpom,
            "halal": b.halal,
            "cosmetics": b.cosmetics,
            "trademark_status": b.trademark_status,
            "address": b.address,
            "kecamatan": b.area.kecamatan if b.area else None,
            "desa_kelurahan": b.area.name if b.area else None,
            "banjar": b.banjar,
            "gallery_consent": b.gallery_consent,
            "created_at": _iso(b.created_at),
        }
        for b in db.session.scalars(
            select(Business).where(Business.owner_id == user.id).order_by(Business.id)
        )
    ]

    out_requests = []
    for req in requests:
        events = [
            {
                "at": _iso(e.created_at),
                "kind": _val(e.kind),
                "from_status": _val(e.from_status),
                "to_status": _val(e.to_status),
                "note": e.note,
                "by": "you" if e.actor_id == user.id else ("staff" if e.actor_id else "system"),
            }
            for e in db.session.scalars(timeline(req, include_internal=False))
        ]
        decisions = [
            {
                "version": d.version,
                "sha256": d.sha256,
                "decision": _val(d.decision),
                "note": d.note,
                "at": _iso(d.decided_at),
            }
            for d in db.session.scalars(
                select(ProofDecision)
                .where(ProofDecision.request_id == req.id, ProofDecision.decided_by_id == user.id)
                .order_by(ProofDecision.id)
            )
        ]
        handover = db.session.scalar(select(Handover).where(Handover.request_id == req.id))
        out_requests.append(
            {
                "code": req.code,
                "status": _val(req.status),
                "service": req.service_type.code,
                "service_name": req.service_type.name_id,
                "business_id": req.business_id,
                "product_name": req.product_name,
                "product_category": _val(req.product_category),
                "brief": req.brief,
                "target_market": _val(req.target_market),
                "quantity": req.quantity,
                "packaging_type": req.packaging_type,
                "revision_count": req.revision_count,
                "submitted_at": _iso(req.submitted_at),
                "accepted_at": _iso(req.accepted_at),
                "due_at": _iso(req.due_at),
                "completed_at": _iso(req.completed_at),
                "timeline": events,
                "decisions": decisions,
                "handover": handover
                and {
                    "received_by": handover.received_by,
                    "quantity": handover.quantity,
                    "at": _iso(handover.recorded_at),
                },
                "files": [
                    {
                        "kind": _val(f.kind),
                        "version": f.version,
                        "name": f.display_name,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                        "uploaded_at": _iso(f.created_at),
                        "path": file_member(req, f),
                    }
                    for f in files_by_request.get(req.id, [])
                ],
            }
        )
    surveys = [
        {
            "request": s.request.code,
            "gender": _val(s.gender),
            "age_group": _val(s.age_group),
            "education": _val(s.education),
            "occupation": _val(s.occupation),
            **{f"u{i}": getattr(s, f"u{i}") for i in range(1, 10)},
            "suggestion": s.suggestion,
            "at": _iso(s.created_at),
        }
        for s in db.session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.respondent_id == user.id)
            .order_by(SurveyResponse.id)
        )
    ]
    notifications = [
        {
            "kind": _val(n.kind),
            "request": n.request.code if n.request else None,
            "status": _val(n.status),
            "at": _iso(n.created_at),
            "read_at": _iso(n.read_at),
        }
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]
    return {
        "profile.json": profile,
        "consents.json": consents,
        "businesses.json": businesses,
        "requests.json": out_requests,
        "survey.json": surveys,
        "notifications.json": notifications,
    }


def file_member(req: ServiceRequest, design_file) -> str:
    """Where a file sits inside the zip."""
    name = _safe_member(design_file.display_name)
    return f"files/{req.code}/{design_file.id}-{_val(design_file.kind)}-{name}"


def write_export(user: User, out: IO[bytes]) -> None:
    """Write the owner's zip into `out`; files are copied in chunks from storage."""
    from ..designs.storage import get_storage

    documents = export_data(user)
    storage = get_storage()
    requests = {r.id: r for r in owner_requests(user)}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "README.txt",
            "Rumah Kemasan: salinan data pribadi Anda / a copy of your personal data.\n"
            f"format {EXPORT_FORMAT}, dibuat / made {utcnow().isoformat()}\n",
        )
        for name, doc in documents.items():
            zf.writestr(name, json.dumps(doc, ensure_ascii=False, indent=2))
        for f in exported_files(user, list(requests.values())):
            info = zipfile.ZipInfo(file_member(requests[f.request_id], f))
            info.compress_type = zipfile.ZIP_STORED  # photos and PDFs are compressed already
            with storage.open(f.storage_key) as src, zf.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, 256 * 1024)


# --- erasure ---------------------------------------------------------------------------------


def _needles(user: User) -> list[str]:
    """The literal strings that identify the owner, as they may appear in other records."""
    found = []
    if user.full_name and len(user.full_name.strip()) >= 3:
        found.append(user.full_name.strip())
    if user.email:
        found.append(user.email)
    if user.phone:
        found += [user.phone, "+" + user.phone, "0" + user.phone[2:], display_phone(user.phone)]
    return sorted(set(found), key=len, reverse=True)


def _redact(text: str | None, needles: list[str]) -> str | None:
    if not text:
        return text
    for needle in needles:
        text = re.sub(re.escape(needle), REDACTED, text, flags=re.IGNORECASE)
    return text


def _redact_json(value, needles: list[str]):
    if isinstance(value, str):
        return _redact(value, needles)
    if isinstance(value, list):
        return [_redact_json(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v, needles) for k, v in value.items()}
    return value


def _mentions(column, needles: list[str]):
    return or_(*(cast(column, String).ilike(f"%{n}%") for n in needles))


def erase_owner(user: User) -> list[str]:
    """Erase an owner's personal data; returns the storage keys to delete after the commit.

    The user row stays as an anonymous placeholder (no name, phone, e-mail, password; signed
    out everywhere), so their requests keep counting in reports. See README "Personal data".
    """
    from ..audit.models import AuditLog
    from ..designs.models import DesignFile, Handover, LabelCheck, ProofDecision
    from ..notifications.models import (
        DigestItem,
        Notification,
        NotificationPreference,
        OutboxEmail,
    )
    from ..reports.models import SurveyResponse

    if user.role is not Role.OWNER:
        raise ValueError("only owner accounts are erased by their owner")
    needles = _needles(user)
    request_ids = [r.id for r in owner_requests(user)]

    # Files: every file of their requests (their photos and documents, and the designs that
    # carry their brand), with the proof decisions and checklists bound to them.
    keys: list[str] = []
    if request_ids:
        files = list(
            db.session.scalars(select(DesignFile).where(DesignFile.request_id.in_(request_ids)))
        )
        file_ids = [f.id for f in files]
        for f in files:
            keys += f.storage_keys()
        if file_ids:
            db.session.execute(delete(LabelCheck).where(LabelCheck.design_file_id.in_(file_ids)))
        db.session.execute(delete(ProofDecision).where(ProofDecision.request_id.in_(request_ids)))
        for f in files:
            db.session.delete(f)

        # Requests stay (code, status, service, dates, history); what the owner wrote goes.
        for req in db.session.scalars(
            select(ServiceRequest).where(ServiceRequest.id.in_(request_ids))
        ):
            req.product_name = REDACTED
            req.brief = ""
            req.packaging_type = _redact(req.packaging_type, needles)
        for event in db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id.in_(request_ids))
        ):
            if event.actor_id == user.id:
                event.note = None
            elif event.kind is EventKind.FILE and event.note:
                event.note = event.note.split(":", 1)[0]  # "before: <file name>" keeps the kind
            else:
                event.note = _redact(event.note, needles)
        for handover in db.session.scalars(
            select(Handover).where(Handover.request_id.in_(request_ids))
        ):
            handover.received_by = REDACTED
            handover.note = _redact(handover.note, needles)
    # Owner-side events on requests that are not theirs cannot exist; public notes elsewhere
    # that name them are redacted below with the other free text.
    if needles:
        for event in db.session.scalars(
            select(RequestEvent).where(_mentions(RequestEvent.note, needles))
        ):
            event.note = _redact(event.note, needles)

    for survey in db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.respondent_id == user.id)
    ):
        survey.suggestion = None

    # Businesses: removed when no request refers to them, otherwise kept without identity
    # (category, scale and kecamatan stay for statistics; "has NIB" stays countable).
    used = set(
        db.session.scalars(
            select(ServiceRequest.business_id).where(ServiceRequest.id.in_(request_ids))
        )
    )
    for business in db.session.scalars(select(Business).where(Business.owner_id == user.id)):
        if business.id in used:
            business.name = DELETED_BUSINESS_NAME
            for field in ("nib", "pirt", "bpom", "halal", "cosmetics"):
                if getattr(business, field):
                    setattr(business, field, REDACTED)
            business.trademark_status = None
            business.address = ""
            business.banjar = None
            business.gallery_consent = False
        else:
            db.session.delete(business)

    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(DigestItem).where(DigestItem.user_id == user.id))
    db.session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    outbox_match = [OutboxEmail.user_id == user.id]
    if user.email:
        outbox_match.append(OutboxEmail.to_address == user.email)
    db.session.execute(delete(OutboxEmail).where(or_(*outbox_match)))
    if needles:
        for mail in db.session.scalars(
            select(OutboxEmail).where(
                or_(
                    _mentions(OutboxEmail.subject, needles),
                    _mentions(OutboxEmail.body_text, needles),
                    _mentions(OutboxEmail.body_html, needles),
                )
            )
        ):
            mail.subject = _redact(mail.subject, needles)
            mail.body_text = _redact(mail.body_text, needles)
            mail.body_html = _redact(mail.body_html, needles)
        for row in db.session.scalars(
            select(AuditLog).where(
                or_(_mentions(AuditLog.details, needles), _mentions(AuditLog.target, needles))
            )
        ):
            row.details = _redact_json(row.details, needles)
            row.target = _redact(row.target, needles)
    for row in db.session.scalars(select(AuditLog).where(AuditLog.actor_id == user.id)):
        row.address = None
    # The identity checks name a document of the owner; the audit log keeps that they happened.
    db.session.execute(delete(AccountRecovery).where(AccountRecovery.owner_id == user.id))
    db.session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user.id))
    db.session.execute(delete(ConsentRecord).where(ConsentRecord.user_id == user.id))
    account_keys = [
        hashlib.sha256(n.lower().encode()).hexdigest() for n in needles if n != user.full_name
    ]
    if account_keys:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.account_key.in_(account_keys)))

    user.full_name = DELETED_USER_NAME
    user.email = None
    user.phone = None
    user.password_hash = None
    user.consent_at = None
    user.consent_purpose = None
    user.last_login_at = None
    user.active = False
    user.deleted_at = utcnow()
    user.rotate_session_token()  # every session and remember cookie ends
    db.session.flush()
    return keys
