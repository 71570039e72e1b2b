"""Backups: a consistent database snapshot plus the uploaded files, with a checksummed manifest.

An archive is one uncompressed tar file (photos and PDFs are compressed already):

- ``manifest.json``: format, time, backend, schema revision, and the sha256 and size of every
  other member;
- ``database.sqlite`` (SQLite: the online backup API, a consistent copy while the app runs) or
  ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``, one snapshot of the database);
- ``files/<key>``: every file under UPLOAD_DIR.

Restore verifies every checksum (and that the archive holds exactly the manifest's members)
before it touches anything, then replaces the database (SQLite: the backup API copies the
snapshot over the live file; PostgreSQL: ``pg_restore --clean --single-transaction``, all or
nothing) and makes UPLOAD_DIR hold exactly the archived files. Stop the app (or at least its
writers) before restoring; backing up needs no downtime.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive is damaged, incomplete or does not fit this installation."""


def _extract(tar: tarfile.TarFile, member: str | tarfile.TarInfo) -> IO[bytes]:
    """A regular file of the archive, opened for reading (a directory or link is refused)."""
    fh = tar.extractfile(member)
    if fh is None:
        name = member if isinstance(member, str) else member.name
        raise BackupError(f"{name} is not a regular file in the archive")
    return fh


@dataclass
class Target:
    """Where the data lives: the database URL and the upload directory."""

    database_url: str
    upload_dir: Path

    @property
    def backend(self) -> str:
        return make_url(self.database_url).get_backend_name()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(url: str) -> dict[str, str]:
    """libpq settings from the SQLAlchemy URL, passed by environment (never on the command
    line, where `ps` would show a password)."""
    u = make_url(url)
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", u.host),
        ("PGPORT", u.port),
        ("PGUSER", u.username),
        ("PGPASSWORD", u.password),
        ("PGDATABASE", u.database),
    ):
        if value is not None:
            env[var] = str(value)
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {proc.stderr.strip()[:2000]}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _schema_revision(engine) -> str | None:

    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no migrations table: a create_all database
            return None


def snapshot_database(target: Target, dest: Path) -> str:
    """Write a consistent snapshot of the database to `dest`; returns its member name."""
    if target.backend == "sqlite":
        src = sqlite3.connect(_sqlite_path(target.database_url))
        out = sqlite3.connect(dest)
        try:
            with out:
                src.backup(out)
        finally:
            out.close()
            src.close()
        return "database.sqlite"
    if target.backend == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not on PATH (install the PostgreSQL client tools)")
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dest)],
            _pg_env(target.database_url),
        )
        return "database.pgdump"
    raise BackupError(f"unsupported database backend: {target.backend}")


def create_backup(target: Target, output: Path, engine=None) -> dict:
    """Write the archive to `output` (atomically: a temporary name, then a rename)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    members: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        db_file = Path(tmp) / "database"
        db_member = snapshot_database(target, db_file)
        members[db_member] = {"sha256": _sha256_file(db_file), "size": db_file.stat().st_size}
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(db_file, arcname=db_member, recursive=False)
            root = target.upload_dir
            files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
            for path in files:
                rel = path.relative_to(target.upload_dir).as_posix()
                if path.name.startswith(".tmp-"):
                    continue  # an upload being written right now
                name = f"files/{rel}"
                # Hash what is archived: read once into the tar, hashing on the way.
                digest = hashlib.sha256()
                size = path.stat().st_size
                info = tar.gettarinfo(str(path), arcname=name)
                info.size = size
                with path.open("rb") as fh:
                    tar.addfile(info, _HashingReader(fh, digest))
                members[name] = {"sha256": digest.hexdigest(), "size": size}
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "backend": target.backend,
                "schema_revision": _schema_revision(engine) if engine is not None else None,
                "database": db_member,
                "members": members,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, output)
    return manifest


class _HashingReader:
    """A file wrapper that hashes what tarfile reads through it."""

    def __init__(self, fh, digest):
        self.fh, self.digest = fh, digest

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.digest.update(data)
        return data


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and "\\" not in name


def verify_backup(archive: Path) -> dict:
    """Check every member against the manifest; returns the manifest or raises BackupError."""
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115  (closed by the `with` below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"not a readable backup archive: {exc}") from exc
    with tar:
        try:
            manifest = json.load(_extract(tar, MANIFEST))
        except (KeyError, ValueError, TypeError) as exc:
            raise BackupError("the archive has no readable manifest.json") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        expected = manifest.get("members") or {}
        seen = set()
        for member in tar:
            if member.name == MANIFEST:
                continue
            if not member.isfile() or not _safe_member(member.name):
                raise BackupError(f"unexpected member {member.name!r}")
            want = expected.get(member.name)
            if want is None:
                raise BackupError(f"{member.name} is not in the manifest")
            digest = hashlib.sha256()
            fh = _extract(tar, member)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != want["sha256"] or member.size != want["size"]:
                raise BackupError(f"checksum mismatch: {member.name}")
            seen.add(member.name)
        missing = set(expected) - seen
        if missing:
            raise BackupError(f"members missing from the archive: {sorted(missing)[:5]}")
        if manifest.get("database") not in seen:
            raise BackupError("the archive holds no database snapshot")
    return manifest


def restore_backup(target: Target, archive: Path, engine=None) -> dict:
    """Verify, then replace the database and the files with the archive's."""
    manifest = verify_backup(archive)
    if manifest["backend"] != target.backend:
        raise BackupError(
            f"the backup is of a {manifest['backend']} database; this one is {target.backend}"
        )
    if engine is not None:
        engine.dispose()  # no pooled connection may hold the old data (or a lock)
    with tempfile.TemporaryDirectory(prefix="rk-restore-") as tmp, tarfile.open(archive) as tar:
        db_file = Path(tmp) / "database"
        with _extract(tar, manifest["database"]) as src, db_file.open("wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        if _sha256_file(db_file) != manifest["members"][manifest["database"]]["sha256"]:
            raise BackupError("the database snapshot changed while restoring")
        _restore_database(target, db_file)
        _restore_files(target, tar, manifest)
    if engine is not None:
        engine.dispose()
    return manifest


def _restore_database(target: Target, db_file: Path) -> None:
    if target.backend == "sqlite":
        src = sqlite3.connect(db_file)
        live = sqlite3.connect(_sqlite_path(target.database_url), timeout=30)
        try:
            src.backup(live)  # page by page under the live database's lock
        finally:
            live.close()
            src.close()
        return
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not on PATH (install the PostgreSQL client tools)")
    env = _pg_env(target.database_url)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            env.get("PGDATABASE", ""),
            str(db_file),
        ],
        env,
    )


def _restore_files(target: Target, tar: tarfile.TarFile, manifest: dict) -> None:
    """Make UPLOAD_DIR hold exactly the archived files (each written atomically)."""
    root = target.upload_dir
    root.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for name, meta in manifest["members"].items():
        if not name.startswith("files/"):
            continue
        rel = name.removeprefix("files/")
        wanted.add(rel)
        path = root / rel
        if (
            path.is_file()
            and path.stat().st_size == meta["size"]
            and _sha256_file(path) == meta["sha256"]
        ):
            continue  # already right
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as dst, _extract(tar, name) as src:
                shutil.copyfileobj(src, dst, CHUNK)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp_name, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(root).as_posix() not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
