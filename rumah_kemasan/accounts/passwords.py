"""Password policy: long enough, not common, never truncated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 256  # hashing cost guard; longer passwords are refused, never cut

_LIST = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


@cache
def _common() -> frozenset[str]:
    return frozenset(
        line.strip().lower()
        for line in _LIST.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """A code naming what is wrong with the password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) < 4:
        return "common"
    for item in personal:
        if item and len(item) >= 4 and item.lower() in lowered:
            return "personal"
    return None
