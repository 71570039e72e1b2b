"""Production refuses unsafe settings; concurrent writers neither lock up nor both win."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from rumah_kemasan import create_app
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 40, "DEBUG": True}, "Debug"),
        ({"SECRET_KEY": "x" * 40}, "TRUSTED_HOSTS"),
        ({"SECRET_KEY": "x" * 40, "BASE_URL": "https://rk.example.go.id"}, "TRUSTED_HOSTS"),
        ({"SECRET_KEY": "x" * 40, "TRUSTED_HOSTS": ["rk.example.go.id"]}, "BASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(env, message):
    with pytest.raises(RuntimeError, match=message):
        create_app("production") if not env else _prod(env)


def _prod(overrides):
    from config import ProductionConfig

    cfg = {"SECRET_KEY": None, "DEBUG": False, "TRUSTED_HOSTS": None, "BASE_URL": None} | overrides
    ProductionConfig.validate(cfg)


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    import importlib

    import config

    importlib.reload(config)
    try:
        cfg = {
            k: getattr(config.ProductionConfig, k)
            for k in dir(config.ProductionConfig)
            if k.isupper()
        }
        cfg["TRUSTED_HOSTS"] = ["rumahkemasan.example.go.id"]
        cfg["BASE_URL"] = "https://rumahkemasan.example.go.id"
        config.ProductionConfig.validate(cfg)
        assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
        assert cfg["SESSION_COOKIE_HTTPONLY"] and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        monkeypatch.delenv("SECRET_KEY")
        importlib.reload(config)


def test_security_headers_on_pages_and_errors(client):
    for path in ("/", "/does-not-exist"):
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"]


def test_authenticated_pages_are_not_cached(client, login_as, make_user):
    login_as(make_user())
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_ten_simultaneous_transitions_one_winner(app, make_user, make_request):
    """Ten staff accept the same request at once: one wins, one event, status agrees."""
    owner = make_user()
    req = make_request(owner)
    staff = [make_user(Role.STAFF) for _ in range(10)]
    clients = []
    for s in staff:
        c = app.test_client()
        login(c, s)
        clients.append(c)
    code, version = req.code, str(req.version)
    barrier = threading.Barrier(len(clients))
    results: list[int] = []

    def act(c):
        barrier.wait()
        resp = c.post(
            f"/requests/{code}/transition",
            data={"target": "accepted", "version": version},
        )
        results.append(resp.status_code)

    threads = [threading.Thread(target=act, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(302) == 1, results
    assert all(code in (302, 409) for code in results), results
    db.session.rollback()
    events = db.session.scalars(
        select(RequestEvent).where(
            RequestEvent.request_id == req.id, RequestEvent.to_status == Status.ACCEPTED
        )
    ).all()
    assert len(events) == 1
    fresh = db.session.get(ServiceRequest, req.id)
    assert fresh.status == Status.ACCEPTED and fresh.accepted_at is not None
    assert fresh.due_at is not None


def test_parallel_registrations_do_not_lock(app, ctx):
    """Two owners registering at the same moment both succeed (no 'database is locked')."""
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def register(i):
        c = app.test_client()
        barrier.wait()
        resp = c.post(
            "/auth/register",
            data={
                "full_name": f"Pemilik {i}",
                "phone": f"08123400{i:04d}",
                "password": "kemasan-bagus-2026",
                "confirm": "kemasan-bagus-2026",
                "consent": "y",
            },
        )
        codes.append(resp.status_code)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302] * 6
    from rumah_kemasan.accounts.models import User

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 6


def test_owners_filing_at_the_same_moment_each_get_their_own_code(
    app, make_user, make_business, service
):
    """Twelve owners press "send" together: every request is filed, codes never repeat."""
    owners = [make_user() for _ in range(12)]
    businesses = [make_business(owner) for owner in owners]
    service_id = str(service("DESAIN-LOGO").id)
    forms = []
    for owner, business in zip(owners, businesses, strict=True):
        browser = app.test_client()
        login(browser, owner)
        forms.append(
            (
                browser,
                {
                    "business_id": str(business.id),
                    "service_type_id": service_id,
                    "product_name": "Keripik",
                    "product_category": "pangan",
                    "brief": "Label baru",
                    "target_market": "lokal",
                },
            )
        )
    barrier = threading.Barrier(len(forms))
    results: list[int] = []

    def file(browser, data):
        barrier.wait()
        results.append(browser.post("/requests/new", data=data).status_code)

    threads = [threading.Thread(target=file, args=f) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302] * len(forms)
    db.session.rollback()
    codes = db.session.scalars(select(ServiceRequest.code)).all()
    assert len(codes) == len(set(codes)) == len(forms)
