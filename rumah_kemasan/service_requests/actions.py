"""The request page's next steps: which buttons a person sees on one request, and how.

`actions_for(user, req)` is shared by the view and the tests. Every decision in it is asked of
permissions.py (who) or workflow.py (which move, now): it adds only labels and layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..extensions import db
from ..permissions import (
    assignable_staff,
    can_act_on_request,
    can_assign,
    can_claim,
    can_take_jobs,
    is_unit_staff,
)
from . import services
from .models import ServiceRequest
from .workflow import TRANSITIONS, Status, allowed_transitions, note_required

# What each step's button says: the action, not the status it leads to.
ACTION_LABELS = {
    "accept": _l("Accept the request"),
    "ask_info": _l("Ask the owner for information"),
    "reject": _l("Reject the request"),
    "resubmit": _l("Send the request again"),
    "cancel": _l("Cancel the request"),
    "start_design": _l("Claim and start the design"),
    "send_proof": _l("Send the proof to the owner"),
    "approve": _l("Approve this design"),
    "request_changes": _l("Ask for changes"),
    "start_production": _l("Start production"),
    "complete": _l("Mark as completed"),
    "mark_ready": _l("Ready for pickup"),
    "reopen": _l("Reopen the request"),
}
ASSIGN_AND_START = _l("Assign and start the design")
# Steps that end a request: shown last and plainly, so nobody taps them by mistake.
ENDING_ACTIONS = {"cancel", "reject"}


@dataclass(frozen=True)
class Action:
    """One button of the request page, with what its form shows."""

    target: Status
    name: str  # the workflow's action name
    label: object  # a lazy string
    ending: bool  # ends the request: shown last, with a confirmation tick
    note_required: bool
    chooses_assignee: bool  # a supervisor names the designer (start_design)
    note_offered: bool  # a note field (required, or optional for staff)
    internal_offered: bool  # the "internal note" tick (staff, when the note is optional)


def _prospective_assignee(user: User, req: ServiceRequest) -> int | None:
    """Who would hold the job if `user` started the design now (None: nobody new)."""
    if Status(req.status) is not Status.ACCEPTED:
        return None
    if can_claim(user, req):
        return user.id  # a staff member claims a queued job, or starts one assigned to them
    if can_assign(user, req):
        # The supervisor picks in the form; any assignable designer makes the move possible.
        return req.assignee_id or db.session.scalar(
            assignable_staff(req.unit_id).with_only_columns(User.id).limit(1)
        )
    return None


def actions_for(user: User, req: ServiceRequest, designs=None) -> list[Action]:
    """The steps `user` may take on `req` now, ending steps last.

    `designs` is a designs.services.DesignSnapshot already loaded by the caller, if any.
    """
    if not can_act_on_request(user, req):
        return []
    status = Status(req.status)
    state = services.state_of(req, assignee_id=_prospective_assignee(user, req), designs=designs)
    actor = services.actor_of(user)
    staff = is_unit_staff(user)
    actions = []
    for target in allowed_transitions(state, actor):
        name = TRANSITIONS[(status, target)].name
        starts_design = name == "start_design"
        if starts_design and can_take_jobs(user) and not can_claim(user, req):
            continue  # assigned to a colleague: theirs to start
        chooses = starts_design and can_assign(user, req)
        needs_note = note_required(state, actor, target)
        actions.append(
            Action(
                target=target,
                name=name,
                label=ASSIGN_AND_START if chooses else ACTION_LABELS.get(name, target),
                ending=name in ENDING_ACTIONS,
                note_required=needs_note,
                chooses_assignee=chooses,
                note_offered=needs_note or staff,
                internal_offered=staff and not needs_note,
            )
        )
    actions.sort(key=lambda a: a.ending)
    return actions
