"""Form pieces shared by every domain: format validators with Indonesian-first messages."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from .accounts.passwords import password_problem
from .formats import FormatError

FORMAT_MESSAGES = {
    "phone_invalid": _l("Enter a mobile (WhatsApp) number, for example 0812-3456-7890."),
    "phone_not_mobile": _l(
        "This looks like a landline. Enter a mobile (WhatsApp) number that starts with 08."
    ),
    "nib_invalid": _l("An NIB has exactly 13 digits."),
    "pirt_invalid": _l("A P-IRT number has 15 digits, written like P-IRT No. 1234567890123-45."),
    "bpom_invalid": _l("A BPOM number is MD or ML followed by 12 digits, e.g. MD 123456789012."),
    "cosmetics_invalid": _l(
        "A cosmetics notification number is N, a letter A–E and 11 digits, e.g. NA18201200123."
    ),
    "halal_invalid": _l("Enter the halal certificate number as printed on the certificate."),
}

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 10 characters."),
    "too_long": _l("Use at most 256 characters."),
    "common": _l("This password is too common and easy to guess. Choose another one."),
    "personal": _l("Do not use your name, phone or e-mail in the password."),
}


class Normalized:
    """Validate a field with a pure normaliser from `formats` and keep the normalised value.

    Empty values pass (combine with DataRequired when the field is required); the cleaned value
    is stored on the field as `normalized`.
    """

    def __init__(self, normalizer: Callable[[str], str]):
        self.normalizer = normalizer

    def __call__(self, form, field):
        field.normalized = None
        raw = (field.data or "").strip()
        if not raw:
            return
        try:
            field.normalized = self.normalizer(raw)
        except FormatError as exc:
            raise ValidationError(FORMAT_MESSAGES.get(exc.code, exc.code)) from exc


class StrongPassword:
    """Refuse short, overlong and common passwords."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])


class ActionForm(FlaskForm):
    """A POST button with nothing but a CSRF token."""
