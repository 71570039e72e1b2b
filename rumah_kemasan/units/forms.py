"""The unit form and the areas upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.validators import Email as EmailValidator

from ..formats import normalize_phone
from ..forms import Form, Normalized
from .services import REGION_CODE_RE, TIMEZONES

REQUIRED = _l("This field is required.")

ZONE_LABELS = {
    "WIB": _l("WIB (Western Indonesia, UTC+7)"),
    "WITA": _l("WITA (Central Indonesia, UTC+8)"),
    "WIT": _l("WIT (Eastern Indonesia, UTC+9)"),
}


class UnitForm(Form):
    name = StringField(
        _l("Name of the unit"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("For example: Rumah Kemasan Kabupaten Sleman."),
    )
    province = StringField(_l("Province"), validators=[DataRequired(REQUIRED), Length(max=120)])
    city = StringField(
        _l("Regency or city"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        description=_l("For example: Kabupaten Sleman, Kota Jayapura."),
    )
    address = StringField(_l("Street address"), validators=[Length(max=300)])
    whatsapp = TelField(
        _l("WhatsApp number (optional)"),
        validators=[Normalized(normalize_phone)],
        description=_l("A mobile number, e.g. 0812-3456-7890. Owners are sent to it by a link."),
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            EmailValidator(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    opening_hours = TextAreaField(
        _l("Opening hours (optional)"),
        validators=[Length(max=500)],
        description=_l("One line per period, e.g. Senin–Jumat 08.00–15.00."),
    )
    # No zone is chosen for the admin: a unit in the wrong zone would show every due date an
    # hour off, so the choice is made on purpose.
    timezone = SelectField(
        _l("Time zone"),
        choices=[("", _l("Choose…"))]
        + [(zone, ZONE_LABELS[abbr]) for zone, abbr in TIMEZONES.items()],
        validators=[DataRequired(REQUIRED)],
    )
    region_code = StringField(
        _l("Region code (BPS / Kemendagri, optional)"),
        validators=[
            Optional(),
            Regexp(
                REGION_CODE_RE.pattern,
                message=_l("Digits in groups separated by dots, for example 51.71 or 34.04."),
            ),
        ],
        description=_l("The regency or city code: area codes in the CSV must start with it."),
    )

    def values(self) -> dict[str, str | None]:
        """The cleaned values, as the unit stores them."""

        def text(field) -> str:
            return " ".join((field.data or "").split())

        hours = "\n".join(
            line.strip() for line in (self.opening_hours.data or "").splitlines() if line.strip()
        )
        return {
            "name": text(self.name),
            "province": text(self.province),
            "city": text(self.city),
            "address": text(self.address),
            "whatsapp": self.whatsapp.normalized,
            "email": (self.email.data or "").strip().lower() or None,
            "opening_hours": hours,
            "timezone": self.timezone.data,
            "region_code": (self.region_code.data or "").strip() or None,
        }


class AreasUploadForm(Form):
    file = FileField(_l("CSV file"))


class AreasConfirmForm(Form):
    # The checked text travels back with the confirmation and is checked again before saving.
    # A textarea (hidden): unlike an <input>, it keeps the line breaks.
    csv_text = TextAreaField()
