"""Exhaustive tests of the pure workflow module; no app, no database.

The expected table is docs/workflow.md, read by tests/workflow_doc.py, never
workflow.TRANSITIONS: a change to the module that the documentation does not also describe
fails a test, and so does a documented move the module does not allow.
"""

import ast
import dataclasses
import itertools
from pathlib import Path

import pytest

from rumah_kemasan import roles
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import workflow
from rumah_kemasan.service_requests.workflow import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    PAUSED_STATUSES,
    TRANSITIONS,
    Actor,
    Clock,
    Party,
    Refusal,
    RequestState,
    Status,
    allowed_transitions,
    check_transition,
    note_required,
    parties_of,
)
from tests import workflow_doc

S = Status
OW, ST, A, SU = "owner", "staff", "assignee", "supervisor"

DOC = workflow_doc.transitions()
# (source, target, party) for every party that may take the move.
EXPECTED = {(s, t, p) for (s, t), row in DOC.items() for p in row.who}
# (source, target, party) for which a note is required.
NOTE_REQUIRED = {(s, t, p) for (s, t), row in DOC.items() for p in row.note_from}
EXPECTED_PAIRS = set(DOC)
NAMES = {pair: row.action for pair, row in DOC.items()}

OWNER_ID, OTHER_OWNER_ID, STAFF_ID, ASSIGNEE_ID, SUPERVISOR_ID, ADMIN_ID = (
    1,
    2,
    10,
    11,
    20,
    30,
)

ACTORS = {
    "owner": Actor(OWNER_ID, Role.OWNER),
    "other_owner": Actor(OTHER_OWNER_ID, Role.OWNER),
    "staff": Actor(STAFF_ID, Role.STAFF),
    "assignee": Actor(ASSIGNEE_ID, Role.STAFF),
    "supervisor": Actor(SUPERVISOR_ID, Role.SUPERVISOR),
    "admin": Actor(ADMIN_ID, Role.ADMIN),
}

# Who each actor kind counts as on a request of OWNER_ID assigned to ASSIGNEE_ID.
ACTOR_PARTIES = {
    "owner": {OW},
    "other_owner": set(),
    "staff": {ST},
    "assignee": {ST, A},
    "supervisor": {SU},
    "admin": set(),
}

ALL_PAIRS = list(itertools.product([s.value for s in Status], repeat=2))


def satisfied(source, target=None, **overrides):
    """A state in `source` where every guard of (source, target) holds."""
    fields = {
        "status": Status(source),
        "owner_id": OWNER_ID,
        "assignee_id": ASSIGNEE_ID,
        # approved -> completed is only for services without printing; the rest print.
        "includes_printing": (source, target) != ("approved", "completed"),
        "has_new_draft": True,
        "checklist_required": True,
        "checklist_complete": True,
        "checklist_passed": True,
        "has_proof": True,
        "has_final": True,
        "handover_recorded": True,
    }
    fields.update(overrides)
    return RequestState(**fields)


# --- the table itself -----------------------------------------------------------------


def test_table_has_exactly_the_designed_pairs():
    assert {(s.value, t.value) for s, t in TRANSITIONS} == EXPECTED_PAIRS
    # TRANSITIONS is a dict: a (from, to) written twice in the module would silently vanish.
    assert len(workflow._TABLE) == len(TRANSITIONS)


def test_table_entries_match_their_keys_and_parties():
    for (source, target), transition in TRANSITIONS.items():
        assert (transition.source, transition.target) == (source, target)
        expected = {p for s, t, p in EXPECTED if (s, t) == (source, target)}
        assert {p.value for p in transition.parties} == expected
        expected_notes = {p for s, t, p in NOTE_REQUIRED if (s, t) == (source, target)}
        assert {p.value for p in transition.note_required_for} == expected_notes


def test_transition_names():
    assert {(s.value, t.value): tr.name for (s, t), tr in TRANSITIONS.items()} == NAMES
    for transition in TRANSITIONS.values():
        assert transition.event_kind == transition.name


def test_names_are_unique_per_source():
    for source in Status:
        names = [t.name for t in TRANSITIONS.values() if t.source is source]
        assert len(names) == len(set(names)), source


