"""e-mail preferences per topic and the daily digest's waiting lines (issue 13)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import rumah_kemasan.types

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TOPICS = (
    "new_request",
    "assigned",
    "owner_reply",
    "proof_decision",
    "job_status",
    "owner_question",
    "request_status",
)
STATUSES = (
    "submitted",
    "needs_info",
    "accepted",
    "in_design",
    "awaiting_approval",
    "approved",
    "in_production",
    "ready",
    "completed",
    "rejected",
    "cancelled",
)


def upgrade():
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(*TOPICS, name="email_topic", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "delivery",
            sa.Enum(
                "immediate",
                "digest",
                "never",
                name="email_delivery",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_notification_preference_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "topic", name=op.f("pk_notification_preference")),
    )
    op.create_table(
        "digest_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(*TOPICS, name="digest_topic", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="digest_status", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("created_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("digested_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_digest_item_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_digest_item_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_item")),
    )
    with op.batch_alter_table("digest_item", schema=None) as batch_op:
        batch_op.create_index("ix_digest_item_pending", ["digested_at", "user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("digest_item", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_item_pending")
    op.drop_table("digest_item")
    op.drop_table("notification_preference")
