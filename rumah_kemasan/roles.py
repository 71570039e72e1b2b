"""Who a user is: the roles every domain package shares.

A pure module (no Flask, no SQLAlchemy, nothing of the app): accounts stores a role, workflow
decides moves by it, permissions answers by it, without any of them importing the others for it.
"""

import enum


class Role(enum.StrEnum):
    """A user's role; the value is what the database stores."""

    OWNER = "umkm"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
