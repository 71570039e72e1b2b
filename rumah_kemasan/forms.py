"""Form pieces shared by every domain: the base form every form inherits (it refuses control
characters in every field), integer fields bounded like the database's columns, and format
validators with Indonesian-first messages."""

from __future__ import annotations

from collections.abc import Callable

import wtforms
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from .accounts.passwords import password_problem
from .formats import FormatError
from .security import MAX_ID, bounded_int, has_forbidden_chars, strip_forbidden_chars

FORBIDDEN_CHARS_MESSAGE = _l("The text contains characters that are not allowed.")


def plain_text(form, field) -> None:
    """Refuse control characters (and bidi overrides) in whatever the field received.

    A textarea may hold tab, newline and carriage return. The field keeps the typed text
    without those characters, so the page shows what will be saved when it is sent again.
    """
    raw = [v for v in (field.raw_data or ()) if isinstance(v, str)]
    multiline = isinstance(field, TextAreaField)
    if not any(has_forbidden_chars(v, multiline=multiline) for v in raw):
        return
    cleaned = [strip_forbidden_chars(v, multiline=multiline) for v in raw]
    field.raw_data = cleaned
    if isinstance(field.data, str):
        field.data = strip_forbidden_chars(field.data, multiline=multiline)
    raise ValidationError(FORBIDDEN_CHARS_MESSAGE)


class Form(FlaskForm):
    """The base of every form in the app: each field also runs `plain_text`.

    Added here once, so a new form or field is covered without anyone remembering it
    (tests/unit/test_input_entry_points.py fails on a FlaskForm that does not inherit this).
    """

    def validate(self, extra_validators=None) -> bool:
        extra = dict(extra_validators or {})
        for name in self._fields:
            extra[name] = [*extra.get(name, ()), plain_text]
        return super().validate(extra)


def refusal_message(form, default: str) -> str:
    """What to flash when a form posted from another page is refused: the forbidden
    characters message when that is the reason (a "write a comment" would mislead), else
    `default`."""
    if any(FORBIDDEN_CHARS_MESSAGE in field.errors for field in form):
        return str(FORBIDDEN_CHARS_MESSAGE)
    return default


def form_int(value) -> int:
    """`coerce` for SelectField/RadioField of ids: bounded_int, ValueError when out of range."""
    number = bounded_int(value)
    if number is None:
        raise ValueError(value)
    return number


class IntegerField(wtforms.IntegerField):
    """An integer typed into a form, parsed by bounded_int within [minimum, maximum]."""

    def __init__(self, label=None, validators=None, *, minimum=1, maximum=MAX_ID, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_data(self, value):
        self.data = bounded_int(value, minimum=self.minimum, maximum=self.maximum)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = bounded_int(valuelist[0], minimum=self.minimum, maximum=self.maximum)
        if self.data is None:
            raise ValueError(
                _(
                    "Enter a whole number from %(minimum)s to %(maximum)s.",
                    minimum=format_number(self.minimum),
                    maximum=format_number(self.maximum),
                )
            )


class HiddenIntegerField(IntegerField):
    """A bounded integer the page carries back (a version, an id), as a hidden input."""

    widget = wtforms.widgets.HiddenInput()


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


class ActionForm(Form):
    """A POST button with nothing but a CSRF token."""


class _SelectWithPlaceholder(wtforms.widgets.Select):
    """A <select> whose first option is an empty "choose…": nothing is chosen for the user."""

    def __call__(self, field, **kwargs):
        html = str(super().__call__(field, **kwargs))
        cut = html.index(">") + 1
        first = f'<option value="">{escape(field.placeholder)}</option>'
        return Markup(html[:cut] + first + html[cut:])


class ChoiceIdField(wtforms.SelectField):
    """A required choice of an id (plain or grouped choices) that starts empty.

    The browser would otherwise pre-select the first option (a desa nobody chose); an empty
    answer is left to the field's DataRequired, so the page says what to choose.
    """

    widget = _SelectWithPlaceholder()

    def __init__(self, label=None, validators=None, *, placeholder=None, **kwargs):
        kwargs.setdefault("coerce", form_int)
        super().__init__(label, validators, **kwargs)
        self.placeholder = placeholder if placeholder is not None else _l("Choose…")

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] == "":
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.data is None:
            return
        super().pre_validate(form)
