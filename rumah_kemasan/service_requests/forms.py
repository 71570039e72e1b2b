"""Request forms: filing and editing, transitions, comments, assignment."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..accounts.forms import CATEGORY_LABELS, REQUIRED, SCALE_LABELS
from ..formats import normalize_phone
from ..forms import ChoiceIdField, Form, HiddenIntegerField, IntegerField, Normalized, form_int
from ..security import bounded_int
from . import catalog
from .models import TargetMarket, UnitService

MARKET_LABELS = {
    TargetMarket.LOKAL: _l("Local (Bali)"),
    TargetMarket.NASIONAL: _l("National"),
    TargetMarket.EKSPOR: _l("Export"),
}


class PhotosField(MultipleFileField):
    """Files only, but text sent under its name stays in `raw_data` (Flask-WTF drops it), so
    the base form's control-character check refuses the post as it does for any field."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            self.raw_data = [v for v in valuelist if isinstance(v, str)]


class RequestForm(Form):
    business_id = SelectField(_l("Business"), coerce=form_int, validators=[DataRequired(REQUIRED)])
    # Any id passes the choice check: validate() then asks the unit's catalog, and says so
    # plainly when the business's unit does not offer it.
    service_type_id = SelectField(
        _l("Service"), coerce=form_int, validate_choice=False, validators=[DataRequired(REQUIRED)]
    )
    product_name = StringField(
        _l("Product name"), validators=[DataRequired(REQUIRED), Length(max=160)]
    )
    product_category = SelectField(
        _l("Product category"),
        choices=[(c.value, label) for c, label in CATEGORY_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    brief = TextAreaField(
        _l("What do you need?"),
        validators=[DataRequired(REQUIRED), Length(max=4000)],
        description=_l(
            "Describe the product, what you want to change, colours you like, and where you sell."
        ),
    )
    target_market = SelectField(
        _l("Target market"),
        choices=[(m.value, label) for m, label in MARKET_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    quantity = IntegerField(
        _l("Quantity to print"),
        validators=[Optional()],
        maximum=1_000_000,
        description=_l("Only for printing services."),
    )
    packaging_type = StringField(
        _l("Packaging type"),
        validators=[Optional(), Length(max=120)],
        description=_l(
            "For example standing pouch 250 g, sticker 5×7 cm. Only for printing services."
        ),
    )
    # Read by service_requests.views.new through the upload pipeline (designs.services), not
    # by the form: each file is judged by its bytes there.
    photos = PhotosField(
        _l("Photos of the packaging you use now (optional)"),
        description=_l(
            "Take or choose one or more photos of the current packaging (JPEG, PNG or WebP, "
            "at most 20 MB each). They help the designer start sooner."
        ),
        render_kw={"accept": "image/*"},
    )

    def __init__(
        self,
        *args,
        offer_of: Callable[[RequestForm], UnitService | None] | None = None,
        offers: list[UnitService] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # The unit's offer of the chosen service, for the chosen business (None: not offered).
        self._offer_of = offer_of or (lambda form: None)
        self.offer: UnitService | None = None
        self.answers: dict[str, str] = {}
        # (offer, its extra fields bound to this form) for the template, one group per service
        self.extra_groups = [
            (offer, [self[extra_field_name(offer, f)] for f in catalog.extra_fields(offer)])
            for offer in offers or []
            if offer.extra_fields
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        self.offer = self._offer_of(self)
        if self.offer is None:
            self.service_type_id.errors.append(
                _l("This packaging house does not offer this service. Choose another one.")
            )
            return False
        if self.offer.includes_printing:
            if not self.quantity.data:
                self.quantity.errors.append(_l("Printing services need a quantity."))
                ok = False
            if not (self.packaging_type.data or "").strip():
                self.packaging_type.errors.append(_l("Printing services need the packaging type."))
                ok = False
        return self._check_extra_fields(self.offer) and ok

    def _check_extra_fields(self, offer: UnitService) -> bool:
        """The chosen service's extra questions: required ones answered, numbers numbers."""
        ok = True
        for question in catalog.extra_fields(offer):
            bound = self[extra_field_name(offer, question)]
            value = (bound.data or "").strip()
            if question.required and not value:
                bound.errors.append(_("This service needs this answer."))
                ok = False
            elif value and question.kind == "number":
                low, high = catalog.NUMBER_RANGE
                if bounded_int(value, minimum=low, maximum=high) is None:
                    bound.errors.append(_("Enter a whole number."))
                    ok = False
            self.answers[question.key] = value
        return ok


def extra_field_name(offer: UnitService, question: catalog.ExtraField) -> str:
    return f"extra_{offer.id}_{question.key}"


def with_extra_fields(
    form_class: type[RequestForm], offers: list[UnitService], locale: str
) -> type:
    """`form_class` with the extra questions of every offered service as fields (WTForms'
    way to add fields at run time: a subclass). Each is optional here; RequestForm.validate
    checks those of the chosen service only."""

    class Extended(form_class):  # type: ignore[valid-type,misc]
        pass

    for offer in offers:
        for question in catalog.extra_fields(offer):
            label = question.label(locale)
            if question.kind == "choice":
                unbound = SelectField(
                    label,
                    choices=[("", "–"), *((c, c) for c in question.choices)],
                    validators=[Optional()],
                )
            else:
                unbound = StringField(
                    label,
                    validators=[Optional(), Length(max=200)],
                    render_kw={"inputmode": "numeric"} if question.kind == "number" else None,
                )
            setattr(Extended, extra_field_name(offer, question), unbound)
    return Extended


class TransitionForm(Form):
    target = HiddenField(validators=[DataRequired()])
    version = HiddenIntegerField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    internal = BooleanField(_l("Internal note (staff only)"))
    assignee_id = SelectField(
        _l("Designer"), coerce=form_int, validate_choice=False, validators=[Optional()]
    )
    proof_sha256 = HiddenField(validators=[Optional(), Length(max=64)])


class CommentForm(Form):
    text = TextAreaField(_l("Comment"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    internal = BooleanField(_l("Internal note (staff only)"))


class AssignForm(Form):
    version = HiddenField(validators=[DataRequired()])
    assignee_id = SelectField(_l("Designer"), coerce=form_int, validators=[DataRequired(REQUIRED)])
    reason = StringField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=500)])


class WalkInForm(RequestForm):
    """Staff file a request for an owner at the counter, identified by phone number."""

    business_id = None  # the business is found or created from the owner's answers
    # Staff add photos on the request page once it is filed; None removes the inherited field
    # (WTForms' way), which the type checker cannot know.
    photos = None  # type: ignore[assignment]
    owner_phone = TelField(
        _l("Owner's WhatsApp number"),
        validators=[DataRequired(REQUIRED), Normalized(normalize_phone)],
        description=_l("If the number is new, an account without a password is created."),
    )
    owner_name = StringField(
        _l("Owner's full name"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    business_name = StringField(
        _l("Business name"),
        validators=[DataRequired(REQUIRED), Length(max=160)],
        description=_l("An existing business of this owner with the same name is reused."),
    )
    business_scale = SelectField(
        _l("Business scale"),
        choices=[(s.value, label) for s, label in SCALE_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    area_id = ChoiceIdField(
        _l("Desa / kelurahan"),
        validators=[DataRequired(_l("Choose the desa or kelurahan."))],
    )
    consent = BooleanField(
        _l("The owner was told the purpose of the data and agreed."),
        validators=[DataRequired(_l("We need the owner's consent to process the request."))],
    )
