"""SQLite full-text search: an FTS5 trigram index of the list's searchable text

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 12:00:00

PostgreSQL searches through the pg_trgm GIN indexes of 0006; this revision does nothing there.
On SQLite it creates `request_search_text`, per request (id = service_request.id)
the four texts the list's search looks in: the request's code and product name, its business's
name and its owner's (applicant's) full name; and `request_search`, an FTS5 index of that table
(external content) with the trigram tokenizer, which finds any substring of three characters
or more (a quoted phrase in MATCH). The search takes the index's candidates and checks each
with SQLite's own LIKE on the copied texts, so the matches are exactly those of `LIKE` on the
source columns; a common or short text is checked row by row against the copied texts while
walking the list (see rumah_kemasan/service_requests/queries.py, `_text_match`).

Triggers keep both in sync: a request inserted, deleted, or updated in one of code, product
name, business or applicant; a business renamed; a user's full name changed (this includes the
anonymisation of a deleted account); and the index follows its content table. Neither table
is a model: the schema comparison and autogenerate ignore `request_search*` (the FTS5 table,
its shadow tables request_search_data, _idx, _docsize, _config, and the content table;
migrations/env.py, `include_name`).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "request_search"  # the FTS5 index
TEXT = "request_search_text"  # its content: a plain table, also read by the search itself

CREATE_TABLES = (
    f"""
    CREATE TABLE {TEXT} (
        id INTEGER PRIMARY KEY,  -- service_request.id
        code TEXT, product_name TEXT, business_name TEXT, owner_name TEXT
    )
    """,
    f"""
    CREATE VIRTUAL TABLE {TABLE} USING fts5(
        code, product_name, business_name, owner_name,
        content = '{TEXT}', content_rowid = 'id', tokenize = 'trigram'
    )
    """,
)

_COLS = "code, product_name, business_name, owner_name"
_NEW = "new.code, new.product_name, new.business_name, new.owner_name"
_OLD = "old.code, old.product_name, old.business_name, old.owner_name"

# Fills both from scratch (an existing database being upgraded; bench/generate.py after a bulk
# load with the triggers off): one INSERT ... SELECT, then the index built from its content.
POPULATE = (
    f"DELETE FROM {TEXT}",
    f"""
    INSERT INTO {TEXT} (id, {_COLS})
    SELECT r.id, r.code, r.product_name, b.name, u.full_name
    FROM service_request AS r
    LEFT JOIN business AS b ON b.id = r.business_id
    LEFT JOIN "user" AS u ON u.id = r.applicant_id
    """,
    f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')",
)

TRIGGERS = {
    # The index follows its content table (FTS5's external-content pattern: a row leaves the
    # index with the values it was indexed with).
    "trg_request_search_text_insert": f"""
    CREATE TRIGGER trg_request_search_text_insert AFTER INSERT ON {TEXT}
    BEGIN
        INSERT INTO {TABLE} (rowid, {_COLS}) VALUES (new.id, {_NEW});
    END
    """,
    "trg_request_search_text_delete": f"""
    CREATE TRIGGER trg_request_search_text_delete AFTER DELETE ON {TEXT}
    BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
    END
    """,
    "trg_request_search_text_update": f"""
    CREATE TRIGGER trg_request_search_text_update AFTER UPDATE ON {TEXT}
    BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
        INSERT INTO {TABLE} (rowid, {_COLS}) VALUES (new.id, {_NEW});
    END
    """,
    # The content follows the requests, business names and owner names.
    "trg_request_search_insert": f"""
    CREATE TRIGGER trg_request_search_insert AFTER INSERT ON service_request
    BEGIN
        INSERT INTO {TEXT} (id, {_COLS})
        VALUES (
            new.id, new.code, new.product_name,
            (SELECT name FROM business WHERE id = new.business_id),
            (SELECT full_name FROM "user" WHERE id = new.applicant_id)
        );
    END
    """,
    "trg_request_search_update": f"""
    CREATE TRIGGER trg_request_search_update
    AFTER UPDATE OF code, product_name, business_id, applicant_id ON service_request
    WHEN new.code IS NOT old.code OR new.product_name IS NOT old.product_name
        OR new.business_id IS NOT old.business_id OR new.applicant_id IS NOT old.applicant_id
    BEGIN
        UPDATE {TEXT} SET
            code = new.code,
            product_name = new.product_name,
            business_name = (SELECT name FROM business WHERE id = new.business_id),
            owner_name = (SELECT full_name FROM "user" WHERE id = new.applicant_id)
        WHERE id = new.id;
    END
    """,
    "trg_request_search_delete": f"""
    CREATE TRIGGER trg_request_search_delete AFTER DELETE ON service_request
    BEGIN
        DELETE FROM {TEXT} WHERE id = old.id;
    END
    """,
    "trg_request_search_business": f"""
    CREATE TRIGGER trg_request_search_business AFTER UPDATE OF name ON business
    WHEN new.name IS NOT old.name
    BEGIN
        UPDATE {TEXT} SET business_name = new.name
        WHERE id IN (SELECT id FROM service_request WHERE business_id = new.id);
    END
    """,
    "trg_request_search_owner": f"""
    CREATE TRIGGER trg_request_search_owner AFTER UPDATE OF full_name ON "user"
    WHEN new.full_name IS NOT old.full_name
    BEGIN
        UPDATE {TEXT} SET owner_name = new.full_name
        WHERE id IN (SELECT id FROM service_request WHERE applicant_id = new.id);
    END
    """,
}


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in CREATE_TABLES:
        op.execute(statement)
    for statement in POPULATE:
        op.execute(statement)
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
    op.execute(f"DROP TABLE IF EXISTS {TEXT}")
