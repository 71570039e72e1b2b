"""Operators see trouble: one structured line per event, carrying the request's id."""

from __future__ import annotations

import errno
import io
import logging
import os
import re
from pathlib import Path

import pytest

from rumah_kemasan.logs import format_event
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login
from tests.integration.upload_helpers import jpeg_bytes

EVENTS = "rumah_kemasan.events"


def lines(caplog, event: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == EVENTS and r.getMessage().startswith(f"event={event} ")
    ]


def fields(line: str) -> dict[str, str]:
    """Parse `key=value key="quoted value"` (the format the README documents)."""
    import json

    out = {}
    for m in re.finditer(r'(\w[\w.]*)=("(?:[^"\\]|\\.)*"|\S+)', line):
        value = m.group(2)
        out[m.group(1)] = json.loads(value) if value.startswith('"') else value
    return out


def test_every_response_carries_a_request_id_and_a_proxys_id_is_kept(client):
    a, b = client.get("/"), client.get("/")
    assert re.fullmatch(r"[0-9a-f]{16}", a.headers["X-Request-Id"])
    assert a.headers["X-Request-Id"] != b.headers["X-Request-Id"]
    # nginx's $request_id is taken over, so its access log and ours share the id ...
    given = client.get("/", headers={"X-Request-Id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"})
    assert given.headers["X-Request-Id"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    # ... but a forged one that could break a log line is replaced.
    forged = client.get("/", headers={"X-Request-Id": "x event=fake"})
    assert re.fullmatch(r"[0-9a-f]{16}", forged.headers["X-Request-Id"])
    assert client.get("/no-such-page").headers["X-Request-Id"]  # error pages too


def test_a_value_can_never_break_the_line_or_forge_a_key():
    line = format_event("x.test", note='two\nlines event=forged "q"', n=3, none=None)
    assert "\n" not in line
    assert fields(line) == {
        "event": "x.test",
        "note": 'two\nlines event=forged "q"',
        "n": "3",
        "none": "-",
    }


@pytest.fixture
def job(make_user, make_request):
    owner = make_user()
    staff = make_user(Role.STAFF)
    return owner, make_request(owner, status=Status.IN_DESIGN, assignee=staff)


def test_a_full_disk_is_logged_with_the_request_id(app, client, job, monkeypatch, caplog):
    owner, req = job
    assert login(client, owner).status_code == 302
    root = Path(app.config["UPLOAD_DIR"])
    real_replace = os.replace

    def full(src, dst, *args, **kwargs):
        if root in Path(dst).parents:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    caplog.set_level(logging.INFO, logger=EVENTS)
    resp = client.post(
        f"/requests/{req.code}/files",
        data={"kind": "before", "files": [(io.BytesIO(jpeg_bytes()), "a.jpg")]},
    )
    assert resp.status_code == 303  # the owner gets a message, as before ...
    found = lines(caplog, "storage.error")  # ... and the operator a line
    assert len(found) == 1, caplog.text
    f = fields(found[0])
    assert f["request_id"] == resp.headers["X-Request-Id"]
    assert f["errno"] == "ENOSPC" and f["error"] == "No space left on device"
    assert f["root"] == str(root) and int(f["bytes"]) > 0 and f["free_bytes"].isdigit()
    assert [r.levelno for r in caplog.records if r.name == EVENTS] == [logging.ERROR]


def test_throttled_login_track_and_export_are_logged(app, client, make_user, caplog):
    caplog.set_level(logging.INFO, logger=EVENTS)
    user = make_user()
    staff = make_user(Role.STAFF)
    for _ in range(app.config["LOGIN_MAX_PER_ACCOUNT"]):
        client.post("/auth/login", data={"login": user.email, "password": "wrong-password-1"})
    assert lines(caplog, "login.throttled") == []  # failures below the limit are not news
    resp = client.post(
        "/auth/login",
        data={"login": user.email, "password": "wrong-password-1"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert resp.status_code == 429
    (line,) = lines(caplog, "login.throttled")
    f = fields(line)
    assert f["request_id"] == resp.headers["X-Request-Id"]
    assert f["address"] == "203.0.113.9"
    assert re.fullmatch(r"[0-9a-f]{12}", f["account"])
    assert user.email not in caplog.text and user.phone not in caplog.text  # a pseudonym only

    app.config["TRACK_MAX_PER_MINUTE"] = 2
    answers = [
        client.post(
            "/track",
            data={"code": "RK-2026-00000", "last4": "1234"},
            environ_base={"REMOTE_ADDR": "198.51.100.4"},
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 429]
    (line,) = lines(caplog, "track.throttled")
    assert fields(line) == {
        "event": "track.throttled",
        "request_id": answers[2].headers["X-Request-Id"],
        "address": "198.51.100.4",
    }

    app.config["EXPORT_RATE_LIMIT"] = 1
    staff_client = app.test_client()
    assert login(staff_client, staff).status_code == 302
    first = staff_client.get("/reports/export.csv")
    assert first.status_code == 200
    first.close()
    refused = staff_client.get("/reports/export.csv")
    assert refused.status_code == 429
    (line,) = lines(caplog, "export.throttled")
    f = fields(line)
    assert f["request_id"] == refused.headers["X-Request-Id"]
    assert f["export"] == "csv" and f["user_id"] == str(staff.id)
