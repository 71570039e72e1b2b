"""`flask files reconcile`: compare the file rows with the stored files."""

from __future__ import annotations

import hashlib
import os
import time

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from . import storage
from .models import DesignFile


def reconcile(fix: bool = False) -> dict[str, list]:
    """Rows without files, files without rows, checksum mismatches; `fix` removes orphans.

    Only files that no row names are deleted (and only when older than a minute, so an upload
    in flight is never touched). Rows without a file and mismatches are reported, never
    deleted: they need a person (restore from backup, or ask for the file again).
    """

    store = storage.get_storage()
    known: dict[str, DesignFile] = {}
    missing, mismatched = [], []
    for design_file in db.session.scalars(select(DesignFile).order_by(DesignFile.id)):
        for key in design_file.storage_keys():
            known[key] = design_file
            if not store.exists(key):
                missing.append((design_file.id, key))
        if store.exists(design_file.storage_key):
            digest = hashlib.sha256()
            with store.open(design_file.storage_key) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != design_file.sha256:
                mismatched.append((design_file.id, design_file.storage_key))
    orphans = [key for key in store.iter_keys() if key not in known]
    removed = []
    if fix:
        cutoff = time.time() - 60
        for key in orphans:
            if os.path.getmtime(store._path(key)) < cutoff:
                store.delete(key)
                removed.append(key)
    return {"missing": missing, "orphans": orphans, "mismatched": mismatched, "removed": removed}


def init_app(app: Flask) -> None:
    @app.cli.group("files")
    def files():
        """Uploaded files."""

    @files.command("reconcile")
    @click.option("--fix", is_flag=True, help="Delete stored files that no row refers to.")
    def reconcile_command(fix: bool):
        """Report rows without files, files without rows and checksum mismatches."""
        report = reconcile(fix=fix)
        for file_id, key in report["missing"]:
            click.echo(f"row without file: design_file {file_id} -> {key}")
        for key in report["orphans"]:
            click.echo(f"file without row: {key}")
        for file_id, key in report["mismatched"]:
            click.echo(f"checksum mismatch: design_file {file_id} -> {key}")
        for key in report["removed"]:
            click.echo(f"removed: {key}")
        problems = len(report["missing"]) + len(report["mismatched"])
        problems += len(set(report["orphans"]) - set(report["removed"]))
        click.echo(f"{problems} problem(s)")
        raise SystemExit(1 if problems else 0)
