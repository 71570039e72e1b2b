"""Read the status and transition tables of docs/workflow.md, for the tests that compare them
with `workflow.py` (unit) and drive every move over HTTP (integration).

A table is found by its header row; each row's cells are split on `|`. Backticks around
values are dropped; `—` (or an empty cell) means "none". Only the guard column holds prose:
the refusal codes are the words in backticks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

WORKFLOW_MD = Path(__file__).resolve().parent.parent / "docs/workflow.md"

TRANSITION_HEADER = ("from", "to", "action", "who", "note from", "guards")
STATUS_HEADER = ("status", "indonesian", "english", "open", "sla clock")
PARTIES = frozenset({"owner", "staff", "assignee", "supervisor"})
NONE = {"", "—", "-"}


@dataclass(frozen=True)
class DocTransition:
    action: str
    who: frozenset[str]
    note_from: frozenset[str]
    guards: tuple[str, ...]  # refusal codes, in the order written


@dataclass(frozen=True)
class DocStatus:
    label_id: str
    label_en: str
    is_open: bool
    clock: str  # a workflow.Clock value


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _plain(cell: str) -> str:
    return cell.strip().strip("`").strip()


def table(header: tuple[str, ...], text: str | None = None) -> list[list[str]]:
    """The body rows of the one table whose header is `header` (case-insensitive)."""
    lines = (text if text is not None else WORKFLOW_MD.read_text(encoding="utf-8")).splitlines()
    found = [i for i, line in enumerate(lines) if tuple(c.lower() for c in _cells(line)) == header]
    if len(found) != 1:
        raise ValueError(f"expected one table headed {' | '.join(header)}, found {len(found)}")
    start = found[0] + 2  # skip the |---| line
    rows = []
    for line in lines[start:]:
        if not line.strip().startswith("|"):
            break
        cells = _cells(line)
        if len(cells) != len(header):
            raise ValueError(f"row with {len(cells)} cells, expected {len(header)}: {line}")
        rows.append(cells)
    if not rows:
        raise ValueError(f"the table headed {' | '.join(header)} has no rows")
    return rows


def _parties(cell: str) -> frozenset[str]:
    if cell.strip() in NONE:
        return frozenset()
    names = frozenset(name.strip().lower() for name in cell.split(","))
    unknown = names - PARTIES
    if unknown:
        raise ValueError(f"unknown parties {sorted(unknown)} in {cell!r}")
    return names


def transitions(text: str | None = None) -> dict[tuple[str, str], DocTransition]:
    """(from, to) -> the row of the transition table."""
    result: dict[tuple[str, str], DocTransition] = {}
    for source, target, action, who, note_from, guards in table(TRANSITION_HEADER, text):
        key = (_plain(source), _plain(target))
        if key in result:
            raise ValueError(f"{key} appears twice in the transition table")
        codes = () if guards.strip() in NONE else tuple(re.findall(r"`([a-z_]+)`", guards))
        result[key] = DocTransition(_plain(action), _parties(who), _parties(note_from), codes)
    return result


def statuses(text: str | None = None) -> dict[str, DocStatus]:
    """status value -> the row of the status table, in the order written."""
    result: dict[str, DocStatus] = {}
    for value, label_id, label_en, is_open, clock in table(STATUS_HEADER, text):
        if is_open not in ("yes", "no"):
            raise ValueError(f"open must be yes or no, not {is_open!r}")
        result[_plain(value)] = DocStatus(
            label_id, label_en, is_open == "yes", clock.strip().replace(" ", "_")
        )
    return result
