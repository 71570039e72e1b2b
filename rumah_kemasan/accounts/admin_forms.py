"""Forms of /admin/users: invite someone, change a role or unit, disable and re-enable.

The role and unit choices are filled by the view from permissions.py (`grantable_roles`,
`managed_units`): a choice that is not offered is refused by the form itself.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.validators import Email as EmailValidator

from ..formats import normalize_phone
from ..forms import Form, Normalized
from ..roles import Role
from .forms import REQUIRED

ROLE_LABELS = {
    Role.STAFF: _l("Staff (designer)"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator (every unit)"),
}
NO_UNIT = ""  # the unit choice of an administrator, who belongs to none


def role_choices(roles) -> list[tuple[str, str]]:
    return [(role.value, ROLE_LABELS[role]) for role in roles]


def unit_choices(units, *, with_none: bool) -> list[tuple[str, str]]:
    choices = [(str(unit.id), unit.name) for unit in units]
    if with_none:
        choices.insert(0, (NO_UNIT, str(_l("None (administrators only)"))))
    return choices


class _RoleAndUnit(Form):
    role = SelectField(_l("Role"), validators=[DataRequired(REQUIRED)])
    unit_id = SelectField(_l("Unit"), validators=[Optional()])


class InviteForm(_RoleAndUnit):
    full_name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            Optional(),
            EmailValidator(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("The link is sent here. Give an e-mail, a WhatsApp number, or both."),
    )
    phone = TelField(
        _l("WhatsApp number"),
        validators=[Normalized(normalize_phone)],
        description=_l("Without an e-mail, you are shown the link once to send it yourself."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.phone.data or "").strip():
            self.email.errors = [*self.email.errors, _l("Give an e-mail or a WhatsApp number.")]
            ok = False
        return ok


class ChangeForm(_RoleAndUnit):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(REQUIRED), Length(max=500)],
        description=_l("Kept in the audit log with the change."),
    )


class DisableForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(REQUIRED), Length(max=500)],
        description=_l("For example: left the office on 30 November."),
    )


class EnableForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])
