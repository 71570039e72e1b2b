"""Every migration downgrades and upgrades again, on SQLite and PostgreSQL, with data in every
table (docs/migrations.md).

Each test gets its own fresh database, not the session's shared one: a temporary SQLite file,
and on PostgreSQL a database named after TEST_DATABASE_URL's with `_roundtrip` appended,
created and dropped on the same server. The chain is read from the script directory, so a new
migration is walked (and must downgrade) without touching this file; a new table must get a
row in `_fill_every_table`, or the round trip fails before it starts.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from rumah_kemasan import create_app
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from tests.conftest import (
    _TEST_CONFIG,
    BACKENDS_RUN,
    PASSWORD,
    IsolatedClient,
    _pg_url,
    login,
)
from tests.integration.schema_helpers import model_differences

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    """The URL of an empty database of its own, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
        BACKENDS_RUN.add("sqlite")
        return
    server = _pg_url()
    if not server:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL to run these tests")
    server = make_url(server)
    name = f"{server.database}_roundtrip"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
        BACKENDS_RUN.add("postgresql")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(fresh_url, tmp_path):
    app = create_app(
        _TEST_CONFIG
        | {
            "SQLALCHEMY_DATABASE_URI": fresh_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "TESTING": True,
        }
    )
    app.instance_path = str(tmp_path)  # the demo seed writes its logins file there
    app.test_client_class = IsolatedClient
    app.config["BACKEND"] = make_url(fresh_url).get_backend_name()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _chain() -> list[str]:
    """The revisions from the first to the head, read from the script directory."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _current() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in sorted(_tables())}


def _rows() -> dict[str, list[dict]]:
    """Every row of every table."""
    with db.engine.connect() as conn:
        return {
            t: [dict(row._mapping) for row in conn.execute(text(f'SELECT * FROM "{t}"'))]
            for t in _tables()
        }


def _values(rows: dict[str, list[dict]], columns: dict[str, set[str]]) -> dict[str, list[str]]:
    """The given columns of each table's rows, in a comparable form."""
    return {
        t: sorted(repr([row[c] for c in sorted(cols)]) for row in rows[t])
        for t, cols in columns.items()
    }


def _columns() -> dict[str, set[str]]:
    found = inspect(db.engine)
    return {t: {c["name"] for c in found.get_columns(t)} for t in _tables()}


def _schema() -> dict[str, dict[str, list[str]]]:
    """Columns, keys, indexes and constraints of every table (and SQLite's triggers), as
    reflected: what a downgrade must give back exactly as the upgrade found it."""
    found = inspect(db.engine)

    def per_table(multi, describe):
        return {
            table: sorted(repr(describe(item)) for item in items)
            for (_schema, table), items in multi.items()
            if table != "alembic_version"
        }

    schema = {
        "columns": per_table(
            found.get_multi_columns(), lambda c: (c["name"], str(c["type"]), c["nullable"])
        ),
        "primary keys": per_table(
            {k: [v] for k, v in found.get_multi_pk_constraint().items()},
            lambda pk: pk["constrained_columns"],
        ),
        "foreign keys": per_table(
            found.get_multi_foreign_keys(),
            lambda fk: (
                fk["name"],
                fk["constrained_columns"],
                fk["referred_table"],
                fk["referred_columns"],
                sorted(fk["options"].items()),
            ),
        ),
        "indexes": per_table(
            found.get_multi_indexes(),
            lambda ix: (
                ix["name"],
                ix["column_names"],
                bool(ix["unique"]),
                sorted((k, str(v)) for k, v in ix.get("dialect_options", {}).items()),
            ),
        ),
        "unique constraints": per_table(
            found.get_multi_unique_constraints(), lambda uq: (uq["name"], uq["column_names"])
        ),
        "check constraints": per_table(
            found.get_multi_check_constraints(),
            lambda ck: (ck["name"], " ".join(ck["sqltext"].split())),
        ),
    }
    if db.engine.dialect.name == "sqlite":
        schema["triggers"] = {"": sorted(_triggers())}
    return schema


