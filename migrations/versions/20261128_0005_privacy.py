"""privacy: mark erased accounts (issue 8)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:00:00

"""

import sqlalchemy as sa
from alembic import op

import rumah_kemasan.types

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
