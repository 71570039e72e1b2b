"""Design forms: uploads, the label checklist, the handover record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..accounts.forms import REQUIRED
from ..forms import Form, IntegerField
from .models import DesignKind

KIND_LABELS = {
    DesignKind.BEFORE: _l("Photo of the current packaging (before)"),
    DesignKind.DOCUMENT: _l("Document (NIB, P-IRT, halal certificate)"),
    DesignKind.DRAFT: _l("Design draft"),
    DesignKind.FINAL: _l("Final design"),
    DesignKind.SOURCE: _l("Source file (AI, PSD, CDR, PDF, ZIP)"),
}


class UploadForm(Form):
    kind = SelectField(_l("What are you adding?"), validators=[DataRequired(REQUIRED)])
    files = MultipleFileField(
        _l("Files"),
        description=_l("Photos (JPEG, PNG, WebP) or PDF; at most 20 MB each."),
    )


class HandoverForm(Form):
    received_by = StringField(
        _l("Received by (name)"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    quantity = IntegerField(
        _l("Quantity handed over"),
        validators=[Optional()],
        maximum=1_000_000,
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


RESULTS = ("pass", "fail", "na")
CHOOSE_AN_ANSWER = _l("Choose an answer.")
SAY_WHY = _l("Say why this item does not apply.")


def _clip_reason(value: str | None) -> str:
    return (value or "")[:300].strip()


class ChecklistForm(Form):
    """The label checklist of one draft: per item a result and, for "not applicable", a reason.

    The items depend on the product category, so the fields are made per form
    (`ChecklistForm.for_items`); their names are `result-<code>` and `reason-<code>`, as the
    template writes them. A result outside pass/fail/na is "Choose an answer."; n/a without a
    reason is "Say why…"; a reason is cut to 300 characters. `answers` is what
    designs.services.save_checklist stores, unchecked.
    """

    items: tuple = ()

    @classmethod
    def for_items(cls, items, **kwargs) -> ChecklistForm:
        fields = {"items": tuple(items)}
        for item in items:
            fields[f"result-{item.code}"] = RadioField(
                choices=RESULTS,
                validate_choice=False,
                validators=[AnyOf(RESULTS, message=CHOOSE_AN_ANSWER)],
            )
            fields[f"reason-{item.code}"] = StringField(filters=[_clip_reason])
        return type("ChecklistForm", (cls,), fields)(**kwargs)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for item in self.items:
            result = self[f"result-{item.code}"]
            if result.data == "na" and not self[f"reason-{item.code}"].data:
                result.errors.append(SAY_WHY)
                valid = False
        return valid

    @property
    def answers(self) -> dict[str, tuple[str, str]]:
        """Item code → (result, reason), as submitted."""
        return {
            item.code: (
                self[f"result-{item.code}"].data or "",
                self[f"reason-{item.code}"].data or "",
            )
            for item in self.items
        }

    @property
    def item_errors(self) -> dict[str, str]:
        """Item code → the first error of its answer."""
        return {
            item.code: self[f"result-{item.code}"].errors[0]
            for item in self.items
            if self[f"result-{item.code}"].errors
        }
