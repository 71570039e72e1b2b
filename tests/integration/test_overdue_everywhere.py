"""One definition of overdue (docs/sla.md "Overdue"): every place that shows a count agrees.

Before issue 16 the desk, the backlog, the list and the national overview counted a request
waiting for pickup after its due date as overdue (85 on the demo), the digest and
`flask notify overdue` did not (68). The fixture here holds a request of each kind that
separated the two, and the demo test compares the same places on the demo data.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, distinct, func, select

from rumah_kemasan.accounts.models import Unit, User
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import Notification, NotificationKind, OutboxEmail
from rumah_kemasan.roles import Role
from rumah_kemasan.seed import seed_demo
from rumah_kemasan.service_requests.models import ServiceRequest
from rumah_kemasan.service_requests.overdue import is_overdue, overdue_clause
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import PASSWORD
from tests.integration.report_helpers import figures, listed_codes, set_times, signed_in

DESK_UNIT_OVERDUE = re.compile(r'href="/requests\?overdue=1&amp;sort=due"><strong>(\d+)</strong>')
NEXT_PAGE = re.compile(r'href="(/requests\?[^"]*after=[^"]+)"')


def _cards_marked_overdue(client) -> int:
    """Cards with the Overdue badge over every page of the unfiltered list (the predicate)."""
    url, marked = "/requests", 0
    for _ in range(100):
        page = client.get(url).get_data(as_text=True)
        marked += page.count('class="card card-overdue"')
        nxt = NEXT_PAGE.findall(page)
        if not nxt:
            return marked
        url = html.unescape(nxt[0])
    raise AssertionError("the list does not end")


def _export_rows(client) -> int:
    resp = client.get("/reports/export.csv?overdue=1")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    return len(rows) - 1  # the header


def _digest_counts(app) -> dict[str, tuple[int, int]]:
    """`flask digest send`: each supervisor's e-mail -> (overdue in the subject, in the text)."""
    db.session.execute(delete(OutboxEmail))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["digest", "send"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    out = {}
    for row in db.session.scalars(select(OutboxEmail)):
        subject = re.search(r"(\d+) overdue", row.subject)
        text = re.search(r"^Overdue: (\d+)$", row.body_text, re.M)
        assert subject and text, (row.subject, row.body_text)
        out[row.to_address] = (int(subject.group(1)), int(text.group(1)))
    return out


def _notices_by_unit(app) -> tuple[int, dict[int, int]]:
    """`flask notify overdue`: the number it prints, and the requests noticed per unit."""
    result = app.test_cli_runner().invoke(args=["notify", "overdue"])
    assert result.exit_code == 0, result.output
    printed = int(re.search(r"overdue: (\d+) notifications", result.output).group(1))
    db.session.rollback()
    per_unit = dict(
        db.session.execute(
            select(ServiceRequest.unit_id, func.count(distinct(Notification.request_id)))
            .join(ServiceRequest, ServiceRequest.id == Notification.request_id)
            .where(Notification.kind == NotificationKind.OVERDUE)
            .group_by(ServiceRequest.unit_id)
        ).all()
    )
    return printed, per_unit


def _supervisors(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.unit_id == unit_id, User.role == Role.SUPERVISOR)
        )
    )


def counts_everywhere(app, units: list[Unit], admin: User) -> dict[int, dict[str, int]]:
    """Per unit: the overdue count of every place that shows one (read as a user reads it)."""
    now = utcnow()
    national = figures(signed_in(app, admin).get("/admin/overview").get_data(as_text=True))
    printed, noticed = _notices_by_unit(app)  # before the digest, which notices too
    digests = _digest_counts(app)
    out: dict[int, dict[str, int]] = {}
    expected_printed = 0
    for unit in units:
        supervisors = _supervisors(unit.id)
        sup = supervisors[0]
        client = signed_in(app, sup)
        desk = client.get("/desk").get_data(as_text=True)
        backlog = figures(client.get("/backlog").get_data(as_text=True))
        subject, text = digests[sup.email]
        reqs = db.session.scalars(select(ServiceRequest).where(ServiceRequest.unit_id == unit.id))
        out[unit.id] = {
            "sql": db.session.scalar(
                select(func.count()).where(ServiceRequest.unit_id == unit.id, overdue_clause(now))
            ),
            "python": sum(is_overdue(r, now) for r in reqs),
            "desk": int(DESK_UNIT_OVERDUE.search(desk).group(1)),
            "backlog": backlog["overdue"][0],
            "backlog link": len(listed_codes(client, backlog["overdue"][1])),
            "list ?overdue=1": len(listed_codes(client, "/requests?overdue=1")),
            "cards marked": _cards_marked_overdue(client),
            "export": _export_rows(client),
            "national": national[f"{unit.id}-overdue"][0],
            "digest subject": subject,
            "digest text": text,
            "notify overdue": noticed.get(unit.id, 0),
        }
        expected_printed += out[unit.id]["sql"] * len(supervisors)
    assert printed == expected_printed  # one notice per overdue request and supervisor
    total = sum(c["sql"] for c in out.values())
    assert national["total-overdue"][0] == total
    return out


