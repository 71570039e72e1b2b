"""Supervisor pages (backlog, reports, SKM), exports, and the owner's SKM survey."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.forms import CATEGORY_LABELS, SCALE_LABELS
from ..accounts.models import Unit
from ..audit import services as audit
from ..database import long_statements, utcnow, without_write_lock, writes
from ..extensions import db
from ..i18n import current_locale
from ..logs import log_event
from ..permissions import (
    can_export_list,
    can_read_reports,
    get_request_or_404,
    permission_required,
    sees_every_unit,
    survey_refusal,
)
from ..security import arg_int
from ..service_requests.calendars import report_zone
from ..service_requests.filters import AGE_BUCKETS, ReportFilters
from ..service_requests.queries import request_list
from ..service_requests.sla import MONTHS_EN, MONTHS_ID
from ..service_requests.views import _parse_filters as parse_list_filters
from . import exports, queries, services
from .charts import bar_chart
from .forms import ELEMENTS, PROFILE_LABELS, SurveyForm
from .periods import local_today, parse_period

bp = Blueprint("reports", __name__)

SURVEY_REFUSALS = {
    "not_owner": _("Only the owner of the request can fill in the survey."),
    "not_completed": _("The survey opens once the request is completed."),
    "already_answered": _("Thank you: the survey for this request has already been filled in."),
}


@bp.app_context_processor
def _survey_globals():
    def survey_pending(req) -> bool:
        """True when the signed-in owner may still answer the survey for `req`."""
        return survey_refusal(current_user, req) is None

    return {"survey_pending": survey_pending, "period_label": period_label}


def period_label(period) -> str:
    """ "November 2026", "Kuartal 4 2026" / "Quarter 4 2026", or "2026"."""
    if period.kind == "month":
        months = MONTHS_EN if current_locale() == "en" else MONTHS_ID
        return f"{months[period.number - 1]} {period.year}"
    if period.kind == "quarter":
        return _("Quarter %(n)s %(year)s", n=period.number, year=period.year)
    return str(period.year)


# --- survey --------------------------------------------------------------------------------


@bp.route("/requests/<code>/survey", methods=["GET", "POST"])
@login_required
def survey(code: str):
    req = get_request_or_404(code)
    try:
        services.check_survey(req, current_user)
    except services.SurveyRefused as exc:
        if exc.code == "not_owner":
            abort(403)
        flash(_(SURVEY_REFUSALS[exc.code]), "info")
        return redirect(url_for("requests.detail", code=req.code))
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            services.submit_survey(req, current_user, form.data)
        except services.SurveyRefused as exc:
            db.session.rollback()
            flash(_(SURVEY_REFUSALS[exc.code]), "info")
            return redirect(url_for("requests.detail", code=req.code))
        db.session.commit()
        flash(_("Thank you for your answers. They help us improve the service."), "success")
        return redirect(url_for("requests.detail", code=req.code))
    status = 400 if request.method == "POST" else 200
    return render_template("reports/survey.html", req=req, form=form, elements=ELEMENTS), status


# --- scope helpers -------------------------------------------------------------------------


def _unit_filter() -> tuple[int | None, list[Unit]]:
    """The unit an admin chose (None: all units) and the choices; supervisors get their own."""
    if sees_every_unit(current_user):
        units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
        chosen = arg_int("unit")
        return (chosen if any(u.id == chosen for u in units) else None), units
    return None, []


def _list_link(unit_id: int | None, **kw) -> str:
    """A link to /requests narrowed like the figure it belongs to."""
    f = ReportFilters(unit_id=unit_id)
    # Query-string values for url_for's **values (typed Any there, so none is taken for one
    # of its own keyword arguments such as _external).
    list_args: dict[str, Any] = {}
    for key, value in kw.items():
        if key == "open":
            f.open_only = bool(value)
        elif hasattr(f, key):
            setattr(f, key, value)
        else:
            list_args[key] = value
    filter_args: dict[str, Any] = f.as_args()
    return url_for("requests.index", **list_args, **filter_args)


# --- backlog -------------------------------------------------------------------------------


@bp.route("/backlog")
@login_required
@permission_required(can_read_reports)
def backlog():
    unit_id, units = _unit_filter()
    now = utcnow()
    data = queries.backlog(current_user, unit_id, now)

    def link(**kw):
        return _list_link(unit_id, **kw)

    ageing_chart = bar_chart(
        [(key, n, link(age=key)) for key, n in data.ageing.items()], width=400, height=160
    )
    week_chart = bar_chart(
        [
            (
                w["first"].strftime("%d/%m"),
                w["completed"],
                link(completed_from=w["first"], completed_to=w["last"], status="completed"),
            )
            for w in data.weeks
        ],
        width=640,
        height=180,
    )
    return render_template(
        "reports/backlog.html",
        data=data,
        units=units,
        unit_id=unit_id,
        link=link,
        ageing_chart=ageing_chart,
        week_chart=week_chart,
        age_buckets=AGE_BUCKETS,
    )


# --- period report -------------------------------------------------------------------------


def _period(unit_id: int | None):
    today = local_today(utcnow(), report_zone(current_user, unit_id))
    a = request.args
    return parse_period(a.get("period"), a.get("year"), a.get("n"), today)


@bp.route("/reports")
@login_required
@permission_required(can_read_reports)
def index():
    unit_id, units = _unit_filter()
    period = _period(unit_id)
    report = queries.period_report(current_user, unit_id, period, utcnow())
    names = queries.labels(report)

    def link(measure: str, **kw):
        if measure == "received":
            kw |= {"submitted_from": period.first, "submitted_to": period.last}
        else:
            kw |= {"completed_from": period.first, "completed_to": period.last}
        return _list_link(unit_id, **kw)

    return render_template(
        "reports/index.html",
        report=report,
        period=period,
        units=units,
        unit_id=unit_id,
        link=link,
        breakdowns=_breakdowns(report, names),
        pct=_pct,
    )


def _breakdowns(report, names) -> list[tuple[str, str, list[dict]]]:
    """Rows per dimension, largest first: label, figures and the list-filter arguments."""
    categories = {c.value: label for c, label in CATEGORY_LABELS.items()}
    scales = {s.value: label for s, label in SCALE_LABELS.items()}
    unknown = _("Unknown (no area on the business profile)")

    def label_args(dim, key):
        if dim == "service":
            st = names["service"].get(key)
            return (st.name(current_locale()) if st else str(key)), {"service": key}
        if dim == "category":
            return str(categories.get(key, key)), {"category": key}
        if dim == "scale":
            return str(scales.get(key, key)), {"scale": key}
        if key is None:
            return unknown, {"area": "none"}
        if dim == "kecamatan":
            return key, {"kecamatan": key}
        return names["area"].get(key, str(key)), {"area": str(key)}

    out = []
    titles = {
        "service": _("By service"),
        "category": _("By product category"),
        "kecamatan": _("By kecamatan"),
        "area": _("By desa / kelurahan"),
        "scale": _("By business scale"),
    }
    for dim in queries.DIMENSIONS:
        rows = []
        for key, v in report.by[dim].items():
            label, args = label_args(dim, key)
            rows.append(
                {"key": key if key is not None else "none", "label": label, "args": args, **v}
            )
        rows.sort(key=lambda r: (-r["received"], -r["completed"], str(r["label"])))
        out.append((dim, titles[dim], rows))
    return out


def _pct(frac) -> str:
    if frac is None:
        return "–"
    return f"{float(frac) * 100:.1f}%"


@bp.route("/reports/skm")
@login_required
@permission_required(can_read_reports)
def skm():
    unit_id, units = _unit_filter()
    period = _period(unit_id)
    data = queries.skm_report(current_user, unit_id, period)
    return render_template(
        "reports/skm.html",
        data=data,
        period=period,
        units=units,
        unit_id=unit_id,
        elements=ELEMENTS,
        profile_labels=PROFILE_LABELS,
    )


# --- exports -------------------------------------------------------------------------------


def _rate_limited() -> bool:
    limit = current_app.config.get("EXPORT_RATE_LIMIT", 10)
    window = timedelta(minutes=current_app.config.get("EXPORT_RATE_WINDOW_MINUTES", 10))
    return audit.count_recent(current_user, "export.", window) >= limit


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text)


def _export_list_where(now):
    """The request list's WHERE clause (scope and filters) for the current query string."""
    # No page size: on PostgreSQL a text search's WHERE holds one subquery per searched
    # field, limited to the page size (limit=1 exported at most four matching rows).
    return request_list(current_user, parse_list_filters(), now=now, limit=None).whereclause


