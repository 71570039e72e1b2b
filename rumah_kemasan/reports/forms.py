"""The SKM questionnaire (PermenPANRB 14/2017): nine elements and the respondent profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import Form, form_int
from .models import AgeGroup, Education, Gender, Occupation

REQUIRED = _l("This field is required.")
ANSWER = _l("Choose one answer.")

# Element: (short name, question, answers for scores 1..4), in the regulation's order.
ELEMENTS = (
    (
        _l("Requirements"),
        _l("How well did the requirements match the service you received?"),
        (_l("Not suitable"), _l("Less suitable"), _l("Suitable"), _l("Very suitable")),
    ),
    (
        _l("Procedure"),
        _l("How easy was the procedure of this service?"),
        (_l("Not easy"), _l("Less easy"), _l("Easy"), _l("Very easy")),
    ),
    (
        _l("Completion time"),
        _l("How fast was the service completed?"),
        (_l("Not fast"), _l("Less fast"), _l("Fast"), _l("Very fast")),
    ),
    (
        _l("Cost"),
        _l("How fair was the cost of the service?"),
        (_l("Very expensive"), _l("Rather expensive"), _l("Cheap"), _l("Free of charge")),
    ),
    (
        _l("Service product"),
        _l("How well did the result match the service standard?"),
        (_l("Not suitable"), _l("Less suitable"), _l("Suitable"), _l("Very suitable")),
    ),
    (
        _l("Staff competence"),
        _l("How competent were the staff?"),
        (_l("Not competent"), _l("Less competent"), _l("Competent"), _l("Very competent")),
    ),
    (
        _l("Staff conduct"),
        _l("How polite and friendly were the staff?"),
        (
            _l("Not polite and friendly"),
            _l("Less polite and friendly"),
            _l("Polite and friendly"),
            _l("Very polite and friendly"),
        ),
    ),
    (
        _l("Facilities"),
        _l("How good were the facilities and infrastructure?"),
        (_l("Poor"), _l("Adequate"), _l("Good"), _l("Very good")),
    ),
    (
        _l("Complaint handling"),
        _l("How were complaints, suggestions and feedback handled?"),
        (
            _l("Not available"),
            _l("Available but not working"),
            _l("Working, not fully"),
            _l("Well managed"),
        ),
    ),
)

GENDER_LABELS = {Gender.MALE: _l("Male"), Gender.FEMALE: _l("Female")}
AGE_LABELS = {
    AgeGroup.UNDER_20: _l("Under 20"),
    AgeGroup.A20_29: _l("20–29"),
    AgeGroup.A30_39: _l("30–39"),
    AgeGroup.A40_49: _l("40–49"),
    AgeGroup.A50_59: _l("50–59"),
    AgeGroup.OVER_60: _l("60 or older"),
}
EDUCATION_LABELS = {
    Education.SD: _l("Primary school (SD) or less"),
    Education.SMP: _l("Junior high school (SMP)"),
    Education.SMA: _l("Senior high school (SMA/SMK)"),
    Education.DIPLOMA: _l("Diploma (D1–D4)"),
    Education.S1: _l("Bachelor (S1)"),
    Education.S2_PLUS: _l("Master or doctorate (S2/S3)"),
}
OCCUPATION_LABELS = {
    Occupation.PNS: _l("Civil servant (PNS)"),
    Occupation.TNI_POLRI: _l("TNI / POLRI"),
    Occupation.SWASTA: _l("Private employee"),
    Occupation.WIRAUSAHA: _l("Entrepreneur"),
    Occupation.LAINNYA: _l("Other"),
}
PROFILE_LABELS = {
    "gender": GENDER_LABELS,
    "age_group": AGE_LABELS,
    "education": EDUCATION_LABELS,
    "occupation": OCCUPATION_LABELS,
}


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [("", _l("Choose…"))] + [(k.value, v) for k, v in labels.items()]


def _element(i: int) -> RadioField:
    _name, question, answers = ELEMENTS[i]
    return RadioField(
        question,
        choices=[(score, answers[score - 1]) for score in (1, 2, 3, 4)],
        coerce=form_int,
        validators=[InputRequired(ANSWER)],
    )


class SurveyForm(Form):
    gender = SelectField(
        _l("Gender"), choices=_choices(GENDER_LABELS), validators=[DataRequired(REQUIRED)]
    )
    age_group = SelectField(
        _l("Age"), choices=_choices(AGE_LABELS), validators=[DataRequired(REQUIRED)]
    )
    education = SelectField(
        _l("Education"), choices=_choices(EDUCATION_LABELS), validators=[DataRequired(REQUIRED)]
    )
    occupation = SelectField(
        _l("Occupation"), choices=_choices(OCCUPATION_LABELS), validators=[DataRequired(REQUIRED)]
    )
    u1 = _element(0)
    u2 = _element(1)
    u3 = _element(2)
    u4 = _element(3)
    u5 = _element(4)
    u6 = _element(5)
    u7 = _element(6)
    u8 = _element(7)
    u9 = _element(8)
    suggestion = TextAreaField(_l("Suggestions for us (optional)"), validators=[Length(max=2000)])

    def element_fields(self):
        return [getattr(self, f"u{i}") for i in range(1, 10)]
