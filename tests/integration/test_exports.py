"""Exports: formula payloads neutralised in CSV and XLSX, scope kept, audit-logged, rate-limited."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import Business, BusinessScale, ProductCategory
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.report_helpers import set_times, signed_in

PAYLOADS = [
    '=HYPERLINK("http://evil.example.com","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\tTab",
    "\rCR",
]


@pytest.fixture
def exported(make_user, make_request, make_business, other_unit):
    staff = make_user(Role.STAFF)
    owner = make_user(full_name="=cmd|' /C calc'!A0")
    codes = []
    for i, payload in enumerate(PAYLOADS):
        biz = make_business(owner, name=f"{payload} usaha")
        req = make_request(
            owner,
            business=biz,
            product_name=payload,
            status=Status.COMPLETED if i % 2 else Status.SUBMITTED,
            assignee=staff,
        )
        set_times(req, product_name=payload)  # the form would strip the tab and CR
        codes.append(req.code)
    other_owner = make_user(unit_=other_unit)
    biz = Business(
        owner_id=other_owner.id,
        unit_id=other_unit.id,
        name="Usaha Badung",
        category=ProductCategory.PANGAN,
        scale=BusinessScale.MIKRO,
    )
    db.session.add(biz)
    db.session.commit()
    other = make_request(other_owner, business=biz, product_name="Rahasia Badung")
    set_times(other, unit_id=other_unit.id)
    other_staff = make_user(Role.STAFF, unit_=other_unit)
    return {
        "staff": staff,
        "other_staff": other_staff,
        "codes": codes,
        "other": other.code,
        "owner": owner,
    }


def read_csv(resp) -> list[list[str]]:
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_neutralises_formulas_and_keeps_scope(app, exported):
    client = signed_in(app, exported["staff"])
    resp = client.get("/reports/export.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = read_csv(resp)
    header, body = rows[0], rows[1:]
    assert sorted(r[header.index("code")] for r in body) == sorted(exported["codes"])
    products = {r[header.index("product")] for r in body}
    assert products == {"'" + p for p in PAYLOADS}
    for r in body:
        for cell in r:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "Rahasia Badung" not in resp.get_data(as_text=True)

    other = signed_in(app, exported["other_staff"])
    rows = read_csv(other.get("/reports/export.csv"))
    assert [r[0] for r in rows[1:]] == [exported["other"]]


def test_csv_follows_the_list_filters(app, exported):
    client = signed_in(app, exported["staff"])
    rows = read_csv(client.get("/reports/export.csv?status=completed"))
    assert len(rows) - 1 == len([p for i, p in enumerate(PAYLOADS) if i % 2])
    assert all(r[2] == "completed" for r in rows[1:])


def test_xlsx_neutralises_formulas_and_keeps_scope(app, exported):
    client = signed_in(app, exported["staff"])
    resp = client.get("/reports/export.xlsx")
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(resp.get_data()))
    resp.close()
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert sorted(r[header.index("code")] for r in body) == sorted(exported["codes"])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    # xlsxwriter stores a CR as the escape _x000D_, which openpyxl reads back as written.
    products = {r[header.index("product")].replace("_x000D_", "\r") for r in body}
    assert products == {"'" + p for p in PAYLOADS}
    other = signed_in(app, exported["other_staff"])
    resp = other.get("/reports/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(resp.get_data()))
    resp.close()
    assert [r[0] for r in list(book.active.iter_rows(values_only=True))[1:]] == [exported["other"]]


def test_exports_are_audited_and_rate_limited(app, exported):
    app.config["EXPORT_RATE_LIMIT"] = 3
    client = signed_in(app, exported["staff"])
    for url in (
        "/reports/export.csv",
        "/reports/export.xlsx",
        "/reports/export.csv?status=completed",
    ):
        resp = client.get(url)
        assert resp.status_code == 200
        resp.close()
    db.session.rollback()
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == [
        "export.requests.csv",
        "export.requests.xlsx",
        "export.requests.csv",
    ]
    assert all(r.actor_id == exported["staff"].id for r in rows)
    assert rows[2].details["filters"] == {"status": "completed"}
    limited = client.get("/reports/export.csv")
    assert limited.status_code == 429
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditLog.id))) == 3
    # Another user has their own allowance.
    other = signed_in(app, exported["other_staff"])
    ok = other.get("/reports/export.csv")
    assert ok.status_code == 200
    ok.close()


def test_report_export_and_access(app, exported, make_user):
    sup = make_user(Role.SUPERVISOR)
    client = signed_in(app, sup)
    resp = client.get("/reports/export.xlsx?table=report&period=year")
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(resp.get_data()))
    resp.close()
    summary = {r[0]: r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert next(iter(summary.values())) == len(PAYLOADS)  # received this year
    csv_resp = client.get("/reports/export.csv?table=report&period=year")
    assert csv_resp.status_code == 200
    assert "Rahasia" not in csv_resp.get_data(as_text=True)
    # Staff export the list, not the unit report; owners export nothing.
    staff = signed_in(app, exported["staff"])
    assert staff.get("/reports/export.csv?table=report").status_code == 403
    owner = signed_in(app, exported["owner"])
    assert owner.get("/reports/export.csv").status_code == 403
