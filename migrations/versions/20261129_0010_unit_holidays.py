"""each unit's own holidays and the stamp of its calendar (issue 15, "tz")

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:30:00

"""

import sqlalchemy as sa
from alembic import op

import rumah_kemasan.types

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("calendar_stamp", sa.String(length=32), server_default="0", nullable=False)
        )
    op.create_table(
        "unit_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_unit_holiday_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_holiday_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_holiday")),
        sa.UniqueConstraint("unit_id", "day", name="uq_unit_holiday_unit_day"),
    )


def downgrade():
    op.drop_table("unit_holiday")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("calendar_stamp")
