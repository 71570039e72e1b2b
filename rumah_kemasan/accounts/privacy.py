"""An owner's rights under UU PDP 27/2022: a copy of all their data, and erasure.

The copy is a zip of JSON files plus the files the owner may see, written into a temporary
file (never held whole in memory). Erasure follows the rule in README.md ("Personal data"):
personal data and files go, requests stay as anonymous statistics.

This module holds the account's own part (profile, consents, businesses, tokens) and asks every
other domain for theirs through the signals of `personal_data.py`: each package that stores
personal data exports and erases its own rows in its `privacy.py`.

Services flush; the view commits once. Files are deleted from storage only after the commit.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from typing import IO, Any

from sqlalchemy import delete, select

from ..database import utcnow
from ..designs.storage import get_storage
from ..extensions import db
from ..formats import display_phone
from ..personal_data import (
    REDACTED,
    PersonalDataErasure,
    PersonalDataExport,
    erasure_requested,
    export_requested,
    iso,
    val,
)
from ..roles import Role
from .models import (
    AccountRecovery,
    Business,
    ConsentRecord,
    LoginAttempt,
    OneTimeToken,
    User,
)

EXPORT_FORMAT = 1
DELETED_USER_NAME = "Pengguna dihapus"
DELETED_BUSINESS_NAME = "Usaha dihapus"


def _account_documents(user: User) -> dict[str, object]:
    profile = {
        "id": user.id,
        "role": val(user.role),
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "locale": user.locale,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
        "consent_at": iso(user.consent_at),
        "consent_purpose": user.consent_purpose,
    }
    consents = [
        {"kind": c.kind, "purpose": c.purpose, "granted": c.granted, "at": iso(c.at)}
        for c in db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
        )
    ]
    businesses = [
        {
            "id": b.id,
            "name": b.name,
            "category": val(b.category),
            "scale": val(b.scale),
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
            "created_at": iso(b.created_at),
        }
        for b in db.session.scalars(
            select(Business).where(Business.owner_id == user.id).order_by(Business.id)
        )
    ]
    return {"profile.json": profile, "consents.json": consents, "businesses.json": businesses}


def collect_export(user: User) -> PersonalDataExport:
    """Everything the service holds about `user`: this module's part and every domain's."""
    export = PersonalDataExport(user=user, documents=_account_documents(user))
    export_requested.send(None, export=export)
    requests: list[dict[str, Any]] = []
    for row in export.requests:
        row = dict(row)
        facts = export.request_facts.get(row.pop("id"), {})
        requests.append(row | facts)
    export.documents["requests.json"] = requests
    return export


def export_data(user: User) -> dict[str, object]:
    """Everything the service holds about `user`, as JSON-ready documents by file name."""
    return collect_export(user).documents


def write_export(user: User, out: IO[bytes]) -> None:
    """Write the owner's zip into `out`; files are copied in chunks from storage."""
    export = collect_export(user)
    storage = get_storage()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "README.txt",
            "Rumah Kemasan: salinan data pribadi Anda / a copy of your personal data.\n"
            f"format {EXPORT_FORMAT}, dibuat / made {utcnow().isoformat()}\n",
        )
        for name, doc in export.documents.items():
            zf.writestr(name, json.dumps(doc, ensure_ascii=False, indent=2))
        for member, key in export.attachments:
            info = zipfile.ZipInfo(member)
            info.compress_type = zipfile.ZIP_STORED  # photos and PDFs are compressed already
            with storage.open(key) as src, zf.open(info, "w", force_zip64=True) as dst:
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


def erase_owner(user: User) -> list[str]:
    """Erase an owner's personal data; returns the storage keys to delete after the commit.

    Every domain erases its own rows (`personal_data.erasure_requested`); then the account's
    part: businesses no request uses are removed, the others kept without identity (category,
    scale and kecamatan stay for statistics; "has NIB" stays countable); recoveries, tokens,
    consents and login attempts go; the user row stays as an anonymous placeholder (no name,
    phone, e-mail, password; signed out everywhere), so their requests keep counting in
    reports. See README "Personal data".
    """
    if user.role is not Role.OWNER:
        raise ValueError("only owner accounts are erased by their owner")
    needles = _needles(user)
    erasure = PersonalDataErasure(user=user, needles=needles)
    erasure_requested.send(None, erasure=erasure)

    for business in db.session.scalars(select(Business).where(Business.owner_id == user.id)):
        if business.id in erasure.kept_business_ids:
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
    return erasure.storage_keys
