"""survey, audit log, reports (issue 5)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:30:00

"""

import sqlalchemy as sa
from alembic import op

import rumah_kemasan.types

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("created_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_audit_log_actor_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_actor_action_at", ["actor_id", "action", "created_at"], unique=False
        )
        batch_op.create_index("ix_audit_log_created_at", ["created_at"], unique=False)

    def enum(name, *values):
        return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)

    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=True),
        sa.Column("gender", enum("survey_gender", "l", "p"), nullable=False),
        sa.Column(
            "age_group",
            enum("survey_age_group", "lt20", "20_29", "30_39", "40_49", "50_59", "60plus"),
            nullable=False,
        ),
        sa.Column(
            "education",
            enum("survey_education", "sd", "smp", "sma", "diploma", "s1", "s2plus"),
            nullable=False,
        ),
        sa.Column(
            "occupation",
            enum("survey_occupation", "pns", "tni_polri", "swasta", "wirausaha", "lainnya"),
            nullable=False,
        ),
        *[sa.Column(f"u{i}", sa.SmallInteger(), nullable=False) for i in range(1, 10)],
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("created_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=False),
        *[
            sa.CheckConstraint(f"u{i} BETWEEN 1 AND 4", name=op.f(f"ck_survey_response_u{i}_range"))
            for i in range(1, 10)
        ],
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_survey_response_request_id_service_request"),
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"], ["user.id"], name=op.f("fk_survey_response_respondent_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_type.id"],
            name=op.f("fk_survey_response_service_type_id_service_type"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_response_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("request_id", name="uq_survey_response_request_id"),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index("ix_survey_unit_created", ["unit_id", "created_at"], unique=False)

    # Reports count completions per unit and period (declared in rumah_kemasan/reports/models.py).
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_request_unit_completed", ["unit_id", "completed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_unit_completed")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_unit_created")
    op.drop_table("survey_response")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_created_at")
        batch_op.drop_index("ix_audit_log_actor_action_at")
    op.drop_table("audit_log")
