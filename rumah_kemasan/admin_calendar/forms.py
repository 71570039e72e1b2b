"""The forms of a unit's holiday page."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import Form

REQUIRED = _l("This field is required.")


class DayField(DateField):
    """A date (the browser's date picker sends YYYY-MM-DD) with our own message when it
    cannot be read."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_("Enter a date such as 2026-11-25.")) from exc


class DayOffForm(Form):
    """A local day off: the date and what it is called (Galungan, Cuti bersama Idul Fitri…)."""

    day = DayField(
        _l("Date"),
        validators=[InputRequired(REQUIRED)],
        format="%Y-%m-%d",
        description=_l("A weekday the office is closed."),
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        description=_l("For example Galungan, Kuningan or Cuti bersama Idul Fitri."),
    )


class DayChangeForm(Form):
    """Work a national holiday, restore it, or remove a local day off (a button per line)."""

    day = HiddenField(validators=[InputRequired(REQUIRED)])
    action = HiddenField(validators=[InputRequired(REQUIRED)])
