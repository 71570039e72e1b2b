"""Units, their areas, users and business profiles."""

from __future__ import annotations

import enum
import hmac
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import Model
from ..roles import Role
from ..service_requests.sla import DEFAULT_TIMEZONE
from ..types import UTCDateTime, enum_column


class Unit(Model):
    """A packaging house (rumah kemasan) run by one local government."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    region_code: Mapped[str | None] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Free text, one line per period ("Senin–Jumat 08.00–15.00"), shown as written.
    opening_hours: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A new random stamp at every change of the unit's holidays: a process's cached calendar of
    # the unit is rebuilt when the stamp it was built from differs (services.calendar_for).
    # Random, not a counter, so that two databases (tests, a restored backup) never share one.
    calendar_stamp: Mapped[str] = mapped_column(
        String(32), default=lambda: secrets.token_hex(8), server_default="0"
    )

    areas: Mapped[list[Area]] = relationship(back_populates="unit", order_by="Area.position")


class AreaKind(enum.Enum):
    KELURAHAN = "kelurahan"
    DESA = "desa"


class Area(Model):
    """A desa or kelurahan inside a kecamatan of a unit's region; loaded from data files."""

    __table_args__ = (
        UniqueConstraint("unit_id", "kecamatan", "name", name="uq_area_unit_kecamatan_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kecamatan: Mapped[str] = mapped_column(String(120))
    kecamatan_code: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(20))  # the desa/kelurahan's BPS code
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[AreaKind] = mapped_column(enum_column(AreaKind, "area_kind"))
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="areas")


class User(UserMixin, Model):
    """Anyone who signs in: owners (umkm), staff, supervisors and admins."""

    __table_args__ = (
        CheckConstraint(
            "role = 'umkm' OR unit_id IS NOT NULL OR role = 'admin'", name="staff_unit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), default=Role.OWNER)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_purpose: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the owner erased the account: the row stays as an anonymous placeholder so
    # their requests still count in the statistics (see README, "Personal data").
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit | None] = relationship()
    businesses: Mapped[list[Business]] = relationship(
        back_populates="owner", order_by="Business.name"
    )

    # Flask-Login: the id carries the session token, so rotating it ends every session and
    # every remember cookie issued before (docs/security.md, pitfall 1).
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token.encode(), token.encode())

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.set_password_hash(self.hash_password(password))

    @staticmethod
    def hash_password(password: str) -> str:
        """The stored form of `password`: deliberately slow, so compute it with no lock held."""
        return generate_password_hash(password)

    def set_password_hash(self, password_hash: str) -> None:
        """Store a hash made by `hash_password` (every other session of the user ends)."""
        self.password_hash = password_hash
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:  # never set (a walk-in owner) or erased
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.SUPERVISOR)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class BusinessScale(enum.Enum):
    MIKRO = "mikro"
    KECIL = "kecil"
    MENENGAH = "menengah"


class ProductCategory(enum.Enum):
    PANGAN = "pangan"
    FASHION = "fashion"
    KERAJINAN = "kerajinan"
    HERBAL_KOSMETIK = "herbal_kosmetik"
    AGRO = "agro"
    LAINNYA = "lainnya"


class Business(Model):
    """A business profile (UMKM); an owner may have several."""

    __table_args__ = (Index("ix_business_owner_name", "owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    category: Mapped[ProductCategory] = mapped_column(enum_column(ProductCategory, "category"))
    scale: Mapped[BusinessScale] = mapped_column(enum_column(BusinessScale, "scale"))
    nib: Mapped[str | None] = mapped_column(String(13))
    pirt: Mapped[str | None] = mapped_column(String(15))
    bpom: Mapped[str | None] = mapped_column(String(14))
    halal: Mapped[str | None] = mapped_column(String(40))
    cosmetics: Mapped[str | None] = mapped_column(String(13))
    trademark_status: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300), default="")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    banjar: Mapped[str | None] = mapped_column(String(120))
    gallery_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship(back_populates="businesses")
    area: Mapped[Area | None] = relationship()
    unit: Mapped[Unit] = relationship()


class TokenPurpose(enum.Enum):
    RESET = "reset"  # e-mailed reset link
    SET_PASSWORD = "set_password"  # staff-generated link (walk-in owners, owners without e-mail)


class OneTimeToken(Model):
    """A single-use link token; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginAttempt(Model):
    """A failed login, counted for throttling per account key and per address."""

    __table_args__ = (
        Index("ix_login_attempt_account", "account_key", "at"),
        Index("ix_login_attempt_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64))  # a hash, never the typed login
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsentRecord(Model):
    """What a person agreed to, for which purpose, and when (UU PDP 27/2022)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # registration, gallery
    purpose: Mapped[str] = mapped_column(Text)
    granted: Mapped[bool] = mapped_column(default=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdentityDocument(enum.Enum):
    """Documents a staff member may check in person before an account is recovered."""

    KTP = "ktp"
    SIM = "sim"
    PASPOR = "paspor"
    KK = "kk"


class AccountRecovery(Model):
    """An owner's account recovered at the counter: identity check, approval, one-time link.

    A staff member records the in-person check; a supervisor of the owner's home unit (the
    unit of their first business or request), who is not the recorder, approves or refuses
    it; only then may the recorder make one short-lived set-password link. Using the link
    ends every session of the owner and leaves a notice for their next sign-in.
    """

    __table_args__ = (Index("ix_account_recovery_unit_decided", "unit_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # whose supervisor approves
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="SET NULL")
    )
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    document: Mapped[IdentityDocument] = mapped_column(
        enum_column(IdentityDocument, "identity_document")
    )
    document_last4: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved: Mapped[bool | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(Text)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("one_time_token.id"))
    link_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    token: Mapped[OneTimeToken | None] = relationship()


class UnitHoliday(Model):
    """A unit's own change to the national calendar for one date.

    `closed`: a local day off (Galungan, Kuningan, a cuti bersama the unit observes); not
    closed: a national holiday the unit works through. One row per unit and date.
    """

    __table_args__ = (UniqueConstraint("unit_id", "day", name="uq_unit_holiday_unit_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    closed: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()
