import logging
import re
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import event

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep the loggers made before (rumah_kemasan.events): a migration run inside the app
# process (the tests, an upgrade at start-up) must not silence them.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    # SQLite's search tables (migration 0007: a content table, its FTS5 index and the index's
    # shadow tables, all named request_search*) are kept by triggers and are not models:
    # autogenerate must not propose dropping them.
    def include_name(name, type_, parent_names):
        search = name is not None and (
            name == "request_search" or name.startswith("request_search_")
        )
        return not (type_ == "table" and search)

    conf_args.setdefault("include_name", include_name)

    connectable = get_engine()

    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            run_sqlite_migrations(connection, conf_args)
            return
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()


# SQLite (docs/migrations.md). A batch operation rebuilds a table: create _alembic_tmp_<table>,
# copy the rows, DROP TABLE <table>, rename the copy. Three things break that on a live schema,
# and this runner handles them so that migration files need no SQLite-specific code:
#
# 1. rumah_kemasan/database.py turns foreign keys on for every connection, so DROP TABLE of a
#    referenced table ("user", service_request, ...) fails with "FOREIGN KEY constraint failed".
#    Foreign keys are turned off for the run (outside a transaction: inside one the pragma is
#    silently ignored), and every step ends with PRAGMA foreign_key_check: a violation fails
#    the step, and the whole run rolls back.
# 2. Since SQLite 3.26 a rename re-parses every trigger and view; one that mentions the table
#    just dropped (0007's triggers on service_request read "user" and business) fails the
#    rename ("error in trigger ...: no such table"). legacy_alter_table=ON skips that check;
#    the table gets its old name back, so the triggers' text stays right.
# 3. DROP TABLE drops the table's own triggers with it. When a table is dropped, its triggers
#    are remembered; when another table is then renamed to its name (the rebuild's last
#    statement), they are created again on it, at once, before the migration goes on.
#
# The whole run is one transaction (as on PostgreSQL): a failing step leaves the database at
# the revision it started from. The connection gets its pragmas back before it returns to the
# pool, or is discarded.

_NAME = r"(?:[\"`\[]?\w+[\"`\]]?\.)?[\"`\[]?(\w+)[\"`\]]?"
_DROP_TABLE = re.compile(r"\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?" + _NAME, re.IGNORECASE)
_RENAME_TABLE = re.compile(
    r"\s*ALTER\s+TABLE\s+" + _NAME + r"\s+RENAME\s+TO\s+" + _NAME, re.IGNORECASE
)


class _SQLiteRebuilds:
    """Triggers of a table that is dropped and replaced by a renamed copy are put back; each
    step ends with a foreign key check."""

    def __init__(self, connection):
        # Statements of our own go straight to the driver (same connection and transaction).
        self.raw = connection.connection.driver_connection
        self.dropped = {}  # table name (lower case) -> its triggers' (name, sql)
        event.listen(connection, "before_cursor_execute", self._before)
        event.listen(connection, "after_cursor_execute", self._after)

    def _triggers_on(self, table):
        return self.raw.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE",
            (table,),
        ).fetchall()

    def _before(self, _conn, _cursor, statement, *_args):
        dropping = _DROP_TABLE.match(statement)
        if dropping:
            self.dropped[dropping[1].lower()] = self._triggers_on(dropping[1])

    def _after(self, _conn, _cursor, statement, *_args):
        renamed = _RENAME_TABLE.match(statement)
        if not renamed or renamed[2].lower() not in self.dropped:
            return
        there = {name.lower() for name, _sql in self._triggers_on(renamed[2])}
        for name, sql in self.dropped.pop(renamed[2].lower()):
            if name.lower() not in there:
                logger.info("Recreating trigger %s on the rebuilt table %s", name, renamed[2])
                self.raw.execute(sql)

    def after_step(self, *, ctx, step, heads, run_args):
        self.dropped.clear()
        violations = self.raw.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            shown = ", ".join(
                f"{table} rowid {rowid} -> {parent}"
                for table, rowid, parent, _fk in violations[:10]
            )
            way = "upgrade to" if step.is_upgrade else "downgrade from"
            raise RuntimeError(
                f"{way} {step.up_revision_id}: {len(violations)} foreign key violation(s): {shown}"
            )


def run_sqlite_migrations(connection, conf_args):
    raw = connection.connection.driver_connection
    if raw.in_transaction:
        raise RuntimeError("SQLite migrations must start outside a transaction")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("PRAGMA legacy_alter_table=ON")
    try:
        steps = _SQLiteRebuilds(connection)
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            transactional_ddl=True,
            on_version_apply=steps.after_step,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA legacy_alter_table=OFF")
        raw.execute("PRAGMA foreign_keys=ON")
        if raw.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
            connection.invalidate()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