def test_only_request_changes_counts_a_revision():
    counting = {(s.value, t.value) for (s, t), tr in TRANSITIONS.items() if tr.counts_revision}
    assert counting == {("awaiting_approval", "in_design")}


def test_transition_is_frozen():
    transition = TRANSITIONS[(S.SUBMITTED, S.ACCEPTED)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        transition.target = S.REJECTED


def _guard_codes(transition) -> tuple[str, ...]:
    """The refusal codes the transition's guards can give, in guard order.

    Each guard is probed on every combination of the state's flags, with and without an
    assignee; a guard's code is whatever it answers when it refuses.
    """
    flags = [f.name for f in dataclasses.fields(RequestState) if f.type in (bool, "bool")]
    probes = [
        RequestState(
            status=transition.source,
            owner_id=OWNER_ID,
            assignee_id=assignee,
            **dict(zip(flags, values, strict=True)),
        )
        for values in itertools.product((False, True), repeat=len(flags))
        for assignee in (None, ASSIGNEE_ID)
    ]
    codes = []
    for guard in transition.guards:
        refused = {guard(state, ACTORS["assignee"]) for state in probes} - {None}
        assert len(refused) == 1, (transition.name, guard, refused)
        codes.append(refused.pop().code)
    return tuple(codes)


def test_docs_transition_table_equals_the_code():
    """docs/workflow.md and workflow.py describe the same moves, people, notes and guards."""
    code = {
        (s.value, t.value): workflow_doc.DocTransition(
            action=tr.name,
            who=frozenset(p.value for p in tr.parties),
            note_from=frozenset(p.value for p in tr.note_required_for),
            guards=_guard_codes(tr),
        )
        for (s, t), tr in TRANSITIONS.items()
    }
    only_in_code = sorted(set(code) - set(DOC))
    only_in_doc = sorted(set(DOC) - set(code))
    assert not only_in_code, f"allowed by workflow.py, not in docs/workflow.md: {only_in_code}"
    assert not only_in_doc, f"in docs/workflow.md, not allowed by workflow.py: {only_in_doc}"
    for pair in sorted(code):
        assert DOC[pair] == code[pair], f"{pair}: docs/workflow.md says {DOC[pair]}"


def test_docs_status_table_equals_the_code():
    documented = workflow_doc.statuses()
    assert list(documented) == [s.value for s in Status]
    for status in Status:
        row = documented[status.value]
        # The Indonesian column is checked against the catalog (test_i18n_and_schema.py).
        got = (row.label_en, row.is_open, row.clock)
        assert got == (status.label, status.is_open, status.clock.value)


def test_doc_parser_refuses_what_it_cannot_read():
    header = "| from | to | action | who | note from | guards |\n|---|---|---|---|---|---|\n"
    row = "| `a` | `b` | `go` | {who} | — | — |\n"
    assert workflow_doc.transitions(header + row.format(who="owner"))[("a", "b")].who == {OW}
    with pytest.raises(ValueError, match="unknown parties"):
        workflow_doc.transitions(header + row.format(who="owner, admin"))
    with pytest.raises(ValueError, match="twice"):
        workflow_doc.transitions(header + row.format(who="owner") * 2)
    with pytest.raises(ValueError, match="found 0"):
        workflow_doc.transitions("no table here")
    with pytest.raises(ValueError, match="no rows"):
        workflow_doc.transitions(header)


# --- statuses, roles, refusals --------------------------------------------------------

# (value, Indonesian label, English label, open?, clock), from docs/workflow.md.
STATUS_TABLE = [
    (value, row.label_id, row.label_en, row.is_open, row.clock)
    for value, row in workflow_doc.statuses().items()
]


def test_status_values_in_order():
    assert [s.value for s in Status] == [row[0] for row in STATUS_TABLE]


@pytest.mark.parametrize(("value", "label_id", "label_en", "is_open", "clock"), STATUS_TABLE)
def test_status_properties(value, label_id, label_en, is_open, clock):
    status = Status(value)
    assert status.label == label_en  # the msgid; label_id comes from the catalog
    assert status.is_open is is_open
    assert status.clock is Clock(clock)
    assert status == value
    assert str(status) == value
    assert isinstance(status, str)


def test_status_sets():
    assert {s.value for s in OPEN_STATUSES} == {r[0] for r in STATUS_TABLE if r[3]}
    assert {s.value for s in CLOSED_STATUSES} == {"completed", "rejected", "cancelled"}
    assert set(Status) == OPEN_STATUSES | CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES
    assert {S.NEEDS_INFO, S.AWAITING_APPROVAL} == PAUSED_STATUSES
    assert isinstance(OPEN_STATUSES, frozenset)


def test_clock_values():
    assert [c.value for c in Clock] == ["not_started", "running", "paused", "stopped"]


def test_role_and_party_values():
    assert {r.name: r.value for r in Role} == {
        "OWNER": "umkm",
        "STAFF": "staff",
        "SUPERVISOR": "supervisor",
        "ADMIN": "admin",
    }
    assert {p.value for p in Party} == {OW, ST, A, SU}


REFUSAL_HTTP = {
    "no_such_transition": 409,
    "forbidden": 403,
    "note_required": 400,
    "assignee_required": 409,
    "draft_required": 409,
    "checklist_incomplete": 409,
    "printing_required": 409,
    "no_printing_only": 409,
    "final_required": 409,
    "handover_required": 409,
    "proof_required": 409,
    "checklist_failed": 409,
}


def test_refusal_codes_and_http_statuses():
    assert {r.code: r.http_status for r in Refusal} == REFUSAL_HTTP
    for refusal in Refusal:
        assert refusal.code == refusal.value


# --- parties --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ACTORS)
def test_parties_of(kind):
    state = satisfied("in_design")
    assert {p.value for p in parties_of(state, ACTORS[kind])} == ACTOR_PARTIES[kind]


def test_staff_is_not_assignee_of_an_unassigned_request():
    state = satisfied("accepted", assignee_id=None)
    assert parties_of(state, ACTORS["assignee"]) == {Party.STAFF}


def test_supervisor_assigned_to_themselves_is_not_assignee():
    state = satisfied("in_design", assignee_id=SUPERVISOR_ID)
    assert parties_of(state, ACTORS["supervisor"]) == {Party.SUPERVISOR}


def test_owner_with_the_assignee_id_is_not_assignee():
    state = satisfied("in_design", owner_id=OTHER_OWNER_ID, assignee_id=OWNER_ID)
    assert parties_of(state, ACTORS["owner"]) == frozenset()


def test_roles_given_as_plain_strings_work():
    state = satisfied("submitted")
    assert parties_of(state, Actor(STAFF_ID, "staff")) == {Party.STAFF}
    assert check_transition(state, Actor(SUPERVISOR_ID, "supervisor"), "accepted") is None


# --- every pair x every actor ---------------------------------------------------------


@pytest.mark.parametrize("kind", ACTORS)
@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_every_pair_and_actor_with_a_note(source, target, kind):
    state = satisfied(source, target)
    result = check_transition(state, ACTORS[kind], Status(target), note="alasan")
    allowed = any((source, target, p) in EXPECTED for p in ACTOR_PARTIES[kind])
    if (source, target) not in EXPECTED_PAIRS:
        assert result is Refusal.NO_SUCH_TRANSITION
        assert result.http_status == 409
    elif allowed:
        assert result is None
    else:
        assert result is Refusal.FORBIDDEN
        assert result.http_status == 403


@pytest.mark.parametrize("kind", ACTORS)
@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED_PAIRS))
@pytest.mark.parametrize("note", [None, "", "   \n\t"])
def test_every_allowed_pair_without_a_note(source, target, kind, note):
    state = satisfied(source, target)
    result = check_transition(state, ACTORS[kind], Status(target), note=note)
    parties = {p for p in ACTOR_PARTIES[kind] if (source, target, p) in EXPECTED}
    if not parties:
        assert result is Refusal.FORBIDDEN
    elif any((source, target, p) in NOTE_REQUIRED for p in parties):
        assert result is Refusal.NOTE_REQUIRED
        assert result.http_status == 400
        assert note_required(state, ACTORS[kind], Status(target))
    else:
        assert result is None
        assert not note_required(state, ACTORS[kind], Status(target))


