"""notifications, tracking throttle (issue 6)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:30:00

"""

import sqlalchemy as sa
from alembic import op

import rumah_kemasan.types

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

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
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "claimed_until", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("failed_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_email_message_id"), ["message_id"])

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "new_request",
                "status",
                "comment",
                "assigned",
                "overdue",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES, name="notification_status", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("created_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_notification_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_notification_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_request_kind", ["request_id", "kind"], unique=False)
        batch_op.create_index(
            "ix_notification_user_unread", ["user_id", "read_at", "id"], unique=False
        )

    op.create_table(
        "track_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", rumah_kemasan.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_attempt")),
    )
    with op.batch_alter_table("track_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_track_attempt_address", ["address", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("track_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_track_attempt_address")
    op.drop_table("track_attempt")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")
        batch_op.drop_index("ix_notification_request_kind")
    op.drop_table("notification")
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_email_message_id"), type_="unique")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("message_id")
