"""The service-request workflow: statuses, who may move a request where, and why not.

A pure module (described in docs/workflow.md): no Flask, no SQLAlchemy, no Babel. A status's
label is written once, here, as its English msgid marked with `N_` (so `make extract` puts it in
the catalogs); `templating.status_label` translates it when the page is rendered. Services
build a `RequestState` from the model (for a claim, the prospective state with the assignee
already set), ask `check_transition`, and only then mutate. The request page's buttons come
from `allowed_transitions` (service_requests/actions.py).
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ..roles import Role


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (Babel's default `N_` keyword)."""
    return message


class Clock(enum.StrEnum):
    """What the SLA clock does while a request sits in a status."""

    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Status(enum.StrEnum):
    """Status of a service request; the value is what the database stores."""

    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    IN_DESIGN = "in_design"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The English label, which is also its msgid (translate with gettext to show it)."""
        return _STATUS_INFO[self][0]

    @property
    def is_open(self) -> bool:
        """True while the request is still being worked or waited on."""
        return _STATUS_INFO[self][1]

    @property
    def clock(self) -> Clock:
        """What the SLA clock does in this status."""
        return _STATUS_INFO[self][2]

    # Named moments, so pages and permissions ask "is it X?" instead of comparing statuses.
    @property
    def waits_on_owner(self) -> bool:
        """The next step is the owner's (information to add, or a proof to decide on)."""
        return self in WAITING_ON_OWNER

    @property
    def awaits_owner_decision(self) -> bool:
        """A proof is out and the owner approves it or asks for changes."""
        return self is Status.AWAITING_APPROVAL

    @property
    def editable_by_owner(self) -> bool:
        """The owner may still change what they filed (new, or asked for information)."""
        return self in OWNER_EDITABLE

    @property
    def at_handover(self) -> bool:
        """The results wait for pickup: staff record the handover (berita acara)."""
        return self is Status.READY


# status: (English label = msgid, open?, SLA clock), as in docs/workflow.md. The Indonesian
# labels live in the catalogs only (docs/workflow.md's column is checked against them).
_STATUS_INFO: dict[Status, tuple[str, bool, Clock]] = {
    Status.SUBMITTED: (N_("Submitted"), True, Clock.NOT_STARTED),
    Status.NEEDS_INFO: (N_("Needs information"), True, Clock.PAUSED),
    Status.ACCEPTED: (N_("Accepted, queued"), True, Clock.RUNNING),
    Status.IN_DESIGN: (N_("In design"), True, Clock.RUNNING),
    Status.AWAITING_APPROVAL: (N_("Awaiting approval"), True, Clock.PAUSED),
    Status.APPROVED: (N_("Design approved"), True, Clock.RUNNING),
    Status.IN_PRODUCTION: (N_("In production"), True, Clock.RUNNING),
    Status.READY: (N_("Ready for pickup"), True, Clock.STOPPED),
    Status.COMPLETED: (N_("Completed"), False, Clock.STOPPED),
    Status.REJECTED: (N_("Rejected"), False, Clock.STOPPED),
    Status.CANCELLED: (N_("Cancelled"), False, Clock.STOPPED),
}

OPEN_STATUSES: frozenset[Status] = frozenset(s for s in Status if s.is_open)
CLOSED_STATUSES: frozenset[Status] = frozenset(s for s in Status if not s.is_open)
PAUSED_STATUSES: frozenset[Status] = frozenset(s for s in Status if s.clock is Clock.PAUSED)
# The clock runs in these statuses, and only a request in one of them can be overdue: not
# before acceptance, not while it waits on the owner, not once the office's work is done (ready
# for pickup) or closed (docs/sla.md "Overdue"; the rule is service_requests/overdue.py).
RUNNING_STATUSES: frozenset[Status] = frozenset(s for s in Status if s.clock is Clock.RUNNING)
# The clock pauses exactly while the request waits on the owner (docs/sla.md).
WAITING_ON_OWNER: frozenset[Status] = frozenset({Status.NEEDS_INFO, Status.AWAITING_APPROVAL})
OWNER_EDITABLE: frozenset[Status] = frozenset({Status.SUBMITTED, Status.NEEDS_INFO})


class Party(enum.StrEnum):
    """Who an actor counts as for one request; decides the moves they may make."""

    OWNER = "owner"  # role umkm and the request's applicant
    STAFF = "staff"  # any staff member (unit scoping is checked elsewhere)
    ASSIGNEE = "assignee"  # a staff member who is the request's assignee
    SUPERVISOR = "supervisor"


