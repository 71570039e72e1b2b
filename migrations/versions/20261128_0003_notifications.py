"""notifications, tracking throttle (issue 6)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:30:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import rumah_kemasan.types  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
