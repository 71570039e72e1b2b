"""Accounts: registration, sign-in by e-mail or phone, sessions that really end, resets."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import ConsentRecord, OneTimeToken, User
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import OutboxEmail
from rumah_kemasan.roles import Role
from tests.conftest import PASSWORD, login

GOOD = {
    "full_name": "Ni Luh Sari",
    "phone": "0812-3456-7890",
    "email": "sari@example.com",
    "password": "kemasan-bagus-2026",
    "confirm": "kemasan-bagus-2026",
    "consent": "y",
}


def test_register_stores_canonical_phone_and_consent(client, ctx):
    resp = client.post("/auth/register", data=GOOD)
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == "6281234567890"))
    assert user is not None and user.role == Role.OWNER
    assert user.consent_at is not None and "WhatsApp" in user.consent_purpose
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    assert record.kind == "registration" and record.granted


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0361-234567", "telepon rumah"),
        ("phone", "12345", "nomor HP"),
        ("password", "password123", "terlalu umum"),
        ("consent", "", "persetujuan"),
    ],
)
def test_register_refuses_with_indonesian_field_message(client, ctx, field, value, message):
    data = GOOD | {field: value}
    if field == "password":
        data["confirm"] = value
    resp = client.post("/auth/register", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message.lower() in html.lower()
    assert 'aria-invalid="true"' in html or field == "consent"
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    # What was typed is kept, so nothing is lost.
    assert "Ni Luh Sari" in html


def test_login_by_phone_in_any_format_and_by_email(client, make_user):
    user = make_user(phone="6281299887766")
    for login_value in ("0812-9988-7766", "+62 812 9988 7766", user.email.upper()):
        resp = client.post("/auth/login", data={"login": login_value, "password": PASSWORD})
        assert resp.status_code == 302, login_value
        client.post("/auth/logout")


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make_user):
    user = make_user()
    a = client.post("/auth/login", data={"login": user.email, "password": "salah-sekali-123"})
    b = client.post("/auth/login", data={"login": "nobody@example.com", "password": "x" * 12})
    assert a.status_code == b.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(a) == strip(b)


def test_login_throttled_per_account(client, make_user, app):
    user = make_user()
    limit = app.config["LOGIN_MAX_PER_ACCOUNT"]
    for _ in range(limit):
        client.post("/auth/login", data={"login": user.email, "password": "wrong-password-1"})
    resp = client.post("/auth/login", data={"login": user.email, "password": PASSWORD})
    assert resp.status_code == 429  # even the right password waits out the window


def test_login_throttled_per_address(client, make_user, app):
    app.config["LOGIN_MAX_PER_ADDRESS"] = 3
    victim = make_user()
    for i in range(3):
        client.post("/auth/login", data={"login": f"x{i}@example.com", "password": "nope-nope-1"})
    resp = client.post("/auth/login", data={"login": victim.email, "password": PASSWORD})
    assert resp.status_code == 429


def test_session_cookie_replayed_after_logout_is_refused(app, make_user):
    user = make_user()
    client = app.test_client()
    login(client, user)
    stolen = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    client.post("/auth/logout")
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    resp = attacker.get("/account")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_remember_cookie_replayed_after_logout_is_refused(app, make_user):
    user = make_user()
    client = app.test_client()
    login(client, user, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    stolen = remember.value
    # The remember cookie alone signs in before logout ...
    before = app.test_client()
    before.set_cookie("remember_token", stolen)
    assert before.get("/account").status_code == 200
    client.post("/auth/logout")
    # ... and not after it.
    after = app.test_client()
    after.set_cookie("remember_token", stolen)
    resp = after.get("/account")
    assert resp.status_code == 302


def test_session_cookie_changes_at_login(app, make_user):
    user = make_user()
    client = app.test_client()
    client.get("/auth/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:x",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    resp = client.post(
        f"/auth/login?next={target}", data={"login": user.email, "password": PASSWORD}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] in ("/", "http://localhost/")


def test_safe_next_is_followed(client, make_user):
    user = make_user()
    resp = client.post(
        "/auth/login?next=/account", data={"login": user.email, "password": PASSWORD}
    )
    assert resp.headers["Location"].endswith("/account")


def _queued_link(ctx_user) -> str:
    db.session.rollback()  # end the test's read snapshot; the request wrote after it began
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == ctx_user.id))
    return re.search(r"http://localhost(/auth/reset/\S+)", mail.body_text).group(1)


def test_password_reset_by_email_works_once(client, make_user, app):
    user = make_user()
    resp = client.post("/auth/reset", data={"login": user.email})
    unknown = client.post("/auth/reset", data={"login": "nobody@example.com"})
    assert resp.get_data(as_text=True) == unknown.get_data(as_text=True)
    path = _queued_link(user)
    new = {"password": "pouch-baru-2026!", "confirm": "pouch-baru-2026!"}
    assert client.post(path, data=new).status_code == 302
    client.post("/auth/logout")
    assert client.post(path, data=new).status_code == 410
    ok = client.post("/auth/login", data={"login": user.email, "password": new["password"]})
    assert ok.status_code == 302


def test_reset_link_uses_base_url_not_host_header(client, make_user, app):
    app.config["BASE_URL"] = "https://rumahkemasan.example.go.id"
    user = make_user()
    client.post("/auth/reset", data={"login": user.email}, headers={"Host": "evil.example"})
    db.session.rollback()
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == user.id))
    assert "https://rumahkemasan.example.go.id/auth/reset/" in mail.body_text
    assert "evil.example" not in mail.body_text


def test_password_change_ends_other_sessions(app, make_user):
    user = make_user()
    phone_browser, laptop = app.test_client(), app.test_client()
    login(phone_browser, user)
    login(laptop, user)
    resp = laptop.post(
        "/auth/password",
        data={"current": PASSWORD, "password": "anyar-kemasan-77", "confirm": "anyar-kemasan-77"},
    )
    assert resp.status_code == 302
    assert laptop.get("/account").status_code == 200  # the one that changed it stays in
    assert phone_browser.get("/account").status_code == 302


def test_disabled_user_is_signed_out(app, make_user):
    user = make_user()
    client = app.test_client()
    login(client, user)
    db.session.rollback()
    user.active = False
    user.rotate_session_token()
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_users_create_cli(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "staff",
            "--name",
            "Desainer Baru",
            "--email",
            "baru@example.com",
            "--unit",
            "denpasar",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "password:" in result.output
    user = db.session.scalar(select(User).where(User.email == "baru@example.com"))
    assert user.role == Role.STAFF and user.unit.slug == "denpasar"
    refused = runner.invoke(
        args=["users", "create", "--role", "staff", "--name", "X", "--email", "x@example.org"]
    )
    assert refused.exit_code != 0


def test_one_time_token_is_stored_hashed(ctx, make_user, app):
    from rumah_kemasan.accounts import services

    owner = make_user(email=None)
    staff = make_user(Role.STAFF)
    with app.test_request_context():
        link = services.set_password_link(owner, staff)
    db.session.commit()
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(select(OneTimeToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_staff_make_a_set_password_link_that_works_once(
    app, client, login_as, make_user, make_request
):
    owner = make_user(email=None, password=None)
    req = make_request(owner)
    staff = make_user(Role.STAFF)
    login_as(staff)
    page = client.post(f"/requests/{req.code}/owner-link").get_data(as_text=True)
    path = re.search(r"http://localhost(/auth/reset/[^\"<\s]+)", page).group(1)
    assert "https://wa.me/62" in page
    from rumah_kemasan.audit.models import AuditLog

    db.session.rollback()
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action.like("account.%")))
    assert (audit.actor_id, audit.target) == (staff.id, f"user:{owner.id}")
    owner_browser = app.test_client()
    new = {"password": "pouch-baru-2026!", "confirm": "pouch-baru-2026!"}
    assert owner_browser.post(path, data=new).status_code == 302
    assert app.test_client().post(path, data=new).status_code == 410
