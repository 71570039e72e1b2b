"""The form of one service of a unit's catalog (/admin/units/<id>/services/<code>).

The extra questions are edited without JavaScript as text, one question per line:

    key | label (Indonesian) | label (English) | kind | required | choices

kind is text, number or choice; required is "required" (wajib) or empty; choices (for a
choice) are separated by ";". Only key and the Indonesian label are needed.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..accounts.forms import REQUIRED
from ..forms import Form, IntegerField
from .catalog import (
    FREE_REVISIONS_RANGE,
    KINDS,
    MAX_EXTRA_FIELDS,
    SLA_DAYS_RANGE,
    ExtraField,
)

KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")
REQUIRED_WORDS = {"required", "wajib"}
OPTIONAL_WORDS = {"", "optional", "opsional"}
KIND_WORDS = {"text": "text", "teks": "text", "number": "number", "angka": "number"}
KIND_WORDS |= {"choice": "choice", "pilihan": "choice"}


def format_extra_fields(fields: list[ExtraField]) -> str:
    """The questions as the textarea shows them."""
    lines = []
    for f in fields:
        parts = [f.key, f.label_id, f.label_en, f.kind, "required" if f.required else ""]
        if f.choices:
            parts.append("; ".join(f.choices))
        lines.append(" | ".join(parts).rstrip(" |"))
    return "\n".join(lines)


def parse_extra_fields(text: str) -> tuple[list[ExtraField], list[str]]:
    """(questions, errors): one error per bad line, naming the line."""
    fields: list[ExtraField] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (6 - len(parts))
        key, label_id, label_en, kind_word, required_word, choices_text = parts[:6]
        kind = KIND_WORDS.get(kind_word.lower() or "text")
        choices = tuple(c.strip() for c in choices_text.split(";") if c.strip())
        problem = None
        if len(parts) > 6:
            problem = _("too many parts (at most 6, separated by |)")
        elif not KEY.fullmatch(key):
            problem = _(
                "the key must start with a lowercase letter and hold only lowercase letters, "
                "digits and _ (at most 30)"
            )
        elif key in seen:
            problem = _("the key %(key)s is used twice", key=key)
        elif not label_id or len(label_id) > 120 or len(label_en) > 120:
            problem = _("write the Indonesian label (at most 120 characters)")
        elif kind not in KINDS:
            problem = _("the kind must be text, number or choice")
        elif required_word.lower() not in REQUIRED_WORDS | OPTIONAL_WORDS:
            problem = _('write "required" or leave it empty')
        elif kind == "choice" and not choices:
            problem = _("a choice needs its choices, separated by ;")
        elif kind != "choice" and choices:
            problem = _("only a choice has choices")
        elif len(choices) > 20 or any(len(c) > 60 for c in choices):
            problem = _("at most 20 choices of at most 60 characters")
        if problem:
            errors.append(_("Line %(n)s: %(problem)s.", n=number, problem=problem))
            continue
        seen.add(key)
        fields.append(
            ExtraField(
                key=key,
                label_id=label_id,
                label_en=label_en or label_id,
                kind=kind or "text",
                required=required_word.lower() in REQUIRED_WORDS,
                choices=choices,
            )
        )
    if len(fields) > MAX_EXTRA_FIELDS:
        errors.append(_("At most %(n)s questions per service.", n=MAX_EXTRA_FIELDS))
    return fields, errors


class UnitServiceForm(Form):
    enabled = BooleanField(_l("This packaging house offers this service"))
    sla_days = IntegerField(
        _l("Service time (working days)"),
        validators=[InputRequired(REQUIRED)],
        minimum=SLA_DAYS_RANGE[0],
        maximum=SLA_DAYS_RANGE[1],
        description=_l("From 1 to 365. The due date of a request counts from its acceptance."),
    )
    free_revisions = IntegerField(
        _l("Free revisions"),
        validators=[InputRequired(REQUIRED)],
        minimum=FREE_REVISIONS_RANGE[0],
        maximum=FREE_REVISIONS_RANGE[1],
        description=_l("From 0 to 20."),
    )
    includes_printing = BooleanField(_l("Printing included"))
    documents_required = TextAreaField(
        _l("Required documents"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Shown to owners on the filing form and the public page."),
    )
    extra_fields = TextAreaField(
        _l("Extra questions for the owner"),
        validators=[Optional(), Length(max=4000)],
        description=_l(
            "One question per line: key | label (Indonesian) | label (English) | "
            "text, number or choice | required or empty | choices separated by ; "
            "For example: size | Ukuran kemasan | Package size | choice | required | "
            "250 g; 500 g; 1 kg"
        ),
    )

    parsed_fields: list[ExtraField] = []  # set by validate_extra_fields

    def validate_extra_fields(self, field) -> None:
        self.parsed_fields, errors = parse_extra_fields(field.data or "")
        if errors:
            raise ValidationError(" ".join(errors))
