"""State changes for accounts: register, authenticate with throttling, tokens, profiles.

Services change and flush; the view commits once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.services import record
from ..database import utcnow, without_write_lock
from ..extensions import db
from ..formats import FormatError, normalize_phone
from ..notifications.services import queue_email
from ..roles import Role
from ..security import new_token, token_hash
from .models import ConsentRecord, LoginAttempt, OneTimeToken, TokenPurpose, User

REGISTRATION_PURPOSE = (
    "Data Anda (nama, nomor WhatsApp, e-mail) dipakai hanya untuk memproses permohonan "
    "pendampingan kemasan, menghubungi Anda tentang permohonan itu, dan menyusun statistik "
    "layanan tanpa identitas. / Your data is used only to process packaging-assistance requests, "
    "contact you about them, and compile anonymous service statistics."
)

# Used to spend the same hashing time for unknown accounts as for known ones.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-same-cost")


class Throttled(Exception):
    """Too many failed sign-ins for this account or from this address."""


class Disabled(Exception):
    """The password is right but the account is disabled (a staff member who left)."""


def find_by_login(login: str) -> User | None:
    """The user whose e-mail or (normalised) phone is `login`."""

    login = login.strip()
    if "@" in login:
        return db.session.scalar(select(User).where(func.lower(User.email) == login.lower()))
    try:
        phone = normalize_phone(login)
    except FormatError:
        return None
    return db.session.scalar(select(User).where(User.phone == phone))


def _account_key(login: str) -> str:
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()


def account_log_key(login: str) -> str:
    """A short pseudonym of the login for log lines: the same account, the same key; never the
    e-mail or phone itself."""
    return _account_key(login)[:12]


def authenticate(login: str, password: str, address: str) -> User | None:
    """Check a sign-in, throttled per account and per address.

    The failed attempt is committed before counting, so attempts arriving all at once each see
    the others (a count taken before the write would let a burst through).
    """
    cfg = current_app.config
    key = _account_key(login)
    attempt = LoginAttempt(account_key=key, address=address)
    db.session.add(attempt)
    db.session.commit()
    # Counting, finding the account and checking the (deliberately slow) hash only read: done
    # with no write lock held, so other people's saves do not queue behind the hashing.
    with without_write_lock():
        since = utcnow() - cfg["LOGIN_WINDOW"]
        per_account = db.session.scalar(
            select(func.count()).where(LoginAttempt.account_key == key, LoginAttempt.at >= since)
        )
        per_address = db.session.scalar(
            select(func.count()).where(LoginAttempt.address == address, LoginAttempt.at >= since)
        )
        if per_account > cfg["LOGIN_MAX_PER_ACCOUNT"] or per_address > cfg["LOGIN_MAX_PER_ADDRESS"]:
            raise Throttled()
        user = find_by_login(login)
        if user is None or not user.password_hash:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not user.check_password(password):
            return None
        if not user.active:  # told only to whoever knows the password (docs/users.md)
            raise Disabled()
        user_id = user.id
    user = db.session.get(User, user_id)  # read again in the write transaction
    if user is None:  # the account was deleted meanwhile: no sign-in
        return None
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == key))
    user.last_login_at = utcnow()
    return user


def register_owner(
    full_name: str, phone: str, email: str | None, password: str, *, password_hash=None
) -> User:
    """Create an owner account with its consent record (`password_hash`: hashed beforehand)."""
    now = utcnow()
    user = User(
        role=Role.OWNER,
        full_name=full_name.strip(),
        phone=phone,
        email=(email or None) and email.strip().lower(),
        consent_at=now,
        consent_purpose=REGISTRATION_PURPOSE,
    )
    user.set_password_hash(password_hash or User.hash_password(password))
    db.session.add(user)
    db.session.flush()
    db.session.add(
        ConsentRecord(user_id=user.id, kind="registration", purpose=REGISTRATION_PURPOSE)
    )
    return user


def issue_token(user: User, purpose: TokenPurpose, created_by: User | None = None) -> str:
    """Create a single-use token for `user` and return it (only its hash is stored)."""
    lifetime = current_app.config[
        "RESET_TOKEN_LIFETIME" if purpose is TokenPurpose.RESET else "SET_PASSWORD_TOKEN_LIFETIME"
    ]
    token = new_token()
    db.session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=utcnow() + lifetime,
            created_by_id=created_by.id if created_by else None,
        )
    )
    db.session.flush()
    return token


def external_url(endpoint: str, **values) -> str:
    """An absolute link built from BASE_URL when set (never from an untrusted Host header)."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def set_password_link(user: User, created_by: User) -> str:
    """A one-time link a staff member hands to an owner (walk-ins, owners without e-mail).

    Staff could use such a link to enter the account, so each one is written to the audit log.
    """

    token = issue_token(user, TokenPurpose.SET_PASSWORD, created_by=created_by)
    record(created_by, "account.set_password_link", f"user:{user.id}")
    return external_url("auth.reset_with_token", token=token)


def request_reset(login: str) -> None:
    """Queue a reset e-mail when the account exists and has an e-mail; silent otherwise."""
    user = find_by_login(login)
    if user is None or not user.email or not user.active:
        return
    token = issue_token(user, TokenPurpose.RESET)
    link = external_url("auth.reset_with_token", token=token)
    queue_email(user, lambda: _("Reset your Rumah Kemasan password"), "email/reset", link=link)
    db.session.flush()


@dataclass
class TokenCheck:
    token: OneTimeToken | None
    problem: str | None  # "invalid", "used", "expired"


def check_token(raw: str) -> TokenCheck:
    """Look a one-time token up and say whether it can still be used."""
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == token_hash(raw)))
    if row is None:
        return TokenCheck(None, "invalid")
    if row.used_at is not None:
        return TokenCheck(row, "used")
    if row.expires_at < utcnow():
        return TokenCheck(row, "expired")
    return TokenCheck(row, None)


def use_token(row: OneTimeToken, password: str) -> User | None:
    """Spend the token: set the password (ending every other session), void sibling tokens.

    A conditional UPDATE decides the winner when the same link is opened twice at once; the
    loser gets None.
    """
    now = utcnow()
    spent = cast(  # an UPDATE's result is a CursorResult: it has the rowcount
        CursorResult[Any],
        db.session.execute(
            update(OneTimeToken)
            .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
            .values(used_at=now)
        ),
    )
    if spent.rowcount != 1:
        return None
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == row.user_id, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
    )
    user = db.session.get(User, row.user_id)
    if user is None:  # the account was deleted since the link was checked: nothing to set
        return None
    user.set_password(password)
    db.session.flush()
    return user


GALLERY_PURPOSE = (
    "Menampilkan foto kemasan sebelum dan sesudah di galeri publik dengan nama usaha saja. / "
    "Showing the before and after packaging in the public gallery with the business name only."
)


def record_gallery_consent(user: User, business) -> None:
    """Record the gallery consent (or its withdrawal) for one business."""
    db.session.add(
        ConsentRecord(
            user_id=user.id,
            kind=f"gallery:{business.name}"[:40],
            purpose=GALLERY_PURPOSE,
            granted=bool(business.gallery_consent),
        )
    )
