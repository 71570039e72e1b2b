"""The survey's part of an owner's data: their SKM answers; on erasure the free-text suggestion
goes and the scores stay in the statistics (README, "Personal data")."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..personal_data import (
    PersonalDataErasure,
    PersonalDataExport,
    erasure_requested,
    export_requested,
    iso,
    val,
)
from .models import SurveyResponse


def _responses(user):
    return db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.respondent_id == user.id)
        .order_by(SurveyResponse.id)
    )


@export_requested.connect
def export(_sender, export: PersonalDataExport) -> None:
    export.documents["survey.json"] = [
        {
            "request": s.request.code,
            "gender": val(s.gender),
            "age_group": val(s.age_group),
            "education": val(s.education),
            "occupation": val(s.occupation),
            **{f"u{i}": getattr(s, f"u{i}") for i in range(1, 10)},
            "suggestion": s.suggestion,
            "at": iso(s.created_at),
        }
        for s in _responses(export.user)
    ]


@erasure_requested.connect
def erase(_sender, erasure: PersonalDataErasure) -> None:
    for survey in _responses(erasure.user):
        survey.suggestion = None
