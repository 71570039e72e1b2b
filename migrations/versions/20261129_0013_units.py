"""units managed in the browser: province, opening hours, and each area's own code (issue 15)

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-29 22:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("province", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("opening_hours", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_column("code")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("opening_hours")
        batch_op.drop_column("province")
