"""The service catalog, requests and their append-only timeline."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from ..accounts.models import Business, ProductCategory, Unit, User
from ..database import utcnow
from ..extensions import Model
from ..types import UTCDateTime, enum_column
from .workflow import Status


class ServiceType(Model):
    """One service of the catalog, e.g. label design or sticker printing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_id: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    description_id: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    sla_days: Mapped[int] = mapped_column(default=10)
    free_revisions: Mapped[int] = mapped_column(default=3)
    includes_printing: Mapped[bool] = mapped_column(default=False)
    needs_label_checklist: Mapped[bool] = mapped_column(default=False)
    documents_required: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint("sla_days > 0", name="sla_positive"),
        CheckConstraint("free_revisions >= 0", name="revisions_nonnegative"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_id

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_id


class UnitService(Model):
    """A unit's offer of one national service: whether it is offered, and on which terms.

    ServiceType is the national template (code, names, descriptions, defaults); this row is
    what one unit promises. A request copies the terms when it is filed (catalog.apply_terms),
    so a change here applies to new requests only. `extra_fields` is a list of
    {"key", "label_id", "label_en", "kind" (text|number|choice), "choices", "required"}: the
    questions the service asks the owner when filing (catalog.ExtraField).
    """

    __tablename__ = "unit_service"
    __table_args__ = (
        UniqueConstraint("unit_id", "service_type_id", name="uq_unit_service_unit_service_type"),
        CheckConstraint("sla_days BETWEEN 1 AND 365", name="sla_days_range"),
        CheckConstraint("free_revisions BETWEEN 0 AND 20", name="free_revisions_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    enabled: Mapped[bool] = mapped_column(default=True)
    sla_days: Mapped[int] = mapped_column()
    free_revisions: Mapped[int] = mapped_column()
    includes_printing: Mapped[bool] = mapped_column(default=False)
    documents_required: Mapped[str] = mapped_column(Text, default="")
    extra_fields: Mapped[list] = mapped_column(JSON, default=list)

    unit: Mapped[Unit] = relationship()
    service_type: Mapped[ServiceType] = relationship()


class TargetMarket(enum.Enum):
    LOKAL = "lokal"
    NASIONAL = "nasional"
    EKSPOR = "ekspor"


class ServiceRequest(Model):
    """A packaging-assistance request, worked through the workflow of docs/workflow.md."""

    __table_args__ = (
        CheckConstraint(
            "status NOT IN ('in_design', 'awaiting_approval', 'approved', 'in_production')"
            " OR assignee_id IS NOT NULL",
            name="assignee_when_working",
        ),
        CheckConstraint("revision_count >= 0", name="revisions_nonnegative"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        # The staff list: newest first, keyset-paginated per unit.
        Index("ix_request_unit_submitted", "unit_id", "submitted_at", "id"),
        # Open work by due date (desk, backlog).
        Index("ix_request_unit_status_due", "unit_id", "status", "due_at"),
        Index("ix_request_assignee_status", "assignee_id", "status"),
        Index("ix_request_applicant", "applicant_id", "submitted_at"),
        # One status of a unit in submission order (the desk's "to verify", a status-filtered
        # list): a seek, where (unit_id, submitted_at, id) would walk past every completed row.
        # Status first, so that SQLite never picks it for a unit's whole list.
        Index("ix_request_status_unit_submitted", "status", "unit_id", "submitted_at", "id"),
        # Text search (ILIKE '%...%') on PostgreSQL: pg_trgm GIN indexes; see _TRGM below.
        Index(
            "ix_request_code_trgm",
            "code",
            postgresql_using="gin",
            postgresql_ops={"code": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
        Index(
            "ix_request_product_trgm",
            "product_name",
            postgresql_using="gin",
            postgresql_ops={"product_name": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    product_name: Mapped[str] = mapped_column(String(160))
    product_category: Mapped[ProductCategory] = mapped_column(
        enum_column(ProductCategory, "product_category")
    )
    brief: Mapped[str] = mapped_column(Text)
    target_market: Mapped[TargetMarket] = mapped_column(enum_column(TargetMarket, "target_market"))
    quantity: Mapped[int | None] = mapped_column()
    packaging_type: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[Status] = mapped_column(
        enum_column(Status, "request_status"),
        default=Status.SUBMITTED,
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revision_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_seconds: Mapped[int] = mapped_column(default=0)  # working-clock time spent paused
    last_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)
    # The office's own number for a request imported from its spreadsheet (onboarding/):
    # a re-import recognises the request by (unit, import_ref). None for requests filed here.
    import_ref: Mapped[str | None] = mapped_column(String(60))
    # The terms the request was filed under, copied from the unit's catalog at filing
    # (catalog.apply_terms): a later change of the catalog leaves them as they are.
    sla_days: Mapped[int] = mapped_column()
    free_revisions: Mapped[int] = mapped_column()
    includes_printing: Mapped[bool] = mapped_column()
    documents_required: Mapped[str] = mapped_column(Text, default="")
    # The owner's answers to the service's extra fields: [{"key", "label_id", "label_en",
    # "value"}], labels copied so that the answers read the same after the catalog changes.
    extra_answers: Mapped[list | None] = mapped_column(JSON)

    __mapper_args__ = {"version_id_col": version}

    # Not a column: filled by the queries that ask for it (the cards, queries._with_card_data,
    # in their own statement), None wherever it was not asked for.
    has_before_photo: Mapped[bool | None] = query_expression()

    unit: Mapped[Unit] = relationship()
    business: Mapped[Business] = relationship()
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    last_changed_by: Mapped[User | None] = relationship(foreign_keys=[last_changed_by_id])
    service_type: Mapped[ServiceType] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )


class EventKind(enum.Enum):
    STATUS = "status"
    COMMENT = "comment"
    ASSIGNMENT = "assignment"
    FILE = "file"
    CHECKLIST = "checklist"
    DECISION = "decision"
    SYSTEM = "system"


class Visibility(enum.Enum):
    PUBLIC = "public"
    INTERNAL = "internal"


class RequestEvent(Model):
    """One entry of a request's timeline; rows are only ever appended."""

    __table_args__ = (Index("ix_event_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status, "event_from_status"))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status, "event_to_status"))
    note: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"), default=Visibility.PUBLIC
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class RequestCounter(Model):
    """The last number handed out per year, for human request codes (RK-2026-00042)."""

    __table_args__ = (UniqueConstraint("year", name="uq_request_counter_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    last: Mapped[int] = mapped_column(default=0)


# A re-import finds a request by the office's reference (NULLs never collide).
Index("ix_request_unit_import_ref", ServiceRequest.unit_id, ServiceRequest.import_ref, unique=True)

# The list's text search also matches the business and the owner's name. Trigram GIN indexes
# on PostgreSQL (migration 0006 creates the pg_trgm extension). SQLite has no trigram index:
# there the four *_trgm names are empty partial indexes (WHERE 0), so that the schema still
# equals the models and the planner never takes them for an ORDER BY.
Index(
    "ix_business_name_trgm",
    Business.name,
    postgresql_using="gin",
    postgresql_ops={"name": "gin_trgm_ops"},
    sqlite_where=text("0"),
)
Index(
    "ix_user_full_name_trgm",
    User.full_name,
    postgresql_using="gin",
    postgresql_ops={"full_name": "gin_trgm_ops"},
    sqlite_where=text("0"),
)
