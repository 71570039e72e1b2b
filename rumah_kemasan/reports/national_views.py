"""/admin/overview: every unit side by side for the admin (the national / provincial view)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from ..database import utcnow
from ..permissions import can_manage_all_units, permission_required
from . import national
from .periods import local_today, parse_period

bp = Blueprint("admin_overview", __name__, url_prefix="/admin")


@bp.route("/overview")
@permission_required(can_manage_all_units)
def index():
    now = utcnow()
    a = request.args
    # A year by default: a month is too short for a median or an IKM of a small unit.
    period = parse_period(a.get("period") or "year", a.get("year"), a.get("n"), local_today(now))
    data = national.overview(current_user, period, now)

    def list_link(figure: str, unit_id: int | None = None) -> str:
        """The request list narrowed to exactly the requests a figure counts."""
        # Typed Any for url_for's **values, so that no key is taken for one of its own
        # keyword arguments (as reports.views._list_link does).
        args: dict[str, Any] = national.figure_filters(period, unit_id)[figure].as_args()
        return url_for("requests.index", **args)

    def skm_link(unit_id: int | None = None) -> str:
        return url_for("reports.skm", unit=unit_id, **period.args())

    return render_template(
        "reports/overview.html",
        data=data,
        period=period,
        list_link=list_link,
        skm_link=skm_link,
    )
