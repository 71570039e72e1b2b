"""SQLite full-text search: an FTS5 trigram index of the list's searchable text

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 12:00:00

PostgreSQL searches through the pg_trgm GIN indexes of 0006; this revision does nothing there.
On SQLite it creates `request_search`, an FTS5 table with the trigram tokenizer holding, per
request (rowid = service_request.id), the four texts the list's search looks in: the request's
code and product name, its business's name and its owner's (applicant's) full name. The
trigram tokenizer finds any substring of three characters or more (a quoted phrase in MATCH);
the search takes those candidates and checks each with SQLite's own LIKE on the indexed copies,
so the matches are exactly those of `LIKE` on the source columns (see
rumah_kemasan/service_requests/queries.py, `_sqlite_search_ids`).

Triggers keep it in sync: a request inserted, deleted, or updated in one of code, product name,
business or applicant; a business renamed; a user's full name changed (this includes the
anonymisation of a deleted account). The table and its shadow tables (request_search_data,
_idx, _content, _docsize, _config) are not models: the schema comparison and autogenerate
ignore them (migrations/env.py, `include_name`).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "request_search"

CREATE_TABLE = f"""
CREATE VIRTUAL TABLE {TABLE} USING fts5(
    code, product_name, business_name, owner_name, tokenize = 'trigram'
)
"""

# Fills the table from scratch (an existing database being upgraded; bench/generate.py after
# a bulk load with the triggers off). One INSERT ... SELECT, then one merged b-tree.
POPULATE = (
    f"DELETE FROM {TABLE}",
    f"""
    INSERT INTO {TABLE} (rowid, code, product_name, business_name, owner_name)
    SELECT r.id, r.code, r.product_name, b.name, u.full_name
    FROM service_request AS r
    LEFT JOIN business AS b ON b.id = r.business_id
    LEFT JOIN "user" AS u ON u.id = r.applicant_id
    """,
    f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')",
)

TRIGGERS = {
    "trg_request_search_insert": f"""
    CREATE TRIGGER trg_request_search_insert AFTER INSERT ON service_request
    BEGIN
        INSERT INTO {TABLE} (rowid, code, product_name, business_name, owner_name)
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
        UPDATE {TABLE} SET
            code = new.code,
            product_name = new.product_name,
            business_name = (SELECT name FROM business WHERE id = new.business_id),
            owner_name = (SELECT full_name FROM "user" WHERE id = new.applicant_id)
        WHERE rowid = new.id;
    END
    """,
    "trg_request_search_delete": f"""
    CREATE TRIGGER trg_request_search_delete AFTER DELETE ON service_request
    BEGIN
        DELETE FROM {TABLE} WHERE rowid = old.id;
    END
    """,
    "trg_request_search_business": f"""
    CREATE TRIGGER trg_request_search_business AFTER UPDATE OF name ON business
    WHEN new.name IS NOT old.name
    BEGIN
        UPDATE {TABLE} SET business_name = new.name
        WHERE rowid IN (SELECT id FROM service_request WHERE business_id = new.id);
    END
    """,
    "trg_request_search_owner": f"""
    CREATE TRIGGER trg_request_search_owner AFTER UPDATE OF full_name ON "user"
    WHEN new.full_name IS NOT old.full_name
    BEGIN
        UPDATE {TABLE} SET owner_name = new.full_name
        WHERE rowid IN (SELECT id FROM service_request WHERE applicant_id = new.id);
    END
    """,
}


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(CREATE_TABLE)
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
