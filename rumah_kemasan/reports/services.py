"""State changes of this domain: recording an SKM answer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..extensions import db
from ..permissions import survey_refusal
from ..service_requests.models import ServiceRequest
from .models import AgeGroup, Education, Gender, Occupation, SurveyResponse


class SurveyRefused(Exception):
    """The survey cannot be taken: `code` is not_owner, not_completed or already_answered."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def survey_of(req: ServiceRequest) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.request_id == req.id))


def check_survey(req: ServiceRequest, user: User) -> None:
    """Raise SurveyRefused unless `user` may answer now (the rule: permissions.survey_refusal)."""
    refusal = survey_refusal(user, req)
    if refusal is not None:
        raise SurveyRefused(refusal)


def submit_survey(req: ServiceRequest, user: User, data: dict) -> SurveyResponse:
    """Record the owner's answer; the unique constraint settles a double submit."""
    check_survey(req, user)
    answer = SurveyResponse(
        request_id=req.id,
        unit_id=req.unit_id,
        service_type_id=req.service_type_id,
        respondent_id=user.id,
        gender=Gender(data["gender"]),
        age_group=AgeGroup(data["age_group"]),
        education=Education(data["education"]),
        occupation=Occupation(data["occupation"]),
        suggestion=(data.get("suggestion") or "").strip() or None,
        **{f"u{i}": int(data[f"u{i}"]) for i in range(1, 10)},
    )
    try:
        with db.session.begin_nested():
            db.session.add(answer)
            db.session.flush()
    except IntegrityError as exc:
        raise SurveyRefused("already_answered") from exc
    return answer
