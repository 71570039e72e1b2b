"""Fixtures: the app on each database backend, a client, users, businesses and requests.

Integration tests run on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set (CI sets
REQUIRE_POSTGRES=1, which turns a missing PostgreSQL into a failure instead of a skip). The
schema comes from the Alembic migrations, once per backend per run.
"""

from __future__ import annotations

import contextvars
import itertools
import os
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from rumah_kemasan import create_app
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db as _db

os.environ["FLASK_CONFIG"] = "testing"

PASSWORD = "kemasan-bagus-2026"
BACKENDS_RUN: set[str] = set()
_counter = itertools.count(1)


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, as in a real server.

    Without this, a request made while the test holds an app context reuses that context:
    `g` (and Flask-Login's cached user) and the database session would leak between requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _pg_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def pytest_terminal_summary(terminalreporter):
    ran = ", ".join(sorted(BACKENDS_RUN)) or "none"
    terminalreporter.write_line(f"database backends exercised: {ran}")
    if os.environ.get("REQUIRE_POSTGRES") and "postgresql" not in BACKENDS_RUN:
        terminalreporter.write_line("ERROR: PostgreSQL tests were required but did not run")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("REQUIRE_POSTGRES") and "postgresql" not in BACKENDS_RUN and exitstatus == 0:
        session.exitstatus = 1


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = _pg_url()
        if not url:
            if os.environ.get("REQUIRE_POSTGRES"):
                pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
            pytest.skip("PostgreSQL: set TEST_DATABASE_URL to run these tests")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True} | _TEST_CONFIG)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        _db.engine.dispose()
    BACKENDS_RUN.add(request.param)
    return url


_TEST_CONFIG = {
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    "LOGIN_MAX_PER_ADDRESS": 1000,
    "SERVER_NAME": "localhost",
}


def _truncate(url: str) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    """The app bound to a clean database with the reference data loaded."""
    app = create_app(
        _TEST_CONFIG
        | {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "TESTING": True,
        }
    )
    app.test_client_class = IsolatedClient
    app.config["BACKEND"] = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    with app.app_context():
        from rumah_kemasan.reference_data import load_all

        load_all()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    _truncate(database_url)


@pytest.fixture
def ctx(app):
    """An application context for direct model and service calls."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def unit(ctx):
    from sqlalchemy import select

    from rumah_kemasan.accounts.models import Unit

    return _db.session.scalar(select(Unit).where(Unit.slug == "denpasar"))


@pytest.fixture
def other_unit(ctx):
    from rumah_kemasan.accounts.models import Unit
    from rumah_kemasan.service_requests.catalog import offer_national_defaults

    u = Unit(slug="badung", name="Rumah Kemasan Kabupaten Badung", city="Badung")
    _db.session.add(u)
    _db.session.flush()
    offer_national_defaults(u)  # set up like Denpasar: every service on the national terms
    _db.session.commit()
    return u


@pytest.fixture
def make_user(ctx, unit):
    from rumah_kemasan.accounts.models import User
    from rumah_kemasan.roles import Role

    def make(role=Role.OWNER, *, unit_=None, email=True, phone=None, password=PASSWORD, **kw):
        role = Role(role)
        n = next(_counter)
        user = User(
            role=role,
            full_name=kw.pop("full_name", f"{role.value.title()} {n}"),
            email=f"user{n}@example.com" if email is True else (email or None),
            phone=phone or f"62813{n:08d}",
            unit=(unit_ or unit) if role in (Role.STAFF, Role.SUPERVISOR) else unit_,
            consent_at=utcnow(),
            **kw,
        )
        if password:
            user.set_password(password)
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def make_business(ctx, unit):
    from sqlalchemy import select

    from rumah_kemasan.accounts.models import Area, Business, BusinessScale, ProductCategory

    def make(owner, **kw):
        area = _db.session.scalar(
            select(Area).where(Area.unit_id == (kw.get("unit_id") or unit.id))
        )
        b = Business(
            owner_id=owner.id,
            unit_id=kw.pop("unit_id", unit.id),
            name=kw.pop("name", f"Usaha {owner.full_name}"),
            category=kw.pop("category", ProductCategory.PANGAN),
            scale=kw.pop("scale", BusinessScale.MIKRO),
            area_id=area.id if area else None,
            **kw,
        )
        _db.session.add(b)
        _db.session.commit()
        return b

    return make


@pytest.fixture
def service(ctx):
    """Look up a catalog service by code."""
    from sqlalchemy import select

    from rumah_kemasan.service_requests.models import ServiceType

    return lambda code="DESAIN-LOGO": _db.session.scalar(
        select(ServiceType).where(ServiceType.code == code)
    )


@pytest.fixture
def make_request(ctx, make_business, service):
    """A request filed through the service, optionally forced into a status for setup."""
    from rumah_kemasan.service_requests import services
    from rumah_kemasan.service_requests.workflow import Status

    def make(
        owner, *, status=Status.SUBMITTED, business=None, code="DESAIN-LOGO", assignee=None, **kw
    ):
        business = business or make_business(owner)
        req = services.file_request(
            services.RequestInput(
                business=business,
                service_type=service(code),
                product_name=kw.get("product_name", "Keripik Pisang"),
                product_category="pangan",
                brief=kw.get("brief", "Label baru untuk keripik"),
                target_market="lokal",
                quantity=kw.get("quantity", 100),
                packaging_type=kw.get("packaging_type", "Standing pouch"),
            ),
            owner,
        )
        status = Status(status)
        if status is not Status.SUBMITTED:
            now = utcnow()
            req.status = status
            req.assignee_id = assignee.id if assignee else None
            if status not in (Status.NEEDS_INFO, Status.REJECTED, Status.CANCELLED):
                req.accepted_at = now - timedelta(days=1)
                req.due_at = now + timedelta(days=9)
        _db.session.commit()
        return req

    return make


def login(client, user, password=PASSWORD, remember=False):
    """Sign in through the real form (CSRF is off in tests unless a test turns it on)."""
    return client.post(
        "/auth/login",
        data={
            "login": user.email or user.phone,
            "password": password,
            "remember": "y" if remember else "",
        },
    )


@pytest.fixture
def login_as(client):
    def do(user, **kw):
        resp = login(client, user, **kw)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return do


def png_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    """A small real PNG."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def add_file(ctx):
    """Store a design file through the real upload service (and publish drafts on request)."""
    from rumah_kemasan.designs import services as designs
    from rumah_kemasan.designs.models import DesignKind

    def add(req, kind=DesignKind.DRAFT, *, user=None, data=None, name="desain.png", proof=False):
        kind = DesignKind(kind)
        user = user or req.assignee or req.applicant
        design_file = designs.upload(req, user, kind, name, data or png_bytes())
        if proof:
            design_file.proof_published_at = utcnow()
        _db.session.commit()
        return design_file

    return add
