"""The database goes away: 503 with Retry-After and a friendly page; back by itself after.

Run on PostgreSQL for real: the test creates its own database, kills the app's connections
and refuses new ones (ALLOW_CONNECTIONS false), then lets them in again. No restart between.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rumah_kemasan import create_app
from rumah_kemasan.extensions import db
from tests.conftest import _TEST_CONFIG, BACKENDS_RUN, IsolatedClient, _pg_url


@pytest.fixture
def outage_db():
    """A throwaway PostgreSQL database, migrated; dropped afterwards whatever happened."""
    url = _pg_url()
    if not url:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL to run the outage test")
    # Named after the test database, so runs against a shared server stay apart.
    name = f"{make_url(url).database}_outage_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    BACKENDS_RUN.add("postgresql")
    try:
        yield admin, name, target
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _cut(admin, name: str, allow: bool) -> None:
    with admin.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
        )
        if not allow:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )


def test_database_outage_answers_503_and_recovers_without_restart(outage_db, tmp_path):
    admin, name, url = outage_db
    app = create_app(
        _TEST_CONFIG
        | {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "up"), "TESTING": True}
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        from rumah_kemasan.accounts.models import User
        from rumah_kemasan.reference_data import load_all
        from rumah_kemasan.roles import Role

        upgrade()
        load_all()
        owner = User(role=Role.OWNER, full_name="Made Sabar", email="sabar@example.com")
        owner.set_password("kemasan-bagus-2026")
        db.session.add(owner)
        db.session.commit()
        db.session.remove()

    signed_in = app.test_client()
    resp = signed_in.post(
        "/auth/login", data={"login": "sabar@example.com", "password": "kemasan-bagus-2026"}
    )
    assert resp.status_code == 302
    anonymous = app.test_client()
    assert signed_in.get("/requests").status_code == 200
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/readyz").status_code == 200

    _cut(admin, name, allow=False)
    for client, path in ((signed_in, "/requests"), (anonymous, "/"), (anonymous, "/readyz")):
        resp = client.get(path)
        assert resp.status_code == 503, (path, resp.status_code)
        assert int(resp.headers["Retry-After"]) > 0
        body = resp.get_data(as_text=True)
        assert "<code>" in body and "Traceback" not in body and "psycopg" not in body
    assert anonymous.get("/healthz").status_code == 200  # liveness needs no database
    # Writes fail the same way and leave nothing half-done.
    resp = signed_in.post("/requests/new", data={"product_name": "x"})
    assert resp.status_code == 503

    _cut(admin, name, allow=True)
    assert signed_in.get("/requests").status_code == 200  # same process, same pool
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()