def _fill_every_table() -> None:
    """The demo seed, plus a row in each table the seed leaves empty."""
    from rumah_kemasan.accounts.models import (
        AccountRecovery,
        ConsentRecord,
        IdentityDocument,
        LoginAttempt,
        OneTimeToken,
        TokenPurpose,
        UnitHoliday,
        User,
    )
    from rumah_kemasan.audit.models import AuditLog
    from rumah_kemasan.designs.models import Handover
    from rumah_kemasan.notifications.models import (
        Delivery,
        DigestItem,
        EmailTopic,
        Notification,
        NotificationKind,
        NotificationPreference,
        OutboxEmail,
        TrackAttempt,
    )
    from rumah_kemasan.reports.models import (
        AgeGroup,
        Education,
        Gender,
        Occupation,
        SurveyResponse,
    )
    from rumah_kemasan.roles import Role
    from rumah_kemasan.seed import seed_demo
    from rumah_kemasan.service_requests.models import ServiceRequest
    from rumah_kemasan.service_requests.workflow import Status

    seed_demo(if_empty=False, n_owners=3, n_requests=len(Status), echo=lambda *_: None)
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF).order_by(User.id))
    staff.set_password(PASSWORD)  # signs in after the round trip
    done = db.session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.status == Status.COMPLETED)
        .order_by(ServiceRequest.id)
    )
    owner = done.applicant
    rows = [
        AccountRecovery(
            owner_id=owner.id,
            unit_id=done.unit_id,
            request_id=done.id,
            recorded_by_id=staff.id,
            document=IdentityDocument.KTP,
            document_last4="1234",
            reason="Lupa kata sandi",
        ),
        AuditLog(actor_id=staff.id, action="export.csv", target="requests", details={"rows": 1}),
        ConsentRecord(user_id=owner.id, kind="registration", purpose="Layanan rumah kemasan"),
        Handover(request_id=done.id, received_by=owner.full_name, recorded_by_id=staff.id),
        DigestItem(user_id=staff.id, topic=EmailTopic.NEW_REQUEST, request_id=done.id),
        LoginAttempt(account_key="0" * 64, address="203.0.113.7"),
        NotificationPreference(
            user_id=staff.id, topic=EmailTopic.ASSIGNED, delivery=Delivery.DIGEST
        ),
        Notification(
            user_id=owner.id, request_id=done.id, kind=NotificationKind.STATUS, status=done.status
        ),
        OneTimeToken(
            user_id=owner.id,
            purpose=TokenPurpose.SET_PASSWORD,
            token_hash="1" * 64,
            expires_at=utcnow() + timedelta(days=1),
            created_by_id=staff.id,
        ),
        OutboxEmail(
            user_id=owner.id,
            to_address="pemilik@example.com",
            subject="Selesai",
            body_text="Selesai.",
        ),
        SurveyResponse(
            request_id=done.id,
            unit_id=done.unit_id,
            service_type_id=done.service_type_id,
            respondent_id=owner.id,
            gender=Gender.FEMALE,
            age_group=AgeGroup.A30_39,
            education=Education.SMA,
            occupation=Occupation.WIRAUSAHA,
            suggestion="Cepat dan ramah.",
            **{f"u{i}": 3 for i in range(1, 10)},
        ),
        TrackAttempt(address="203.0.113.7"),
        UnitHoliday(unit_id=done.unit_id, day=date(2026, 11, 25), name="Galungan"),
    ]
    for row in rows:
        if not db.session.scalar(select(func.count()).select_from(type(row))):
            db.session.add(row)
    db.session.commit()
    db.session.remove()


def _search(client, term: str) -> str:
    resp = client.get("/requests", query_string={"q": term})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_each_migration_upgrades_and_downgrades_one_step_at_a_time_from_empty(app):
    chain = _chain()
    schemas = {None: _schema()}
    for revision in chain:
        upgrade(revision=revision)
        assert _current() == revision
        schemas[revision] = _schema()
    with db.engine.connect() as conn:
        assert model_differences(conn) == []
    # Each downgrade gives back exactly the schema the upgrade started from.
    for previous in [*reversed(chain[:-1]), None]:
        downgrade(revision=previous or "base")
        assert _current() == previous
        assert _schema() == schemas[previous], f"downgrade to {previous or 'base'}"
    assert _tables() == set(), "the first migration's downgrade leaves tables behind"


