"""The two signals through which each domain hands over or erases what it holds about a person.

UU PDP 27/2022 gives an owner a copy of their data and its erasure (README, "Personal data").
`accounts.privacy` sends the signals and assembles the answer; every domain package that stores
personal data connects its own receiver in its `privacy.py` (listed in `RECEIVERS`, imported by
`create_app`). So no module reaches into another domain's models to find a person's rows, and a
new table with personal data is exported and erased by the package that owns it.

This module imports nothing of the app: every domain may import it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace
from sqlalchemy import String, cast, or_

_signals = Namespace()

#: sent with `export=PersonalDataExport`; receivers add documents, per-request facts, files.
export_requested = _signals.signal("personal-data-export")
#: sent with `erasure=PersonalDataErasure`; receivers erase or anonymise their own rows.
erasure_requested = _signals.signal("personal-data-erasure")

#: the modules whose import connects a receiver (create_app imports them).
RECEIVERS = (
    "rumah_kemasan.service_requests.privacy",
    "rumah_kemasan.designs.privacy",
    "rumah_kemasan.reports.privacy",
    "rumah_kemasan.notifications.privacy",
    "rumah_kemasan.audit.privacy",
)

REDACTED = "[dihapus]"


def connect_receivers() -> None:
    """Import each domain's receiver module (importing connects it); create_app calls this."""
    for name in RECEIVERS:
        importlib.import_module(name)


def iso(value: Any) -> str | None:
    """A datetime as ISO 8601 text, or None."""
    return value.isoformat() if value else None


def val(value: Any) -> Any:
    """An enum's stored value; anything else as it is."""
    return getattr(value, "value", value)


def redact(text: str | None, needles: list[str]) -> str | None:
    """`text` with every needle (case-insensitive) replaced by REDACTED."""
    if not text:
        return text
    for needle in needles:
        text = re.sub(re.escape(needle), REDACTED, text, flags=re.IGNORECASE)
    return text


def redact_json(value: Any, needles: list[str]) -> Any:
    """`redact` applied to every string inside a JSON value."""
    if isinstance(value, str):
        return redact(value, needles)
    if isinstance(value, list):
        return [redact_json(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(v, needles) for k, v in value.items()}
    return value


def mentions(column: Any, needles: list[str]) -> Any:
    """A SQL condition: the column's text contains one of the needles (case-insensitive)."""
    return or_(*(cast(column, String).ilike(f"%{n}%") for n in needles))


@dataclass
class PersonalDataExport:
    """What the receivers collect for one owner's copy of their data."""

    user: Any
    documents: dict[str, object] = field(default_factory=dict)  # file name -> JSON document
    requests: list[dict[str, Any]] = field(default_factory=list)  # requests.json, oldest first
    request_facts: dict[int, dict[str, Any]] = field(default_factory=dict)  # request id -> keys
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (zip member, storage key)

    def add_request_facts(self, request_id: int, **facts: Any) -> None:
        self.request_facts.setdefault(request_id, {}).update(facts)


@dataclass
class PersonalDataErasure:
    """One owner's erasure: what identifies them, and what the receivers report back."""

    user: Any
    needles: list[str]  # the literal strings that identify the owner in free text
    kept_business_ids: set[int] = field(default_factory=set)  # businesses requests still use
    storage_keys: list[str] = field(default_factory=list)  # files to delete after the commit
