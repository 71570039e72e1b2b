"""E-mails people want: per-topic choices (now, daily digest, never), with a real SMTP server."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import (
    DigestItem,
    Notification,
    NotificationKind,
    OutboxEmail,
)
from rumah_kemasan.notifications.sender import deliver_pending
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import services
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login
from tests.integration.smtp_server import SMTPServer


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=10)
        yield server


def _body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


SELECT = r'<select[^>]*name="([a-z_]+)"'


def choices_form(client) -> str:
    """The e-mail choices form of /account (the profile form above it has a select too)."""
    page = client.get("/account").get_data(as_text=True)
    return page.split('action="/account/notifications"', 1)[1]


def choose(app, user, **topics) -> None:
    """Make the choices the way a person does: the form on /account."""
    client = app.test_client()
    assert login(client, user).status_code == 302
    data = dict(topics)
    resp = client.post("/account/notifications", data=data)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/account")
    db.session.rollback()


def test_ten_new_requests_mail_each_as_chosen_and_everyone_sees_them_in_the_app(
    app, smtp, make_user, make_request
):
    default_staff = make_user(Role.STAFF, locale="en")
    default_supervisor = make_user(Role.SUPERVISOR)
    eager = make_user(Role.STAFF)
    quiet = make_user(Role.SUPERVISOR)
    choose(app, eager, new_request="immediate")
    choose(app, quiet, new_request="never")
    owner = make_user()

    codes = [make_request(owner).code for _ in range(10)]
    deliver_pending()
    # No immediate mail to staff with the default, one each for the eager, none for "never".
    assert smtp.recorder.to(default_staff.email) == []
    assert smtp.recorder.to(default_supervisor.email) == []
    assert smtp.recorder.to(quiet.email) == []
    eager_mail = smtp.recorder.to(eager.email)
    assert len(eager_mail) == 10
    assert sorted(m["Subject"].split(":")[0] for m in eager_mail) == sorted(codes)
    # In the app, everyone hears about every request.
    db.session.rollback()
    for user in (default_staff, default_supervisor, eager, quiet):
        n = db.session.scalar(
            select(func.count()).where(
                Notification.user_id == user.id, Notification.kind == NotificationKind.NEW_REQUEST
            )
        )
        assert n == 10, user.full_name

    result = app.test_cli_runner().invoke(args=["digest", "daily"])
    assert result.exit_code == 0, result.output
    assert "daily digest: 2 queued" in result.output
    deliver_pending()
    for user in (default_staff, default_supervisor):
        (digest,) = smtp.recorder.to(user.email)
        text = _body(digest)
        assert all(code in text for code in codes)
        assert "10" in digest["Subject"]
        assert "/account" in text
    en = _body(smtp.recorder.to(default_staff.email)[0])
    assert "New requests in your unit (10)" in en
    assert en.count("is waiting for verification.") == 10
    assert len(smtp.recorder.to(eager.email)) == 10  # no digest: nothing waited for one
    assert smtp.recorder.to(quiet.email) == []
    # Run twice (cron retried): nothing is listed twice.
    again = app.test_cli_runner().invoke(args=["digest", "daily"])
    assert "daily digest: 0 queued" in again.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(DigestItem.digested_at.is_(None))) == 0


def test_what_is_addressed_to_you_comes_at_once_unless_you_choose_otherwise(
    app, smtp, make_user, make_request
):
    owner = make_user()
    designer = make_user(Role.STAFF)
    digester = make_user(Role.STAFF)
    supervisor = make_user(Role.SUPERVISOR)
    choose(app, digester, assigned="digest", owner_reply="never")
    first = make_request(owner, status=Status.ACCEPTED)
    second = make_request(owner, status=Status.ACCEPTED)
    db.session.execute(OutboxEmail.__table__.delete())
    db.session.commit()

    services.transition(first, supervisor, Status.IN_DESIGN, assignee=designer)
    services.transition(second, supervisor, Status.IN_DESIGN, assignee=digester)
    services.comment(first, owner, "Warna hijau saja.")
    services.comment(second, owner, "Warna merah saja.")
    services.transition(first, designer, Status.NEEDS_INFO, "Mohon kirim logo.")
    db.session.commit()
    deliver_pending()

    designer_mail = smtp.recorder.to(designer.email)
    # the job given to them, the owner's comment (not the status they set themselves)
    assert len(designer_mail) == 2
    assert all(m["Subject"].startswith(f"{first.code}: ") for m in designer_mail)
    assert "Warna hijau saja." in _body(designer_mail[1])
    assert smtp.recorder.to(digester.email) == []  # assigned -> digest, owner's reply -> never
    asked = smtp.recorder.to(owner.email)
    assert any(first.code in m["Subject"] for m in asked)  # the owner's question, at once
    assert "Mohon kirim logo." in "".join(_body(m) for m in asked)
    db.session.rollback()
    waiting = db.session.scalars(
        select(DigestItem).where(DigestItem.user_id == digester.id).order_by(DigestItem.id)
    )
    assert [(i.topic.value, i.request_id) for i in waiting] == [
        ("new_request", first.id),  # the two filings, as for every colleague
        ("new_request", second.id),
        ("assigned", second.id),  # the job, for tomorrow's digest; the owner's reply: nothing
    ]


def test_the_account_page_shows_one_select_per_kind_for_the_role(app, make_user):
    staff, owner = make_user(Role.STAFF), make_user()
    client = app.test_client()
    login(client, staff)
    page = choices_form(client)
    selects = re.findall(SELECT, page)
    assert selects == [
        "new_request",
        "assigned",
        "owner_reply",
        "proof_decision",
        "job_status",
    ]
    # the defaults: new requests in the digest, the rest at once
    chosen = re.findall(
        r'<select[^>]*name="([a-z_]+)".*?<option selected value="([a-z]+)"', page, flags=re.S
    )
    assert dict(chosen) == {
        "new_request": "digest",
        "assigned": "immediate",
        "owner_reply": "immediate",
        "proof_decision": "immediate",
        "job_status": "immediate",
    }
    choose(app, staff, new_request="never")
    page = choices_form(client)
    assert re.search(r'name="new_request".*?<option selected value="never"', page, re.S)

    owner_client = app.test_client()
    login(owner_client, owner)
    page = choices_form(owner_client)
    assert re.findall(SELECT, page) == [
        "owner_question",
        "request_status",
    ]
    # A value no select offers is refused, and an owner cannot set a staff topic.
    assert (
        owner_client.post("/account/notifications", data={"owner_question": "hourly"}).status_code
        == 400
    )
    owner_client.post("/account/notifications", data={"new_request": "immediate"})
    db.session.rollback()
    from rumah_kemasan.notifications.models import NotificationPreference

    topics = db.session.scalars(
        select(NotificationPreference.topic).where(NotificationPreference.user_id == owner.id)
    ).all()
    assert all(t.value in ("owner_question", "request_status") for t in topics)


def test_deleting_an_account_removes_its_choices_and_waiting_lines(app, make_user, make_request):
    from rumah_kemasan.notifications.models import NotificationPreference
    from tests.conftest import PASSWORD

    owner, staff = make_user(), make_user(Role.STAFF)
    choose(app, owner, request_status="digest")
    req = make_request(owner)
    services.transition(req, staff, Status.ACCEPTED)
    db.session.commit()
    mine = [
        select(func.count()).where(NotificationPreference.user_id == owner.id),
        select(func.count()).where(DigestItem.user_id == owner.id),
    ]
    assert [db.session.scalar(q) for q in mine] == [2, 1]
    client = app.test_client()
    login(client, owner)
    resp = client.post("/account/data/delete", data={"password": PASSWORD, "confirm": "y"})
    assert resp.status_code == 302
    db.session.rollback()
    assert [db.session.scalar(q) for q in mine] == [0, 0]
