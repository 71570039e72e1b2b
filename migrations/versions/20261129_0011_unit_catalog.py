"""the service catalog per unit, and the terms a request was filed under (issue 15)

Every existing unit gets a row per active service with today's national values, and every
existing request gets its service's values as its own terms: behaviour is unchanged.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 22:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TERMS = ("sla_days", "free_revisions", "includes_printing", "documents_required")


def upgrade():
    op.create_table(
        "unit_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sla_days", sa.Integer(), nullable=False),
        sa.Column("free_revisions", sa.Integer(), nullable=False),
        sa.Column("includes_printing", sa.Boolean(), nullable=False),
        sa.Column("documents_required", sa.Text(), nullable=False),
        sa.Column("extra_fields", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "free_revisions BETWEEN 0 AND 20", name=op.f("ck_unit_service_free_revisions_range")
        ),
        sa.CheckConstraint(
            "sla_days BETWEEN 1 AND 365", name=op.f("ck_unit_service_sla_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_type.id"],
            name=op.f("fk_unit_service_service_type_id_service_type"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_service_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_service")),
        sa.UniqueConstraint("unit_id", "service_type_id", name="uq_unit_service_unit_service_type"),
    )
    empty_list = "'[]'::json" if op.get_bind().dialect.name == "postgresql" else "'[]'"
    op.execute(
        "INSERT INTO unit_service (unit_id, service_type_id, enabled, sla_days, free_revisions,"
        " includes_printing, documents_required, extra_fields)"
        " SELECT u.id, s.id, s.active, s.sla_days, s.free_revisions, s.includes_printing,"
        f" s.documents_required, {empty_list}"
        " FROM unit u CROSS JOIN service_type s WHERE s.active"
    )
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("free_revisions", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("includes_printing", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("documents_required", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("extra_answers", sa.JSON(), nullable=True))
    for column in TERMS:
        op.execute(
            f"UPDATE service_request SET {column} = (SELECT s.{column} FROM service_type s"
            " WHERE s.id = service_request.service_type_id)"
        )
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.alter_column("sla_days", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("free_revisions", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("includes_printing", existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column("documents_required", existing_type=sa.Text(), nullable=False)


def downgrade():
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_column("extra_answers")
        batch_op.drop_column("documents_required")
        batch_op.drop_column("includes_printing")
        batch_op.drop_column("free_revisions")
        batch_op.drop_column("sla_days")
    op.drop_table("unit_service")
