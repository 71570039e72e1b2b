"""Where uploaded bytes live: a small interface (save, open, delete) and a filesystem backend.

Files are written atomically (a temporary file in the same directory, fsync, rename), under
generated names only. A file and its database row are kept together: every key saved during a
transaction is remembered on the session; when the transaction rolls back (or the request ends
without a commit) the files are deleted again, so neither an orphan file nor a row without a
file is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..logs import log_event

PENDING = "rk_pending_files"


class StorageError(Exception):
    """The storage could not write a file (disk full, permissions, …)."""


class Storage(Protocol):
    def save(self, data: bytes, suffix: str) -> str: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def iter_keys(self) -> Iterator[str]: ...


class FileSystemStorage:
    """Files under `root`, in year/month folders, named by a random token."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key outside the storage root")
        return path

    def new_key(self, suffix: str) -> str:
        now = datetime.now(UTC)
        return f"{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"

    def save(self, data: bytes, suffix: str) -> str:
        key = self.new_key(suffix)
        path = self._path(key)
        tmp_name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, path)
        except OSError as exc:
            if tmp_name and os.path.exists(tmp_name):
                os.unlink(tmp_name)
            self._log_failure(exc, len(data))
            raise StorageError(str(exc)) from exc
        return key

    def _log_failure(self, exc: OSError, size: int) -> None:
        """One line for the operators (the user only sees "could not be stored")."""
        try:
            free = shutil.disk_usage(self.root).free
        except OSError:
            free = None
        log_event(
            "storage.error",
            logging.ERROR,
            errno=errno.errorcode.get(exc.errno or 0, exc.errno),
            error=exc.strerror or str(exc),
            root=str(self.root),
            bytes=size,
            free_bytes=free,
        )

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def iter_keys(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.relative_to(self.root).as_posix()


def get_storage() -> FileSystemStorage:
    return FileSystemStorage(current_app.config["UPLOAD_DIR"])


def save_with_session(session: Session, data: bytes, suffix: str) -> str:
    """Save bytes and tie the file to the session's transaction (deleted on rollback)."""
    storage = get_storage()
    key = storage.save(data, suffix)
    session.info.setdefault(PENDING, []).append((storage, key))
    return key


def delete_after_commit(session: Session, keys: list[str]) -> None:
    """Delete files once the transaction that removed their rows has committed."""
    storage = get_storage()
    session.info.setdefault("rk_delete_files", []).extend((storage, k) for k in keys)


def _discard_pending(session: Session) -> None:
    for storage, key in session.info.pop(PENDING, []):
        storage.delete(key)
    session.info.pop("rk_delete_files", None)


def _on_commit(session: Session) -> None:
    session.info.pop(PENDING, None)
    for storage, key in session.info.pop("rk_delete_files", []):
        storage.delete(key)


def _on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outer transaction, not a savepoint
        _discard_pending(session)


if not event.contains(Session, "after_commit", _on_commit):
    event.listen(Session, "after_commit", _on_commit)
    event.listen(Session, "after_soft_rollback", _on_rollback)


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _discard_uncommitted(_exc=None):
        # A request that ended without committing leaves nothing behind.

        _discard_pending(db.session())
