"""requests imported from an office's spreadsheet keep the office's own reference (issue 15)

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-29 22:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_ref", sa.String(length=60), nullable=True))
        batch_op.create_index(
            "ix_request_unit_import_ref", ["unit_id", "import_ref"], unique=True
        )


def downgrade():
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_unit_import_ref")
        batch_op.drop_column("import_ref")
