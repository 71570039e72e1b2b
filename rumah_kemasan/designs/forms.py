"""Design forms: uploads, the label checklist, the handover record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