def test_cancel_needs_a_note_from_the_supervisor_only():
    state = satisfied("submitted")
    assert check_transition(state, ACTORS["owner"], S.CANCELLED) is None
    assert check_transition(state, ACTORS["supervisor"], S.CANCELLED) is Refusal.NOTE_REQUIRED
    assert check_transition(state, ACTORS["supervisor"], S.CANCELLED, note="dobel") is None


def test_targets_given_as_strings_and_unknown_targets():
    state = satisfied("submitted")
    assert check_transition(state, ACTORS["staff"], "accepted") is None
    assert check_transition(state, ACTORS["staff"], "bogus") is Refusal.NO_SUCH_TRANSITION


def test_plain_strings_find_statuses_and_transitions():
    # Models may hand over raw column values; lookups must not silently miss.
    assert "submitted" in OPEN_STATUSES
    assert ("submitted", "accepted") in TRANSITIONS
    state = satisfied("submitted")
    assert note_required(state, ACTORS["staff"], "needs_info")
    assert not note_required(state, ACTORS["staff"], "bogus")


def test_unknown_transition_is_refused_before_anything_else():
    # The admin has no rights at all, yet an impossible move is reported as impossible.
    state = satisfied("completed")
    assert check_transition(state, ACTORS["admin"], S.SUBMITTED) is Refusal.NO_SUCH_TRANSITION


