"""Helpers for the backlog, report and export tests: figures on a page and the rows behind them."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from sqlalchemy import update

from rumah_kemasan.extensions import db
from rumah_kemasan.service_requests.models import EventKind, RequestEvent, ServiceRequest

FIGURE = re.compile(r"<a ([^>]*data-count=[^>]*)>(\d+)</a>")


def figures(page: str) -> dict[str, tuple[int, str]]:
    """Every linked figure on a page: data-count key -> (number, link)."""
    out = {}
    for attrs, n in FIGURE.findall(page):
        href = re.search(r'href="([^"]+)"', attrs).group(1)
        key = re.search(r'data-count="([^"]+)"', attrs).group(1)
        out[key] = (int(n), html.unescape(href))
    return out


def listed_codes(client, link: str) -> list[str]:
    """All request codes the list shows for `link`, following its "next page" links."""
    codes: list[str] = []
    url = link
    for _ in range(100):
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        page = resp.get_data(as_text=True)
        codes += re.findall(r"<strong>(RK-\d{4}-\d{5})</strong>", page)
        nxt = [h for h in re.findall(r'href="(/requests\?[^"]*after=[^"]+)"', page)]
        if not nxt:
            break
        url = html.unescape(nxt[0])
    return codes


def set_times(req: ServiceRequest, **values: datetime | None) -> None:
    """Set timestamps (submitted_at, due_at, completed_at...) directly, for fixtures."""
    db.session.execute(update(ServiceRequest).where(ServiceRequest.id == req.id).values(**values))
    db.session.commit()
    db.session.expire_all()


def add_status_events(req: ServiceRequest, steps: list[tuple[str, datetime]]) -> None:
    """Replace the request's status events by `steps` (to_status, time), for stage figures."""
    db.session.query(RequestEvent).filter(RequestEvent.request_id == req.id).delete()
    previous = None
    for status, at in steps:
        db.session.add(
            RequestEvent(
                request_id=req.id,
                kind=EventKind.STATUS,
                from_status=previous,
                to_status=status,
                created_at=at,
            )
        )
        previous = status
    db.session.commit()


def days_ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def signed_in(app, user):
    """A new client signed in as `user`; ends the test's read snapshot (SQLite) afterwards."""
    from tests.conftest import login

    client = app.test_client()
    resp = login(client, user)
    assert resp.status_code == 302
    db.session.rollback()
    return client