class Refusal(enum.StrEnum):
    """Why a transition was refused: `.code` for messages, `.http_status` for views."""

    NO_SUCH_TRANSITION = "no_such_transition"
    FORBIDDEN = "forbidden"
    NOTE_REQUIRED = "note_required"
    ASSIGNEE_REQUIRED = "assignee_required"
    DRAFT_REQUIRED = "draft_required"
    CHECKLIST_INCOMPLETE = "checklist_incomplete"
    PRINTING_REQUIRED = "printing_required"
    NO_PRINTING_ONLY = "no_printing_only"
    FINAL_REQUIRED = "final_required"
    HANDOVER_REQUIRED = "handover_required"
    PROOF_REQUIRED = "proof_required"
    CHECKLIST_FAILED = "checklist_failed"

    @property
    def code(self) -> str:
        """The stable reason code."""
        return self.value

    @property
    def http_status(self) -> int:
        """HTTP status a view should answer with."""
        if self is Refusal.FORBIDDEN:
            return 403
        if self is Refusal.NOTE_REQUIRED:
            return 400
        return 409


@dataclass(frozen=True)
class Actor:
    """The user attempting a transition."""

    id: int
    role: Role


@dataclass(frozen=True)
class RequestState:
    """What the workflow needs to know about a request, read off the model."""

    status: Status
    owner_id: int
    assignee_id: int | None = None
    includes_printing: bool = False
    has_new_draft: bool = False  # a draft uploaded since the last proof was sent
    checklist_required: bool = False  # label/packaging services
    checklist_complete: bool = False  # every item of the newest draft's checklist answered
    checklist_passed: bool = False  # mandatory items of the approved draft pass or are n/a
    has_proof: bool = False  # a draft has been published to the owner as the proof
    has_final: bool = False
    handover_recorded: bool = False


Guard = Callable[[RequestState, Actor], Refusal | None]


@dataclass(frozen=True)
class Transition:
    """One row of the transition table."""

    source: Status
    target: Status
    name: str  # the action, for buttons and events; unique among one source's moves
    parties: frozenset[Party]
    note_required_for: frozenset[Party] = frozenset()
    guards: tuple[Guard, ...] = ()
    counts_revision: bool = False

    @property
    def event_kind(self) -> str:
        """Alias of `name`."""
        return self.name

    def requires_note(self, parties: frozenset[Party]) -> bool:
        """True if an actor counting as `parties` must give a note for this move."""
        return bool(parties & self.parties & self.note_required_for)

    def check_guards(self, state: RequestState, actor: Actor) -> Refusal | None:
        """The first failing guard's refusal, or None."""
        for guard in self.guards:
            refusal = guard(state, actor)
            if refusal is not None:
                return refusal
        return None

    @property
    def reads_files(self) -> bool:
        """True if a guard reads facts about the request's files (drafts, proof, checklist)."""
        return any(guard in _FILE_GUARDS for guard in self.guards)


def _assignee_set(state: RequestState, actor: Actor) -> Refusal | None:
    return None if state.assignee_id is not None else Refusal.ASSIGNEE_REQUIRED


def _new_draft(state: RequestState, actor: Actor) -> Refusal | None:
    return None if state.has_new_draft else Refusal.DRAFT_REQUIRED


def _checklist_filled(state: RequestState, actor: Actor) -> Refusal | None:
    if state.checklist_required and not state.checklist_complete:
        return Refusal.CHECKLIST_INCOMPLETE
    return None


def _checklist_passed(state: RequestState, actor: Actor) -> Refusal | None:
    if state.checklist_required and not state.checklist_passed:
        return Refusal.CHECKLIST_FAILED
    return None


def _proof_published(state: RequestState, actor: Actor) -> Refusal | None:
    return None if state.has_proof else Refusal.PROOF_REQUIRED


def _prints(state: RequestState, actor: Actor) -> Refusal | None:
    return None if state.includes_printing else Refusal.PRINTING_REQUIRED


def _does_not_print(state: RequestState, actor: Actor) -> Refusal | None:
    return Refusal.NO_PRINTING_ONLY if state.includes_printing else None


def _final_exists(state: RequestState, actor: Actor) -> Refusal | None:
    return None if state.has_final else Refusal.FINAL_REQUIRED


def _handover_recorded(state: RequestState, actor: Actor) -> Refusal | None:
    return None if state.handover_recorded else Refusal.HANDOVER_REQUIRED


# The guards that read the request's files; the others read only the request row.
_FILE_GUARDS = frozenset(
    (
        _new_draft,
        _checklist_filled,
        _checklist_passed,
        _proof_published,
        _final_exists,
        _handover_recorded,
    )
)

_O, _ST, _A, _SU = Party.OWNER, Party.STAFF, Party.ASSIGNEE, Party.SUPERVISOR


def _t(
    source: Status,
    target: Status,
    name: str,
    parties: set[Party],
    note_for: set[Party] | None = None,
    guards: tuple[Guard, ...] = (),
    counts_revision: bool = False,
) -> Transition:
    return Transition(
        source,
        target,
        name,
        frozenset(parties),
        frozenset(note_for or ()),
        guards,
        counts_revision,
    )


