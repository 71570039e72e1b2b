"""Every text and integer entry point goes through the shared helpers (docs/input.md).

A source scan, so that the next form or query parameter cannot quietly bypass them: a
FlaskForm that is not our `Form`, an `int()` of something a user sent, `type=int`,
`coerce=int` or WTForms' own IntegerField. The helpers themselves are tested below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rumah_kemasan.security import (
    MAX_ID,
    bounded_int,
    has_forbidden_chars,
    strip_forbidden_chars,
)

PACKAGE = Path(__file__).resolve().parents[2] / "rumah_kemasan"

FORBIDDEN_PATTERNS = {
    r"\(FlaskForm\)": "inherit rumah_kemasan.forms.Form, which refuses control characters",
    r"type=int\b": "use security.arg_int (range-checked)",
    r"coerce=int\b": "use coerce=forms.form_int (range-checked)",
    r"\bwtforms\b.*\bIntegerField\b": "use forms.IntegerField (range-checked)",
    r"\bint\(\s*(request|form|args|raw|rid|uid|year|n|unit|area)\b": "use bounded_int",
    r"\.isdigit\(\)": "isdigit() accepts '²' that int() refuses: use bounded_int",
    r"\b(request\.args|args)\.get\([^)]*\)\s*or\s*\"\"\)\s*\.strip\(\)": "use arg_text",
}
# The one place each pattern is allowed: where the helper is defined.
ALLOWED = {
    "forms.py": {r"\(FlaskForm\)", r"\bwtforms\b.*\bIntegerField\b"},
    "security.py": set(FORBIDDEN_PATTERNS),
}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "translations" in path.parts:
            continue
        yield path, path.read_text(encoding="utf-8")


def test_no_entry_point_bypasses_the_helpers():
    found = []
    for path, source in _sources():
        relative = path.relative_to(PACKAGE).as_posix()
        allowed = ALLOWED.get(relative, set())
        for number, line in enumerate(source.splitlines(), 1):
            for pattern, advice in FORBIDDEN_PATTERNS.items():
                if pattern not in allowed and re.search(pattern, line):
                    found.append(f"{relative}:{number}: {line.strip()}  -> {advice}")
    assert not found, "\n".join(found)


def test_the_scan_sees_what_it_looks_for():
    lines = [
        "class X(FlaskForm):",
        'n = request.args.get("page", type=int)',
        "f = SelectField(coerce=int)",
        "from wtforms import IntegerField",
        "y = int(year)",
        "if unit.isdigit():",
    ]
    for line in lines:
        assert any(re.search(p, line) for p in FORBIDDEN_PATTERNS), line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("9" * 5000, None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        ("1_000", None),
        ("1e3", None),
        ("0x10", None),
        ("", None),
        (None, None),
        (True, None),
        (7, 7),
        (2**40, None),
    ],
)
def test_bounded_int(value, expected):
    assert bounded_int(value) == expected


def test_bounded_int_takes_other_ranges():
    assert bounded_int("-5", minimum=-10, maximum=10) == -5
    assert bounded_int("2101", minimum=2000, maximum=2100) is None


@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\u202e", "\u2066"])
def test_control_and_bidi_override_characters_are_forbidden(ch):
    assert has_forbidden_chars(f"a{ch}b") and has_forbidden_chars(f"a{ch}b", multiline=True)
    assert strip_forbidden_chars(f"a{ch}b") == "ab"


def test_a_textarea_keeps_tab_newline_and_cr_and_marks_stay_everywhere():
    assert has_forbidden_chars("a\tb") and has_forbidden_chars("a\nb")
    assert not has_forbidden_chars("a\t\r\nb", multiline=True)
    # Right-to-left and zero-width marks are text (Arabic, Indic scripts), not controls.
    assert not has_forbidden_chars("\u200fمرحبا\u200e\u200d")
