"""The checked file, kept between the preview and the confirmation (no JavaScript, no re-upload).

The file is written under UPLOAD_DIR/imports/ as `<token>.bin` with `<token>.json` beside it
(who uploaded it, for which unit, its name, when). The token is random (192 bits) and is only
good for the user who uploaded: someone else's token, an unknown one or one older than
`MAX_AGE` reads as nothing waiting. Confirming re-checks the file against the database of that
moment, then the view discards it; leftovers older than a day go at the next upload.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_AGE = 3600  # seconds between the preview and the confirmation
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Staged:
    token: str
    user_id: int
    unit_id: int
    filename: str
    data: bytes


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - 86400
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # removed meanwhile by another worker


def keep(data: bytes, user_id: int, unit_id: int, filename: str) -> str:
    """Store the file for `user_id`; return the token the confirmation form carries."""
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"user_id": user_id, "unit_id": unit_id, "filename": filename, "at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def load(token: str | None, user_id: int) -> Staged | None:
    """The file `user_id` staged under `token`, or None (unknown, expired, someone else's)."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or time.time() - float(meta.get("at", 0)) > MAX_AGE:
        return None
    return Staged(token, user_id, int(meta["unit_id"]), str(meta["filename"]), data)


def discard(token: str) -> None:
    if not _TOKEN.fullmatch(token):
        return
    folder = _folder()
    for suffix in (".bin", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)