def _export(fmt: str):
    if _rate_limited():
        log_event("export.throttled", export=fmt, user_id=current_user.id)
        return render_template("reports/rate_limited.html"), 429, {"Retry-After": "600"}
    now = utcnow()
    if request.args.get("table") == "report":
        if not can_read_reports(current_user):
            abort(403)
        unit_id, _units = _unit_filter()
        period = _period(unit_id)
        details = {"table": "report", "unit": unit_id, **period.args()}
    else:
        details = {"table": "requests", "filters": request.args.to_dict()}
    # Counted and recorded in one write transaction, committed before the building starts:
    # the write lock is held for the audit row only, not while the rows are read.
    audit.record(current_user, f"export.{details['table']}.{fmt}", None, details)
    db.session.commit()
    with without_write_lock():
        if details["table"] == "report":
            export = exports.report_export(current_user, unit_id, period, now)
        else:
            export = exports.request_export(_export_list_where(now), now)
        body = export.csv() if fmt == "csv" else export.xlsx()  # an XLSX is written here
    filename = _safe_name(export.name) + "." + fmt
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    if fmt == "csv":
        return Response(body, mimetype="text/csv", headers=headers)
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=headers,
    )


@bp.route("/reports/export.csv")
@writes  # audits itself (and counts the audit rows for the rate limit)
@long_statements
@login_required
@permission_required(can_export_list)
def export_csv():
    return _export("csv")


@bp.route("/reports/export.xlsx")
@writes  # audits itself (and counts the audit rows for the rate limit)
@long_statements
@login_required
@permission_required(can_export_list)
def export_xlsx():
    return _export("xlsx")