def test_round_trip_to_the_first_migration_keeps_the_data(app):
    from rumah_kemasan.accounts.models import Business, User
    from rumah_kemasan.roles import Role
    from rumah_kemasan.service_requests import queries
    from rumah_kemasan.service_requests.models import ServiceRequest

    chain = _chain()
    upgrade()
    _fill_every_table()
    at_head = _counts()
    empty = sorted(t for t, n in at_head.items() if n == 0)
    assert not empty, f"tables without a row (give them one in _fill_every_table): {empty}"
    head_columns, head_rows, head_schema = _columns(), _rows(), _schema()

    # Down one step at a time to the first migration; the tables that exist all the way down
    # keep every row (and every value of the columns that exist all the way down).
    kept = dict(head_columns)
    for previous in reversed(chain[:-1]):
        downgrade(revision=previous)
        assert _current() == previous
        now = _columns()
        kept = {t: cols & now[t] for t, cols in kept.items() if t in now}
        counts = _counts()
        assert {t: counts[t] for t in kept} == {t: at_head[t] for t in kept}, previous
    assert kept, "no table exists at every revision"
    assert _values(_rows(), kept) == _values(head_rows, kept)

    upgrade()
    assert _current() == chain[-1]
    counts = _counts()
    assert {t: counts[t] for t in kept} == {t: at_head[t] for t in kept}
    assert _values(_rows(), kept) == _values(head_rows, kept)
    assert _columns() == head_columns
    assert _schema() == head_schema
    with db.engine.connect() as conn:
        assert model_differences(conn) == []

    # The app works on the migrated database: sign in, search by business name (on SQLite
    # through the rebuilt FTS index, kept in sync by the recreated triggers).
    business = db.session.scalar(select(Business).order_by(Business.id))
    business.name = "Warung Pulang Pergi"
    db.session.commit()
    renamed = db.session.execute(
        select(ServiceRequest.id, ServiceRequest.code)
        .where(ServiceRequest.business_id == business.id)
        .order_by(ServiceRequest.id)
    ).all()
    assert renamed
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF).order_by(User.id))
    db.session.remove()
    if app.config["BACKEND"] == "sqlite":
        assert queries._sqlite_search_ids("pulang pergi") == [id_ for id_, _ in renamed]
        db.session.remove()
    client = app.test_client()
    assert login(client, staff).status_code == 302
    page = _search(client, "pulang pergi")
    assert sorted(re.findall(r"<strong>(RK-\d{4}-\d{5})</strong>", page)) == sorted(
        code for _, code in renamed
    )