_S = Status
# The rows of docs/workflow.md, in its order (the unit tests compare the two both ways);
# allowed_transitions lists targets in this order.
_TABLE: list[Transition] = [
    _t(_S.SUBMITTED, _S.ACCEPTED, "accept", {_ST, _SU}),
    _t(_S.SUBMITTED, _S.NEEDS_INFO, "ask_info", {_ST, _SU}, note_for={_ST, _SU}),
    _t(_S.SUBMITTED, _S.REJECTED, "reject", {_SU}, note_for={_SU}),
    _t(_S.NEEDS_INFO, _S.SUBMITTED, "resubmit", {_O}),
    _t(_S.SUBMITTED, _S.CANCELLED, "cancel", {_O, _SU}, note_for={_SU}),
    _t(_S.NEEDS_INFO, _S.CANCELLED, "cancel", {_O, _SU}, note_for={_SU}),
    _t(_S.ACCEPTED, _S.CANCELLED, "cancel", {_O, _SU}, note_for={_SU}),
    _t(_S.ACCEPTED, _S.IN_DESIGN, "start_design", {_ST, _SU}, guards=(_assignee_set,)),
    _t(_S.IN_DESIGN, _S.NEEDS_INFO, "ask_info", {_A, _SU}, note_for={_A, _SU}),
    _t(
        _S.IN_DESIGN,
        _S.AWAITING_APPROVAL,
        "send_proof",
        {_A},
        guards=(_new_draft, _checklist_filled),
    ),
    _t(_S.AWAITING_APPROVAL, _S.APPROVED, "approve", {_O}, guards=(_proof_published,)),
    _t(
        _S.AWAITING_APPROVAL,
        _S.IN_DESIGN,
        "request_changes",
        {_O},
        note_for={_O},
        counts_revision=True,
    ),
    _t(_S.APPROVED, _S.IN_PRODUCTION, "start_production", {_A, _SU}, guards=(_prints,)),
    _t(
        _S.APPROVED,
        _S.COMPLETED,
        "complete",
        {_A, _SU},
        guards=(_does_not_print, _final_exists, _checklist_passed),
    ),
    _t(_S.IN_PRODUCTION, _S.READY, "mark_ready", {_ST, _SU}),
    _t(
        _S.READY,
        _S.COMPLETED,
        "complete",
        {_ST, _SU},
        guards=(_handover_recorded, _checklist_passed),
    ),
    _t(_S.COMPLETED, _S.IN_DESIGN, "reopen", {_SU}, note_for={_SU}),
]

TRANSITIONS: dict[tuple[Status, Status], Transition] = {(t.source, t.target): t for t in _TABLE}


def parties_of(state: RequestState, actor: Actor) -> frozenset[Party]:
    """Which parties the actor counts as for this request."""
    role = actor.role
    if role == Role.OWNER:
        return frozenset({Party.OWNER}) if actor.id == state.owner_id else frozenset()
    if role == Role.STAFF:
        if state.assignee_id is not None and actor.id == state.assignee_id:
            return frozenset({Party.STAFF, Party.ASSIGNEE})
        return frozenset({Party.STAFF})
    if role == Role.SUPERVISOR:
        return frozenset({Party.SUPERVISOR})
    # Admins run the system; they have no say in a request's workflow.
    return frozenset()


def _note_missing(note: str | None) -> bool:
    return note is None or not note.strip()


def check_transition(
    state: RequestState, actor: Actor, target: Status, note: str | None = None
) -> Refusal | None:
    """None when the actor may move the request to `target` now; otherwise the refusal.

    Checked in order: the transition exists, the actor may take it, a required note is
    given, the guards hold.
    """
    try:
        key = (Status(state.status), Status(target))
    except ValueError:
        return Refusal.NO_SUCH_TRANSITION
    transition = TRANSITIONS.get(key)
    if transition is None:
        return Refusal.NO_SUCH_TRANSITION
    parties = parties_of(state, actor)
    if not parties & transition.parties:
        return Refusal.FORBIDDEN
    if transition.requires_note(parties) and _note_missing(note):
        return Refusal.NOTE_REQUIRED
    return transition.check_guards(state, actor)


def note_required(state: RequestState, actor: Actor, target: Status) -> bool:
    """True if this actor must write a note to move the request to `target`."""
    transition = TRANSITIONS.get((state.status, target))
    return transition is not None and transition.requires_note(parties_of(state, actor))


def allowed_transitions(state: RequestState, actor: Actor) -> list[Status]:
    """Targets this actor may take now, in table order (notes count as given)."""
    source = Status(state.status)
    parties = parties_of(state, actor)
    return [
        t.target
        for t in _TABLE
        if t.source is source and parties & t.parties and t.check_guards(state, actor) is None
    ]
