"""The two forms of the import page: choose the unit and the file; confirm what was checked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, Length

from ..accounts.forms import REQUIRED
from ..forms import Form, form_int


class UploadForm(Form):
    unit_id = SelectField(_l("Unit"), coerce=form_int, validators=[DataRequired(REQUIRED)])
    file = FileField(
        _l("Spreadsheet"),
        description=_l("The filled template: Excel (.xlsx) or CSV, at most 5 MB."),
    )


class ConfirmForm(Form):
    token = HiddenField(validators=[DataRequired(), Length(min=32, max=32)])
