"""`flask backup create|verify|restore`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app

from ..extensions import db
from .backup import BackupError, Target, create_backup, restore_backup, verify_backup

backup_cli = click.Group("backup", help="Back up and restore the database and uploaded files.")


def _target() -> Target:
    cfg = current_app.config
    return Target(cfg["SQLALCHEMY_DATABASE_URI"], Path(cfg["UPLOAD_DIR"]))


def _default_output() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.instance_path) / "backups" / f"rumah-kemasan-{stamp}.tar"


@backup_cli.command("create")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def create(output: Path | None):
    """Write a consistent snapshot of the database and all uploaded files."""
    output = output or _default_output()
    try:
        manifest = create_backup(_target(), output, engine=db.engine)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    files = sum(1 for m in manifest["members"] if m.startswith("files/"))
    click.echo(f"backup written: {output} ({manifest['backend']}, {files} files)")


@backup_cli.command("verify")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(archive: Path):
    """Check every member of an archive against its manifest."""
    try:
        manifest = verify_backup(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"ok: {len(manifest['members'])} members, made {manifest['created_at']}")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(archive: Path, yes: bool):
    """Replace the database and the uploaded files with the archive's (verified first)."""
    if not yes:
        click.confirm(
            "This replaces ALL data and uploaded files with the backup. Continue?", abort=True
        )
    try:
        verify_backup(archive)
    except BackupError as exc:
        raise click.ClickException(f"nothing was changed: {exc}") from exc
    db.session.rollback()  # release this process's connection before the restore
    try:
        manifest = restore_backup(_target(), archive, engine=db.engine)
    except BackupError as exc:
        raise click.ClickException(f"restore failed: {exc}") from exc
    click.echo(f"restored backup made {manifest['created_at']}")
