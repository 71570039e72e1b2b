"""The repository stands on its own: every document it mentions is in it.

Scans the tracked text files (`git ls-files`) for paths ending in `.md` and checks each names a
tracked file, from the repository root or from the mentioning file's folder. URLs are left
alone. In the Markdown files, relative links and their `#anchors` must resolve, and every test
that docs/ cites as `tests/…py::test_name` must exist.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
# A path ending in .md: optional folders (.. included), a name; not part of a longer word.
MD_PATH = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]*\w\.md)(?![\w-])")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CITED_TEST = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")
CITED_FILE = re.compile(r"`((?:rumah_kemasan|tests|scripts|bench|migrations)/[\w/.-]+\.\w+)`")


@cache
def tracked() -> frozenset[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return frozenset(name for name in out.decode().split("\0") if name)


def text_of(name: str) -> str | None:
    """The file's text, or None for binary files."""
    data = (ROOT / name).read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def md_paths(text: str) -> list[str]:
    """Every `.md` path mentioned in `text`, URLs excepted."""
    return MD_PATH.findall(URL.sub(" ", text))


def resolves(path: str, mentioned_in: str) -> bool:
    """True when `path` names a tracked file from the root or from the mentioning folder."""
    folder = posixpath.dirname(mentioned_in)
    for base in ("", folder):
        candidate = posixpath.normpath(posixpath.join(base, path))
        if candidate in tracked():
            return True
    return False


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(name: str) -> set[str]:
    text = text_of(name) or ""
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, flags=re.MULTILINE)}


def markdown_files() -> list[str]:
    return sorted(n for n in tracked() if n.endswith(".md"))


def test_the_finder_sees_what_it_should():
    ext = ".md"
    text = (
        f"see docs/a{ext}, README{ext} and ../elsewhere/B{ext}#x; "
        f"not https://example.org/c{ext} nor hashlib.md5 nor *{ext}"
    )
    assert md_paths(text) == [f"docs/a{ext}", f"README{ext}", f"../elsewhere/B{ext}"]
    assert resolves("README" + ext, "rumah_kemasan/x.py")
    assert resolves("deploy" + ext, "docs/x" + ext)
    assert not resolves("../elsewhere/B" + ext, "README" + ext)
    assert slug("404, never 403") == "404-never-403"
    assert slug("Hosts and links: `TRUSTED_HOSTS` and BASE_URL") == (
        "hosts-and-links-trusted_hosts-and-base_url"
    )


def test_every_document_mentioned_is_in_the_repository():
    missing = []
    for name in sorted(tracked()):
        text = text_of(name)
        if text is None:
            continue
        for path in md_paths(text):
            if not resolves(path, name):
                missing.append(f"{name}: {path}")
    assert not missing, "documents mentioned but not in the repository:\n" + "\n".join(missing)


def test_nothing_points_outside_the_repository():
    outside = re.compile(r"\.\./shared\b|/work/" + "shared")
    found = [
        name
        for name in sorted(tracked())
        if name != "tests/unit/test_docs.py" and outside.search(text_of(name) or "")
    ]
    assert not found


def test_links_and_anchors_in_markdown_resolve():
    broken = []
    for name in markdown_files():
        for target in LINK.findall(text_of(name) or ""):
            if URL.match(target) or target.startswith("mailto:"):
                continue
            path, _, anchor = target.partition("#")
            if path:
                candidate = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
                if candidate not in tracked() and not (ROOT / candidate).is_dir():
                    broken.append(f"{name}: {target}")
                    continue
            else:
                candidate = name
            if anchor and candidate.endswith(".md") and anchor not in anchors(candidate):
                broken.append(f"{name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_tests_and_files_cited_in_docs_exist():
    missing = []
    for name in markdown_files():
        if not name.startswith("docs/"):
            continue
        text = text_of(name) or ""
        for path, test in CITED_TEST.findall(text):
            source = text_of(path) if path in tracked() else None
            if source is None or not re.search(rf"^def {test}\(", source, flags=re.MULTILINE):
                missing.append(f"{name}: {path}::{test}")
        for path in CITED_FILE.findall(text):
            if path not in tracked():
                missing.append(f"{name}: {path}")
    assert not missing, "\n".join(missing)
