"""/audit: supervisors read their unit's audit log, admins all of it."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Unit, User
from ..extensions import db
from ..permissions import can_read_reports, permission_required, sees_every_unit, visible_audit
from ..security import arg_int, arg_text
from .models import AuditLog

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50


@bp.route("/audit")
@permission_required(can_read_reports)
def index():
    """Newest first, keyset-paginated by id (`?before=<id>`), optionally by action prefix
    and (admins) by the unit of the person who acted (`?unit=<id>`)."""

    stmt = visible_audit(current_user).options(joinedload(AuditLog.actor))
    action = arg_text("action", 60)
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action, autoescape=True))
    # An admin may narrow to one unit: what its people did (as a supervisor's own view is).
    units = []
    if sees_every_unit(current_user):
        units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
    unit_id = arg_int("unit") if units else None
    if unit_id:
        stmt = stmt.where(AuditLog.actor_id.in_(select(User.id).where(User.unit_id == unit_id)))
    before = arg_int("before")
    if before:
        stmt = stmt.where(AuditLog.id < before)
    rows = list(db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template(
        "audit/index.html",
        rows=rows,
        action=action,
        units=units,
        unit_id=unit_id,
        before=before,
        next_before=rows[-1].id if more else None,
    )
