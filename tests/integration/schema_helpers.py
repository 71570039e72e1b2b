"""The schema comparison shared by the schema test and the migration round trip."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from rumah_kemasan.extensions import db


def _model_table(name, type_, parent_names):
    """Skip SQLite's search tables (migration 0007): the content table, its FTS5 index and
    the index's shadow tables, kept by triggers, not models. The same rule is in
    migrations/env.py, so that autogenerate never proposes dropping them."""
    search = name is not None and (name == "request_search" or name.startswith("request_search_"))
    return not (type_ == "table" and search)


def model_differences(connection) -> list:
    """What autogenerate would change to make the database's schema equal the models."""
    context = MigrationContext.configure(connection, opts={"include_name": _model_table})
    return compare_metadata(context, db.metadata)