@pytest.fixture
def separating(make_user, make_request, make_business, other_unit, unit):
    """Requests past due in every status that the two old definitions counted differently."""
    now = utcnow()
    staff = make_user(Role.STAFF, locale="en")
    make_user(Role.SUPERVISOR, locale="en")
    make_user(Role.SUPERVISOR, unit_=other_unit, locale="en")
    owner = make_user()
    past, future = now - timedelta(days=5), now + timedelta(days=5)
    r = {}

    def put(name, status, due, **kw):
        r[name] = make_request(owner, status=status, assignee=kw.pop("assignee", None))
        set_times(r[name], due_at=due, **kw)

    put("accepted late", Status.ACCEPTED, past)
    put("in design late", Status.IN_DESIGN, past, assignee=staff)
    put("in production late", Status.IN_PRODUCTION, past, assignee=staff)
    put("ready late", Status.READY, past, assignee=staff)  # the office's work is done
    put("needs info late", Status.NEEDS_INFO, past, paused_at=now - timedelta(days=6))
    put(
        "proof out late",
        Status.AWAITING_APPROVAL,
        past,
        assignee=staff,
        paused_at=now - timedelta(days=6),
    )
    put("submitted, odd due date", Status.SUBMITTED, past)  # clock not started
    put("in design on time", Status.IN_DESIGN, future, assignee=staff)
    put("completed late", Status.COMPLETED, past, completed_at=now - timedelta(days=1))
    put("cancelled", Status.CANCELLED, past)
    # Another unit's overdue request: counted there and in the national total only.
    other_owner = make_user()
    other_staff = make_user(Role.STAFF, unit_=other_unit)
    other = make_request(
        other_owner,
        business=make_business(other_owner, unit_id=other_unit.id),
        status=Status.IN_DESIGN,
        assignee=other_staff,
    )
    assert other.unit_id == other_unit.id
    set_times(other, due_at=past)
    return r


def test_every_place_counts_the_same_overdue_requests(
    app, ctx, unit, other_unit, make_user, separating
):
    admin = make_user(Role.ADMIN, locale="en")
    counts = counts_everywhere(app, [unit, other_unit], admin)
    # Three running and past due here; ready for pickup, paused, not started, on time and
    # closed requests are not overdue (the old desk said 5 here, counting "ready" and the
    # filed request with a due date).
    assert counts[unit.id] == dict.fromkeys(counts[unit.id], 3)
    assert counts[other_unit.id] == dict.fromkeys(counts[other_unit.id], 1)

    client = signed_in(app, _supervisors(unit.id)[0])
    late = set(listed_codes(client, "/requests?overdue=1"))
    assert late == {
        separating[k].code for k in ("accepted late", "in design late", "in production late")
    }
    # The request page agrees with the list: no badge on the one waiting for pickup.
    ready = client.get(f"/requests/{separating['ready late'].code}").get_data(as_text=True)
    assert "badge-overdue" not in ready and "working days left" not in ready
    late_page = client.get(f"/requests/{separating['in design late'].code}")
    assert "badge-overdue" in late_page.get_data(as_text=True)


def test_the_demo_data_shows_one_overdue_count_everywhere(app, ctx, tmp_path):
    app.instance_path = str(tmp_path)  # the seed writes its logins file there
    seed_demo(if_empty=False, n_owners=10, n_requests=60, echo=lambda _line: None)
    db.session.commit()
    for user in db.session.scalars(
        select(User).where(User.role.in_([Role.SUPERVISOR, Role.ADMIN]))
    ):
        user.set_password(PASSWORD)
        user.locale = "en"
    db.session.commit()
    units = list(db.session.scalars(select(Unit).order_by(Unit.id)))
    units = [u for u in units if _supervisors(u.id)]
    admin = db.session.scalars(select(User).where(User.role == Role.ADMIN)).first()
    counts = counts_everywhere(app, units, admin)
    for unit in units:
        figures_of_unit = counts[unit.id]
        assert set(figures_of_unit.values()) == {figures_of_unit["sql"]}, (
            unit.slug,
            figures_of_unit,
        )
    assert sum(c["sql"] for c in counts.values()) > 0  # the demo has overdue requests
    # ... and requests ready for pickup past their due date, which the old definitions split on.
    ready_late = select(func.count()).where(
        ServiceRequest.status == Status.READY, ServiceRequest.due_at < utcnow()
    )
    assert db.session.scalar(ready_late) > 0