# A table rebuild at head, on SQLite: batch operations copy "user", business and
# service_request (the tables 0007's triggers are on or read from) into new tables.
PROBE = '''
"""probe: rebuild tables at head (test only)"""
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None

TABLES = ("user", "business", "service_request")


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''

REBUILD_UP = """
for table in TABLES:
    with op.batch_alter_table(table, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("probe", sa.Integer(), nullable=True))
"""
REBUILD_DOWN = """
for table in TABLES:
    with op.batch_alter_table(table, recreate="always") as batch_op:
        batch_op.drop_column("probe")
"""


def _migrations_with(tmp_path, *steps: tuple[str, str]) -> str:
    """A copy of migrations/ with probe revisions (upgrade, downgrade bodies) after the head."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, directory, ignore=shutil.ignore_patterns("__pycache__"))
    down = _chain()[-1]
    for n, (up_body, down_body) in enumerate(steps, 1):
        revision = f"probe{n}"
        (directory / "versions" / f"{revision}.py").write_text(
            PROBE.format(
                revision=revision,
                down=down,
                upgrade=textwrap.indent(textwrap.dedent(up_body).strip(), "    "),
                downgrade=textwrap.indent(textwrap.dedent(down_body).strip(), "    "),
            )
        )
        down = revision
    return str(directory)


def _fts_shadow_tables() -> set[str]:
    """FTS5's own storage (rows of its b-tree segments, not one per document)."""
    with db.engine.connect() as conn:
        virtual = conn.scalars(
            text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
        ).all()
    return {f"{v}_{part}" for v in virtual for part in ("data", "idx", "docsize", "config")}


def _triggers() -> dict[str, str]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        return dict(rows.all())


# Table rebuilds (batch move-and-copy) and triggers are SQLite's: PostgreSQL alters in place.
sqlite_only = pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)


@sqlite_only
def test_table_rebuilds_at_head_keep_the_search_triggers(app, tmp_path):
    from rumah_kemasan.accounts.models import Business, User
    from rumah_kemasan.service_requests import queries
    from rumah_kemasan.service_requests.models import ServiceRequest

    # The step renames the first request's owner right after the rebuilds: the trigger on
    # "user" must already be back by then.
    rename = """
    op.execute(
        "UPDATE \\"user\\" SET full_name = 'Ni Luh Tembus Pandang'"
        " WHERE id = (SELECT applicant_id FROM service_request ORDER BY id LIMIT 1)"
    )
    """
    directory = _migrations_with(tmp_path, (REBUILD_UP + textwrap.dedent(rename), REBUILD_DOWN))
    upgrade()
    _fill_every_table()
    triggers, counts, schema = _triggers(), _counts(), _schema()
    assert len(triggers) >= 8  # 0007's
    for shadow in _fts_shadow_tables():
        del counts[shadow]

    def requests_of(owner_id):
        return db.session.scalars(
            select(ServiceRequest.id)
            .where(ServiceRequest.applicant_id == owner_id)
            .order_by(ServiceRequest.id)
        ).all()

    def found(term):
        ids = queries._sqlite_search_ids(term)
        db.session.remove()
        return ids

    upgrade(directory=directory)
    assert _current() == "probe1"
    assert "probe" in {c["name"] for c in inspect(db.engine).get_columns("user")}
    assert _triggers() == triggers
    assert _counts().items() >= counts.items()
    owner = db.session.scalar(select(User).where(User.full_name == "Ni Luh Tembus Pandang"))
    assert found("tembus pandang") == requests_of(owner.id)

    # Triggers on the rebuilt service_request read the rebuilt "user"; business's own works.
    other = db.session.scalar(select(ServiceRequest).where(ServiceRequest.applicant_id != owner.id))
    other.applicant_id = owner.id
    db.session.commit()
    theirs = requests_of(owner.id)
    assert other.id in theirs
    assert found("tembus pandang") == theirs
    db.session.scalar(select(Business).order_by(Business.id)).name = "Toko Bangun Ulang"
    db.session.commit()
    first_business = db.session.scalar(select(func.min(Business.id)))
    expected = db.session.scalars(
        select(ServiceRequest.id)
        .where(ServiceRequest.business_id == first_business)
        .order_by(ServiceRequest.id)
    ).all()
    assert found("bangun ulang") == expected

    downgrade(directory=directory, revision=_chain()[-1])
    assert _schema() == schema  # indexes (0006's partial ones too), constraints, triggers
    assert _counts().items() >= counts.items()
    assert found("tembus pandang") == theirs
    db.session.get(User, owner.id).full_name = "Ni Luh Kembali Lagi"
    db.session.commit()
    assert found("kembali lagi") == theirs


@sqlite_only
def test_a_trigger_dropped_by_the_migration_stays_dropped(app, tmp_path):
    """A trigger the migration drops before rebuilding its table is not put back."""
    directory = _migrations_with(
        tmp_path,
        (
            'op.execute("DROP TRIGGER trg_request_search_owner")\n' + REBUILD_UP,
            REBUILD_DOWN,
        ),
    )
    upgrade()
    before = _triggers()
    upgrade(directory=directory)
    assert set(_triggers()) == set(before) - {"trg_request_search_owner"}


@sqlite_only
def test_a_step_leaving_a_foreign_key_violation_fails_and_changes_nothing(app, tmp_path):
    """Foreign keys are off while SQLite migrations run; each step is checked instead, and the
    run is one transaction, so a failing step leaves the database at its starting revision."""
    directory = _migrations_with(
        tmp_path,
        (
            REBUILD_UP,
            REBUILD_DOWN,
        ),
        (
            """
            op.execute(
                "INSERT INTO consent_record (user_id, kind, purpose, granted, at)"
                " VALUES (999999, 'registration', 'x', 1, '2026-01-01 00:00:00')"
            )
            """,
            "pass",
        ),
    )
    upgrade()
    head = _current()
    triggers = _triggers()
    config = current_app.extensions["migrate"].migrate.get_config(directory)
    # (Alembic's own command: flask_migrate.upgrade logs the error and exits instead.)
    with pytest.raises(RuntimeError, match="upgrade to probe2: 1 foreign key violation"):
        command.upgrade(config, "head")
    assert _current() == head
    assert "probe" not in {c["name"] for c in inspect(db.engine).get_columns("user")}
    assert _triggers() == triggers
    with db.engine.connect() as conn:
        assert conn.scalar(text("PRAGMA foreign_keys")) == 1
        assert conn.scalar(text("SELECT count(*) FROM consent_record")) == 0
