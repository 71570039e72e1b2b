"""/track: the public status check by request code and the last four phone digits."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import TrackAttempt
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import services
from rumah_kemasan.service_requests.workflow import Status


def _track(client, code, last4, addr="203.0.113.7"):
    return client.post(
        "/track", data={"code": code, "last4": last4}, environ_base={"REMOTE_ADDR": addr}
    )


def test_the_right_pair_shows_status_steps_and_expected_date(app, client, make_user, make_request):
    owner = make_user(phone="6281234567890", full_name="Ni Luh Rahasia")
    staff = make_user(Role.STAFF)
    req = make_request(owner)
    services.transition(req, staff, Status.ACCEPTED, "CATATAN-INTERNAL", internal=True)
    services.comment(req, staff, "KOMENTAR-PUBLIK")
    db.session.commit()
    due = req.due_at

    resp = _track(client, req.code.lower(), "7890")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert req.code in html
    assert "Diterima, Dalam Antrean" in html  # the customer-facing label (Indonesian default)
    assert "Diajukan" in html  # the first step
    from rumah_kemasan.service_requests.sla import format_local_date

    assert format_local_date(due, "id") in html
    for private in ("CATATAN-INTERNAL", "KOMENTAR-PUBLIK", "Ni Luh Rahasia", "7890", "0812"):
        assert private not in html
    # Nothing personal in the URL: the form posts to /track itself.
    assert 'action="/track"' in client.get("/track").get_data(as_text=True)


def test_wrong_code_and_wrong_digits_get_the_same_answer(app, client, make_user, make_request):
    owner = make_user(phone="6281234567890")
    req = make_request(owner)
    wrong_digits = _track(client, req.code, "1234")
    wrong_code = _track(client, "RK-2026-99999", "7890")
    malformed = _track(client, req.code, "78")
    assert wrong_digits.status_code == wrong_code.status_code == malformed.status_code == 200
    bodies = {r.get_data(as_text=True) for r in (wrong_digits, wrong_code, malformed)}
    assert len(bodies) == 1
    body = bodies.pop()
    assert req.code not in body and "7890" not in body and 'role="alert"' in body


def test_the_21st_try_within_a_minute_is_refused(app, client, make_user, make_request):
    owner = make_user(phone="6281234567890")
    req = make_request(owner)
    for i in range(20):
        resp = _track(client, "RK-2026-00000", f"{i:04d}")
        assert resp.status_code == 200, i
    refused = _track(client, req.code, "7890")  # even the right pair
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert req.code not in refused.get_data(as_text=True)
    # Another address is not affected; the count lives in the database, not in a process.
    assert _track(client, req.code, "7890", addr="198.51.100.2").status_code == 200
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count()).where(TrackAttempt.address == "203.0.113.7")) == 21
    )


def test_the_qr_link_prefills_the_code_and_posts_need_csrf(app, client, make_user, make_request):
    owner = make_user()
    req = make_request(owner)
    html = client.get(f"/track?code={req.code}").get_data(as_text=True)
    assert re.search(rf'name="code"[^>]*value="{req.code}"', html)
    app.config["WTF_CSRF_ENABLED"] = True
    assert _track(client, req.code, "0000").status_code == 400
