"""Who hears about what: in-app notifications and the e-mail outbox.

`on_request_event` is called by every request service right after it appends a timeline
event, inside the same transaction, so a notification exists exactly when its event does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..service_requests.models import RequestEvent


def on_request_event(event: RequestEvent) -> None:
    """Queue the notifications and e-mails that `event` causes (flush only, never commit)."""
