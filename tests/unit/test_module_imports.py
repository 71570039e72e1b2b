"""Imports sit at the top of each module, so the import graph (and its contracts in
pyproject.toml, checked by lint-imports) shows every dependency. An import inside a function is
allowed only with a comment on the line before saying why it must be there."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "rumah_kemasan"


def _function_imports(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import | ast.ImportFrom):
                before = lines[sub.lineno - 2].strip() if sub.lineno >= 2 else ""
                if not before.startswith("#"):
                    found.append(f"{path.relative_to(root)}:{sub.lineno}")
    return found


def test_no_import_inside_a_function_without_a_reason():
    offenders = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _function_imports(path)]
    assert offenders == []


def test_the_check_sees_a_local_import_and_accepts_a_reason(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    import os\n    return os\n\n\n"
        "def g():\n    # a cycle: b imports this module\n    import b\n    return b\n",
        encoding="utf-8",
    )
    assert _function_imports(sample, root=tmp_path) == ["sample.py:2"]
