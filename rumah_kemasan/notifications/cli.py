"""`flask outbox send [--loop]`, `flask digest send|daily`, `flask notify overdue` (cron-ready)."""

from __future__ import annotations

import signal
import time

import click

from ..extensions import db
from .digest import send_daily_digests, send_digests
from .sender import deliver_pending
from .services import notify_overdue

outbox_cli = click.Group("outbox", help="Deliver queued e-mails.")
digest_cli = click.Group("digest", help="Digest e-mails: weekly for supervisors, daily as chosen.")
notify_cli = click.Group("notify", help="Scheduled in-app notifications.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running as a worker (stop with SIGTERM).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=100, show_default=True, help="Messages per pass.")
def outbox_send(loop: bool, interval: float, batch: int):
    """Send due e-mails over SMTP; safe to run in several processes at once."""

    stopping = False

    def _stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    if loop:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    total = 0
    while True:
        report = deliver_pending(batch)
        total += report.sent
        if report.handled:
            click.echo(f"sent {report.sent}, retry later {report.retried}, failed {report.failed}")
        if not loop:
            break
        if report.handled < batch:  # nothing more due right now
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.2)
                slept += 0.2
        if stopping:
            break
    db.session.remove()
    if not loop:
        click.echo(f"outbox: {total} sent")


@digest_cli.command("send")
def digest_send():
    """Queue the weekly digest for every supervisor (run weekly from cron)."""

    n = send_digests()
    db.session.commit()
    click.echo(f"digest: {n} queued")


@digest_cli.command("daily")
def digest_daily():
    """Queue each person's daily digest of what they chose to get that way (run daily)."""

    n = send_daily_digests()
    db.session.commit()
    click.echo(f"daily digest: {n} queued")


@notify_cli.command("overdue")
def notify_overdue_cmd():
    """Notify supervisors in-app about overdue requests (once per request)."""

    n = notify_overdue()
    db.session.commit()
    click.echo(f"overdue: {n} notifications")


COMMANDS = (outbox_cli, digest_cli, notify_cli)
