"""indexes for a million requests (make bench)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Declared in rumah_kemasan/service_requests/models.py. On PostgreSQL the *_trgm indexes are
# pg_trgm GIN indexes for the list's ILIKE '%...%' search; on SQLite, which has no trigram
# index, they are empty partial indexes (WHERE 0) that only keep the schema equal to the models.
TRGM = (
    ("ix_request_code_trgm", "service_request", "code"),
    ("ix_request_product_trgm", "service_request", "product_name"),
    ("ix_business_name_trgm", "business", "name"),
    ("ix_user_full_name_trgm", "user", "full_name"),
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # A trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_request_status_unit_submitted",
            ["status", "unit_id", "submitted_at", "id"],
            unique=False,
        )
    for name, table, column in TRGM:
        op.create_index(
            name,
            table,
            [column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )


def downgrade():
    for name, table, _column in reversed(TRGM):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_status_unit_submitted")
    # pg_trgm stays: other objects may use it, and it costs nothing.