def test_forbidden_is_reported_before_a_missing_note():
    state = satisfied("submitted")
    assert check_transition(state, ACTORS["staff"], S.REJECTED) is Refusal.FORBIDDEN


def test_forbidden_is_reported_before_a_failing_guard():
    state = satisfied("in_design", has_new_draft=False)
    result = check_transition(state, ACTORS["supervisor"], S.AWAITING_APPROVAL)
    assert result is Refusal.FORBIDDEN


# --- guards ---------------------------------------------------------------------------

GUARD_CASES = [
    # (source, target, actor kind, state overrides, expected refusal)
    ("accepted", "in_design", "staff", {"assignee_id": None}, "assignee_required"),
    ("accepted", "in_design", "supervisor", {"assignee_id": None}, "assignee_required"),
    (
        "in_design",
        "awaiting_approval",
        "assignee",
        {"has_new_draft": False},
        "draft_required",
    ),
    (
        "in_design",
        "awaiting_approval",
        "assignee",
        {"checklist_complete": False},
        "checklist_incomplete",
    ),
    # Both missing: the draft is reported first.
    (
        "in_design",
        "awaiting_approval",
        "assignee",
        {"has_new_draft": False, "checklist_complete": False},
        "draft_required",
    ),
    (
        "approved",
        "in_production",
        "assignee",
        {"includes_printing": False},
        "printing_required",
    ),
    (
        "approved",
        "in_production",
        "supervisor",
        {"includes_printing": False},
        "printing_required",
    ),
    (
        "approved",
        "completed",
        "assignee",
        {"includes_printing": True},
        "no_printing_only",
    ),
    (
        "approved",
        "completed",
        "supervisor",
        {"includes_printing": True},
        "no_printing_only",
    ),
    ("approved", "completed", "assignee", {"has_final": False}, "final_required"),
    ("approved", "completed", "supervisor", {"has_final": False}, "final_required"),
    ("ready", "completed", "staff", {"handover_recorded": False}, "handover_required"),
    (
        "ready",
        "completed",
        "supervisor",
        {"handover_recorded": False},
        "handover_required",
    ),
    ("awaiting_approval", "approved", "owner", {"has_proof": False}, "proof_required"),
    ("approved", "completed", "assignee", {"checklist_passed": False}, "checklist_failed"),
    ("ready", "completed", "staff", {"checklist_passed": False}, "checklist_failed"),
]


def test_a_failed_checklist_only_blocks_label_services():
    state = satisfied("ready", "completed", checklist_required=False, checklist_passed=False)
    assert check_transition(state, ACTORS["staff"], S.COMPLETED) is None


@pytest.mark.parametrize(("source", "target", "kind", "overrides", "code"), GUARD_CASES)
def test_guard_refuses(source, target, kind, overrides, code):
    state = satisfied(source, target, **overrides)
    result = check_transition(state, ACTORS[kind], Status(target), note="catatan")
    assert result is not None
    assert result.code == code
    assert result.http_status == 409
    assert Status(target) not in allowed_transitions(state, ACTORS[kind])


def test_checklist_not_needed_when_not_required():
    state = satisfied("in_design", checklist_required=False, checklist_complete=False)
    assert check_transition(state, ACTORS["assignee"], S.AWAITING_APPROVAL) is None


