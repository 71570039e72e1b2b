"""Account forms: register, sign in, passwords, business profiles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.validators import Email as EmailValidator

from ..formats import (
    normalize_bpom,
    normalize_cosmetics,
    normalize_halal,
    normalize_nib,
    normalize_phone,
    normalize_pirt,
)
from ..forms import ChoiceIdField, Form, Normalized, StrongPassword
from .models import BusinessScale, IdentityDocument, ProductCategory

REQUIRED = _l("This field is required.")

CATEGORY_LABELS = {
    ProductCategory.PANGAN: _l("Food and drink (processed)"),
    ProductCategory.FASHION: _l("Fashion and textiles (endek, songket)"),
    ProductCategory.KERAJINAN: _l("Crafts (silver, weaving, carving, bags, sandals)"),
    ProductCategory.HERBAL_KOSMETIK: _l("Herbal, cosmetics and spa"),
    ProductCategory.AGRO: _l("Agricultural produce"),
    ProductCategory.LAINNYA: _l("Other"),
}
SCALE_LABELS = {
    BusinessScale.MIKRO: _l("Micro"),
    BusinessScale.KECIL: _l("Small"),
    BusinessScale.MENENGAH: _l("Medium"),
}


class RegisterForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    phone = TelField(
        _l("WhatsApp number"),
        validators=[DataRequired(REQUIRED), Normalized(normalize_phone)],
        description=_l("A mobile number, e.g. 0812-3456-7890. You sign in with it."),
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            EmailValidator(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), StrongPassword()],
        description=_l("At least 10 characters; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    consent = BooleanField(
        _l("I agree that my data is used for this purpose."),
        validators=[DataRequired(_l("We need your consent to process your request."))],
    )


class LoginForm(Form):
    login = StringField(
        _l("E-mail or WhatsApp number"), validators=[DataRequired(REQUIRED), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ResetRequestForm(Form):
    login = StringField(
        _l("E-mail or WhatsApp number"), validators=[DataRequired(REQUIRED), Length(max=254)]
    )


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), StrongPassword()],
        description=_l("At least 10 characters; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])

    def validate_current(self, field):

        if not current_user.check_password(field.data or ""):
            raise ValidationError(_l("The current password is not correct."))


class ProfileForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            EmailValidator(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    locale = SelectField(_l("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class BusinessForm(Form):
    name = StringField(_l("Business name"), validators=[DataRequired(REQUIRED), Length(max=160)])
    category = SelectField(
        _l("Main product category"),
        choices=[(c.value, label) for c, label in CATEGORY_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    scale = SelectField(
        _l("Business scale"),
        choices=[(s.value, label) for s, label in SCALE_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    nib = StringField(
        _l("NIB (optional)"),
        validators=[Normalized(normalize_nib)],
        description=_l("13 digits, from OSS."),
    )
    pirt = StringField(
        _l("P-IRT number (optional)"),
        validators=[Normalized(normalize_pirt)],
        description=_l("P-IRT No. 1234567890123-45"),
    )
    bpom = StringField(_l("BPOM MD/ML number (optional)"), validators=[Normalized(normalize_bpom)])
    halal = StringField(
        _l("Halal certificate number (optional)"), validators=[Normalized(normalize_halal)]
    )
    cosmetics = StringField(
        _l("Cosmetics notification number (optional)"),
        validators=[Normalized(normalize_cosmetics)],
    )
    area_id = ChoiceIdField(
        _l("Desa / kelurahan"),
        validators=[DataRequired(_l("Choose the desa or kelurahan."))],
    )
    banjar = StringField(_l("Banjar (optional)"), validators=[Length(max=120)])
    address = StringField(_l("Street address"), validators=[Length(max=300)])
    gallery_consent = BooleanField(
        _l(
            "Show our before/after design in the public gallery (business name only, "
            "no personal data). You can withdraw this at any time."
        )
    )


class DeleteAccountForm(Form):
    """Erasing one's account: the password again, and an explicit confirmation."""

    password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    confirm = BooleanField(
        _l("I understand that my account, my data and my files are deleted for good."),
        validators=[DataRequired(REQUIRED)],
    )

    def validate_password(self, field):

        if not current_user.check_password(field.data or ""):
            raise ValidationError(_l("The current password is not correct."))


DOCUMENT_LABELS = {
    IdentityDocument.KTP: _l("KTP (identity card)"),
    IdentityDocument.SIM: _l("SIM (driving licence)"),
    IdentityDocument.PASPOR: _l("Passport"),
    IdentityDocument.KK: _l("Kartu Keluarga"),
}


class IdentityCheckForm(Form):
    """What the staff member saw at the counter before an owner's account is recovered."""

    document = SelectField(
        _l("Document checked"),
        choices=[(d.value, label) for d, label in DOCUMENT_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    last4 = StringField(
        _l("Last four digits of the document number"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^[0-9A-Za-z]{4}$", message=_l("Type exactly four letters or digits.")),
        ],
    )
    reason = TextAreaField(
        _l("Why the owner cannot recover the account alone"),
        validators=[DataRequired(REQUIRED), Length(max=500)],
        description=_l("For example: lost the password, no e-mail address on the account."),
    )
    confirm = BooleanField(
        _l("I saw the document in person and its name and photo match the owner."),
        validators=[DataRequired(_l("Confirm that you checked the document in person."))],
    )


class RecoveryDecisionForm(Form):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
