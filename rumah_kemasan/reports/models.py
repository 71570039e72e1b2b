"""The SKM survey answer (one per completed request) and the extra request index reports use."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import Model
from ..service_requests.models import ServiceRequest
from ..types import UTCDateTime, enum_column

# Reports count completions per unit and period; the request model has no index for that yet.
# Declared here (and created by migration 0004) so the report queries stay index range scans.
Index(
    "ix_request_unit_completed",
    ServiceRequest.unit_id,
    ServiceRequest.completed_at,
)


class Gender(enum.Enum):
    MALE = "l"
    FEMALE = "p"


class AgeGroup(enum.Enum):
    UNDER_20 = "lt20"
    A20_29 = "20_29"
    A30_39 = "30_39"
    A40_49 = "40_49"
    A50_59 = "50_59"
    OVER_60 = "60plus"


class Education(enum.Enum):
    SD = "sd"
    SMP = "smp"
    SMA = "sma"
    DIPLOMA = "diploma"
    S1 = "s1"
    S2_PLUS = "s2plus"


class Occupation(enum.Enum):
    PNS = "pns"
    TNI_POLRI = "tni_polri"
    SWASTA = "swasta"
    WIRAUSAHA = "wirausaha"
    LAINNYA = "lainnya"


def _score_checks() -> tuple:
    return tuple(CheckConstraint(f"u{i} BETWEEN 1 AND 4", name=f"u{i}_range") for i in range(1, 10))


class SurveyResponse(Model):
    """An owner's SKM answer for one completed request (PermenPANRB 14/2017).

    The respondent profile is the regulation's form (gender, age, education, occupation);
    no name or NIK is asked. Unit and time are copied from the request so period reports
    read one indexed table.
    """

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("request_id", name="uq_survey_response_request_id"),
        Index("ix_survey_unit_created", "unit_id", "created_at"),
        *_score_checks(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender, "survey_gender"))
    age_group: Mapped[AgeGroup] = mapped_column(enum_column(AgeGroup, "survey_age_group"))
    education: Mapped[Education] = mapped_column(enum_column(Education, "survey_education"))
    occupation: Mapped[Occupation] = mapped_column(enum_column(Occupation, "survey_occupation"))
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    suggestion: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[ServiceRequest] = relationship()

    def scores(self) -> list[int]:
        return [getattr(self, f"u{i}") for i in range(1, 10)]
