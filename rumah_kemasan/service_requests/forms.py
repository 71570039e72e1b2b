"""Request forms: filing and editing, transitions, comments, assignment."""

from __future__ import annotations

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
from .models import TargetMarket

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
    service_type_id = SelectField(
        _l("Service"), coerce=form_int, validators=[DataRequired(REQUIRED)]
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

    def __init__(self, *args, printing_services: set[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._printing = printing_services or set()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.service_type_id.data in self._printing:
            if not self.quantity.data:
                self.quantity.errors.append(_l("Printing services need a quantity."))
                ok = False
            if not (self.packaging_type.data or "").strip():
                self.packaging_type.errors.append(_l("Printing services need the packaging type."))
                ok = False
        return ok


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