def test_unguarded_transitions_ignore_the_flags():
    bare = RequestState(status=S.IN_PRODUCTION, owner_id=OWNER_ID)
    assert check_transition(bare, ACTORS["staff"], S.READY) is None
    bare = RequestState(status=S.AWAITING_APPROVAL, owner_id=OWNER_ID)
    assert check_transition(bare, ACTORS["owner"], S.IN_DESIGN, note="ubah") is None


# --- allowed_transitions --------------------------------------------------------------

STATE_VARIANTS = [
    {},
    {"assignee_id": None},
    {"includes_printing": False},
    {"has_new_draft": False},
    {"checklist_complete": False},
    {"checklist_required": False, "checklist_complete": False},
    {"has_final": False},
    {"handover_recorded": False},
    {"has_proof": False},
    {"checklist_passed": False},
    {"owner_id": OTHER_OWNER_ID},
    {"assignee_id": STAFF_ID},
]


@pytest.mark.parametrize("kind", ACTORS)
@pytest.mark.parametrize("source", [s.value for s in Status])
@pytest.mark.parametrize("overrides", STATE_VARIANTS, ids=repr)
def test_allowed_transitions_matches_check_transition(source, kind, overrides):
    state = satisfied(source, **overrides)
    actor = ACTORS[kind]
    expected = [
        target
        for (src, target) in TRANSITIONS
        if src is Status(source) and check_transition(state, actor, target, note="x") is None
    ]
    assert allowed_transitions(state, actor) == expected


@pytest.mark.parametrize("kind", ACTORS)
@pytest.mark.parametrize("source", [s.value for s in Status])
def test_allowed_transitions_with_all_guards_met(source, kind):
    # Every guard holds except printing, which rules out one of approved's two targets.
    actor = ACTORS[kind]
    for printing in (True, False):
        state = satisfied(source, includes_printing=printing)
        got = {t.value for t in allowed_transitions(state, actor)}
        want = {
            t
            for s, t, p in EXPECTED
            if s == source
            and p in ACTOR_PARTIES[kind]
            and (s, t) != ("approved", "completed" if printing else "in_production")
        }
        assert got == want


def test_allowed_transitions_examples_in_table_order():
    state = satisfied("submitted")
    assert allowed_transitions(state, ACTORS["supervisor"]) == [
        S.ACCEPTED,
        S.NEEDS_INFO,
        S.REJECTED,
        S.CANCELLED,
    ]
    assert allowed_transitions(state, ACTORS["staff"]) == [S.ACCEPTED, S.NEEDS_INFO]
    assert allowed_transitions(state, ACTORS["owner"]) == [S.CANCELLED]
    assert allowed_transitions(state, ACTORS["other_owner"]) == []
    assert allowed_transitions(state, ACTORS["admin"]) == []
    review = satisfied("awaiting_approval")
    assert allowed_transitions(review, ACTORS["owner"]) == [S.APPROVED, S.IN_DESIGN]


@pytest.mark.parametrize("source", sorted(CLOSED_STATUSES - {S.COMPLETED}))
@pytest.mark.parametrize("kind", ACTORS)
def test_rejected_and_cancelled_are_final(source, kind):
    assert allowed_transitions(satisfied(source), ACTORS[kind]) == []


# --- purity ---------------------------------------------------------------------------

ALLOWED_IMPORTS = {"__future__", "enum", "dataclasses", "typing", "collections"}


def test_workflow_imports_only_the_standard_library():
    """Apart from the roles, themselves a pure module of the standard library alone."""
    tree = ast.parse(Path(workflow.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.level, node.module) == (2, "roles"):
            roles_tree = ast.parse(Path(roles.__file__).read_text(encoding="utf-8"))
            assert [n.names[0].name for n in roles_tree.body if isinstance(n, ast.Import)] == [
                "enum"
            ]
            assert not any(isinstance(n, ast.ImportFrom) for n in ast.walk(roles_tree))
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports in the pure module"
            modules.add(node.module)
    roots = {m.split(".")[0] for m in modules}
    assert not roots & {
        "flask",
        "sqlalchemy",
        "flask_babel",
        "flask_sqlalchemy",
        "babel",
    }
    assert roots <= ALLOWED_IMPORTS
