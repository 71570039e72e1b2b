"""Command-line tasks: `flask users create`, `flask data load`, `flask seed demo`."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from sqlalchemy import select

from .accounts.models import Unit, User
from .extensions import db
from .formats import FormatError, normalize_phone
from .notifications.cli import COMMANDS as notification_commands
from .ops import cli as ops_cli
from .reference_data import load_all
from .roles import Role
from .seed import seed_demo as run

users_cli = click.Group("users", help="Manage user accounts.")
data_cli = click.Group("data", help="Reference data (units, areas, service catalog).")
seed_cli = click.Group("seed", help="Demo data.")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "full_name", required=True)
@click.option("--email")
@click.option("--phone")
@click.option("--unit", "unit_slug", help="Unit slug (required for staff and supervisors).")
@click.option("--password", help="Omit to generate one; it is printed once.")
def create_user(role, full_name, email, phone, unit_slug, password):
    """Create a user; prints the generated password when none is given."""
    role = Role(role)
    unit = None
    if unit_slug:
        unit = db.session.scalar(select(Unit).where(Unit.slug == unit_slug))
        if unit is None:
            raise click.BadParameter(f"no unit with slug {unit_slug!r}", param_hint="--unit")
    if role in (Role.STAFF, Role.SUPERVISOR) and unit is None:
        raise click.BadParameter("staff and supervisors belong to a unit", param_hint="--unit")
    if not email and not phone:
        raise click.UsageError("give --email or --phone (or both)")
    if phone:
        try:
            phone = normalize_phone(phone)
        except FormatError as exc:
            raise click.BadParameter(exc.code, param_hint="--phone") from exc
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user = User(
        role=role, full_name=full_name, email=email and email.lower(), phone=phone, unit=unit
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role.value} #{user.id} {full_name}")
    if generated:
        click.echo(f"password: {password}")


@data_cli.command("load")
def load_data():
    """Load units, areas and the service catalog from rumah_kemasan/data (idempotent)."""

    load_all()
    db.session.commit()
    click.echo("reference data loaded")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when requests already exist.")
@click.option("--owners", default=40, show_default=True)
@click.option("--requests", "n_requests", default=200, show_default=True)
def seed_demo(if_empty, owners, n_requests):
    """A demo unit with staff, owners and requests in every status; prints the logins."""

    run(if_empty=if_empty, n_owners=owners, n_requests=n_requests, echo=click.echo)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    for group in (users_cli, data_cli, seed_cli, ops_cli.backup_cli):
        app.cli.add_command(group)

    for group in notification_commands:
        app.cli.add_command(group)
