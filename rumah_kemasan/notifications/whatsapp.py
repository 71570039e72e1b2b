"""WhatsApp click-to-chat links for staff: prefilled messages to owners, without a gateway.

The text holds the request code, its status and a link, in the owner's language (Indonesian
unless they chose English): nothing the owner does not already know, no other person's name,
no note (UU PDP: no personal data in WhatsApp texts).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from ..formats import FormatError, whatsapp_link
from ..service_requests.models import ServiceRequest
from ..service_requests.workflow import Status
from ..templating import status_label
from .services import absolute_url, user_locale

# The moments staff would message an owner.
MESSAGE_STATUSES = (Status.NEEDS_INFO, Status.AWAITING_APPROVAL, Status.READY)


def _text(req: ServiceRequest, status: Status, link: str) -> str:

    values = {
        "unit": req.unit.name,
        "code": req.code,
        "status": status_label(status),
        "link": link,
    }
    if status is Status.NEEDS_INFO:
        return _(
            "Hello, this is %(unit)s. Your request %(code)s (%(status)s) needs more "
            "information before we can continue. Please open: %(link)s",
            **values,
        )
    if status is Status.AWAITING_APPROVAL:
        return _(
            "Hello, this is %(unit)s. The design proof for your request %(code)s "
            "(%(status)s) is ready for your approval. Please open: %(link)s",
            **values,
        )
    return _(
        "Hello, this is %(unit)s. The result of your request %(code)s (%(status)s) can be "
        "collected. Please bring your receipt. Details: %(link)s",
        **values,
    )


def owner_chat_link(req: ServiceRequest) -> str | None:
    """A wa.me link with the message that fits the request's status, or None."""
    status = Status(req.status)
    owner = req.applicant
    if status not in MESSAGE_STATUSES or not owner.phone:
        return None
    link = absolute_url("requests.detail", code=req.code)
    with force_locale(user_locale(owner)):
        text = _text(req, status, link)
    try:
        return whatsapp_link(owner.phone, text)
    except FormatError:
        return None
