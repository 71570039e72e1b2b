"""The sections of the administration home (GET /admin), each shown only to who may use it.

One row per section: the endpoint it opens, its title and one line saying what it is for, and
the permission (a function of permissions.py taking the user) that decides who sees it. A new
/admin page adds its row here; the home page and its test read this tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from . import permissions
from .accounts.models import User


@dataclass(frozen=True)
class Section:
    endpoint: str
    title: object  # a lazy string: translated when the page renders
    summary: object
    allowed: Callable[[User], bool]


SECTIONS: tuple[Section, ...] = (
    Section(
        "admin.users",
        _l("People"),
        _l("Invite staff and supervisors, disable those who left, change a role or unit."),
        permissions.can_administer,
    ),
    Section(
        "admin_units.index",
        _l("Units"),
        _l(
            "Contact, opening hours and time zone; kecamatan and desa; the services offered "
            "and their terms; holidays."
        ),
        permissions.can_administer,
    ),
    Section(
        "admin_import.index",
        _l("Import a spreadsheet"),
        _l("Bring in the owners, businesses and requests an office kept in a spreadsheet."),
        permissions.can_administer,
    ),
    Section(
        "admin_overview.index",
        _l("National overview"),
        _l("Every unit side by side: open, overdue, median days to complete, IKM."),
        permissions.can_manage_all_units,
    ),
)


def sections_for(user: User) -> list[Section]:
    """The sections `user` may open, in the order of SECTIONS."""
    return [section for section in SECTIONS if section.allowed(user)]
