"""The e-mail choices on the account page: one select per topic of the user's role, named by
the topic (`new_request`, `assigned`, …; no clash with the profile form's fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtforms import SelectField

from ..forms import Form
from .models import Delivery, EmailTopic
from .preferences import DELIVERY_LABELS, TOPIC_LABELS, choices, topics_for

if TYPE_CHECKING:
    from ..accounts.models import User


def preferences_form(user: User) -> Form:
    """A form with one select per topic, filled with the user's current choices."""

    class PreferencesForm(Form):
        pass

    for topic in topics_for(user):
        setattr(
            PreferencesForm,
            topic.value,
            SelectField(
                TOPIC_LABELS[topic],
                choices=[(d.value, DELIVERY_LABELS[d]) for d in Delivery],
            ),
        )
    current = {t.value: d.value for t, d in choices(user).items()}
    return PreferencesForm(data=current)


def wanted(form: Form, user: User) -> dict[EmailTopic, Delivery]:
    return {t: Delivery(form[t.value].data) for t in topics_for(user)}
