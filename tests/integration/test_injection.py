"""Injection payloads typed into every text field an owner or staff member fills, then read
back wherever they show: every page, the e-mails in the outbox, the PDFs and the exports.

Each field gets `<payload> <tag>` (the payload first, so formula prefixes stay at the start of
the cell). On HTML pages the payload must appear escaped and never raw; `{{7*7}}` must show
literally (never 49); plain-text e-mails carry it literally and HTML e-mails escaped; PDFs show
it literally; CSV and XLSX cells that start with = + - @ get a leading apostrophe and openpyxl
reads no formula anywhere.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import select

from rumah_kemasan.accounts.models import Area, Business, User
from rumah_kemasan.designs.models import DesignFile, DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import OutboxEmail
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import ServiceRequest, ServiceType
from tests.conftest import PASSWORD, login, png_bytes
from tests.integration.security_world import checklist_form, survey_form

SCRIPT = "<script>alert(1)</script>"
PAYLOADS = [
    pytest.param("\"'><script>alert(1)</script>", id="xss"),
    pytest.param("{{7*7}}", id="template"),
    pytest.param('=HYPERLINK("http://x")', id="formula-eq"),
    pytest.param("+1+1", id="formula-plus"),
    pytest.param("@SUM(1)", id="formula-at"),
    pytest.param("-1+1", id="formula-minus"),
]
TAGS = (
    "nama",  # registration: owner's full name
    "staf",  # staff member's own profile name
    "usaha",  # business name
    "alamat",  # business address
    "banjar",
    "produk",  # request: product name
    "brief",
    "kemasan",  # packaging type
    "komentar",
    "terima",  # transition notes: accepted, claimed, proof sent, approved, ...
    "klaim",
    "proof",
    "setuju",
    "produksi",
    "siap",
    "selesai",
    "alasan",  # checklist: reason for "not applicable"
    "penerima",  # handover: received by
    "serah",  # handover note
    "saran",  # survey suggestion
    "wnama",  # walk-in: owner's name, business, product, brief, packaging
    "wusaha",
    "wproduk",
    "wbrief",
    "wkemasan",
)


class Flow:
    """The whole life of one request (and a walk-in), every text typed as `payload <tag>`."""

    def __init__(self, app, make_user, payload: str):
        self.app, self.payload = app, payload
        self.v = {tag: f"{payload} {tag}" for tag in TAGS}
        self.owner_c = app.test_client()
        self.staff = make_user(Role.STAFF)
        self.supervisor = make_user(Role.SUPERVISOR)
        self.staff_c, self.sup_c = app.test_client(), app.test_client()
        login(self.staff_c, self.staff)
        login(self.sup_c, self.supervisor)

    def ok(self, resp, *codes):
        assert resp.status_code in (codes or (302, 303)), resp.get_data(as_text=True)[:400]
        return resp

    def version(self) -> str:
        db.session.rollback()
        return str(db.session.get(ServiceRequest, self.req_id).version)

    def move(self, client, target: str, note_tag: str, **extra):
        data = {"target": target, "version": self.version(), "note": self.v[note_tag]} | extra
        self.ok(client.post(f"/requests/{self.code}/transition", data=data))

    def upload(self, client, kind: str, name: str):
        data = {"kind": kind, "files": (io.BytesIO(png_bytes()), name)}
        self.ok(client.post(f"/requests/{self.code}/files", data=data))

    def run(self):
        v = self.v
        area = db.session.scalar(select(Area).order_by(Area.id))
        sticker = db.session.scalar(select(ServiceType).where(ServiceType.code == "CETAK-STIKER"))
        self.area_id, service_id = area.id, sticker.id
        o, s = self.owner_c, self.staff_c
        self.ok(
            o.post(
                "/auth/register",
                data={
                    "full_name": v["nama"],
                    "phone": "0812-4444-0001",
                    "email": "pemilik@example.com",
                    "password": PASSWORD,
                    "confirm": PASSWORD,
                    "consent": "y",
                },
            )
        )
        self.ok(s.post("/account", data={"full_name": v["staf"], "locale": "id"}))
        self.ok(
            o.post(
                "/account/businesses/new",
                data={
                    "name": v["usaha"],
                    "category": "pangan",
                    "scale": "mikro",
                    "area_id": area.id,
                    "banjar": v["banjar"],
                    "address": v["alamat"],
                    "gallery_consent": "y",
                },
            )
        )
        db.session.rollback()
        self.owner = db.session.scalar(select(User).where(User.email == "pemilik@example.com"))
        business = db.session.scalar(select(Business).where(Business.owner_id == self.owner.id))
        form = {
            "business_id": business.id,
            "service_type_id": service_id,
            "product_name": v["produk"],
            "product_category": "pangan",
            "brief": v["brief"],
            "target_market": "lokal",
            "quantity": "100",
            "packaging_type": v["kemasan"],
        }
        self.ok(o.post("/requests/new", data=form))
        db.session.rollback()
        req = db.session.scalar(
            select(ServiceRequest).where(ServiceRequest.applicant_id == self.owner.id)
        )
        self.req_id, self.code = req.id, req.code
        self.upload(o, "before", "lama.png")
        self.ok(o.post(f"/requests/{self.code}/comments", data={"text": v["komentar"]}))
        self.move(s, "accepted", "terima")
        self.move(s, "in_design", "klaim")
        self.upload(s, "draft", "draf.png")
        db.session.rollback()
        draft = db.session.scalar(
            select(DesignFile).where(
                DesignFile.request_id == self.req_id, DesignFile.kind == DesignKind.DRAFT
            )
        )
        self.draft_id = draft.id
        self.ok(
            s.post(
                f"/requests/{self.code}/checklist/{draft.id}",
                data=checklist_form(reason=v["alasan"]),
            )
        )
        self.move(s, "awaiting_approval", "proof")
        self.move(o, "approved", "setuju", proof_sha256=draft.sha256)
        self.upload(s, "final", "final.png")
        self.move(s, "in_production", "produksi")
        self.move(s, "ready", "siap")
        self.ok(
            s.post(
                f"/requests/{self.code}/handover",
                data={"received_by": v["penerima"], "quantity": "100", "note": v["serah"]},
            )
        )
        self.move(s, "completed", "selesai")
        self.ok(o.post(f"/requests/{self.code}/survey", data=survey_form(v["saran"])))
        resp = s.post(
            "/requests/new",
            data={
                "owner_phone": "0813-4444-0002",
                "owner_name": v["wnama"],
                "business_name": v["wusaha"],
                "business_scale": "mikro",
                "area_id": area.id,
                "consent": "y",
                "service_type_id": service_id,
                "product_name": v["wproduk"],
                "product_category": "pangan",
                "brief": v["wbrief"],
                "target_market": "lokal",
                "quantity": "50",
                "packaging_type": v["wkemasan"],
            },
        )
        self.ok(resp, 200)
        self.walk_in_page = resp.get_data(as_text=True)
        db.session.rollback()
        self.walk_in_code = db.session.scalar(
            select(ServiceRequest.code).where(ServiceRequest.id != self.req_id)
        )
        self.gallery_id = self.req_id
        self.business_id = business.id


def _html_problems(payload: str, html: str, where: str) -> list[str]:
    problems = []
    if SCRIPT in html:
        problems.append(f"{where}: raw <script> from the payload")
    if payload == "{{7*7}}" and re.search(r"49 [a-z]+", html):
        found = re.findall(r"49 ([a-z]+)", html)
        if any(tag in TAGS for tag in found):
            problems.append(f"{where}: the template payload was evaluated: {found}")
    return problems


def _shown(flow: Flow, html: str) -> set[str]:
    return {tag for tag, value in flow.v.items() if str(escape(value)) in html}


def _pages(flow: Flow) -> dict[str, tuple]:
    code, walk = flow.code, flow.walk_in_code
    anonymous = flow.app.test_client()
    return {
        "owner list": (flow.owner_c, "/requests"),
        "owner detail": (flow.owner_c, f"/requests/{code}"),
        "owner compare": (flow.owner_c, f"/requests/{code}/compare"),
        "owner notifications": (flow.owner_c, "/notifications"),
        "owner businesses": (flow.owner_c, "/account/businesses"),
        "owner profile": (flow.owner_c, "/account"),
        "owner business": (flow.owner_c, f"/account/businesses/{flow.business_id}"),
        "owner data": (flow.owner_c, "/account/data"),
        "staff list": (flow.staff_c, "/requests"),
        "staff search": (flow.staff_c, "/requests?q=" + quote(flow.payload, safe="")),
        "staff detail": (flow.staff_c, f"/requests/{code}"),
        "staff walk-in detail": (flow.staff_c, f"/requests/{walk}"),
        "staff desk": (flow.staff_c, "/desk"),
        "staff checklist": (flow.staff_c, f"/requests/{code}/checklist/{flow.draft_id}"),
        "staff notifications": (flow.staff_c, "/notifications"),
        "supervisor backlog": (flow.sup_c, "/backlog"),
        "supervisor reports": (flow.sup_c, "/reports"),
        "supervisor skm": (flow.sup_c, "/reports/skm"),
        "supervisor detail": (flow.sup_c, f"/requests/{code}"),
        "supervisor audit": (flow.sup_c, "/audit"),
        "gallery": (anonymous, "/gallery"),
        "gallery item": (anonymous, f"/gallery/{flow.gallery_id}"),
        "track": (anonymous, "/track?code=" + quote(flow.payload, safe="")),
    }


# Where each text must show (at least); every page is also checked for raw output.
ALL_STEPS = {"terima", "klaim", "proof", "setuju", "produksi", "siap", "selesai"}
REQUEST_TEXT = {"produk", "brief", "kemasan", "komentar", "alasan", "penerima", "usaha"}
EXPECTED = {
    "owner detail": REQUEST_TEXT | ALL_STEPS | {"staf"},
    "owner list": {"produk", "usaha"},
    "owner businesses": {"usaha"},
    "owner business": {"usaha", "alamat", "banjar"},
    "owner profile": {"nama"},
    "staff detail": REQUEST_TEXT | ALL_STEPS | {"nama", "staf"},
    "supervisor detail": REQUEST_TEXT | ALL_STEPS | {"nama", "staf"},
    "staff walk-in detail": {"wnama", "wusaha", "wproduk", "wbrief", "wkemasan"},
    "staff list": {"nama", "produk", "usaha", "wnama", "wproduk", "wusaha", "staf"},
    "staff search": {"produk", "wproduk"},
    "staff desk": {"wnama", "wproduk", "wusaha"},
    "staff checklist": {"alasan"},
    "supervisor backlog": {"staf"},
    "supervisor skm": {"saran"},
    "gallery": {"usaha"},
    "gallery item": {"usaha", "produk"},
}


def _neutral(value: str) -> str:
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def _squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_stay_text_on_pages_emails_pdfs_and_exports(app, make_user, payload):
    flow = Flow(app, make_user, payload)
    flow.run()
    v = flow.v

    # pages
    problems, seen = _html_problems(payload, flow.walk_in_page, "walk-in answer"), {}
    for name, (client, url) in _pages(flow).items():
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, (name, url, resp.status_code)
        problems += _html_problems(payload, html, name)
        seen[name] = _shown(flow, html)
    for name, tags in EXPECTED.items():
        missing = tags - seen[name]
        if missing:
            problems.append(f"{name}: {sorted(missing)} not shown (escaped) on the page")
    # The status check: a code in the link is prefilled escaped; a posted one is not echoed.
    anonymous = flow.app.test_client()
    prefilled = anonymous.get("/track?code=" + quote(payload, safe="")).get_data(as_text=True)
    assert str(escape(payload[:20])) in prefilled
    track = anonymous.post("/track", data={"code": payload, "last4": "0001"})
    assert track.status_code == 200
    problems += _html_problems(payload, prefilled + track.get_data(as_text=True), "track")
    assert str(escape(payload)) not in track.get_data(as_text=True)
    assert not problems, "\n".join(problems)

    # e-mails: literal in the text part, escaped in the HTML part
    db.session.rollback()
    mails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    in_mail = set()
    for mail in mails:
        assert SCRIPT not in (mail.body_html or ""), mail.subject
        for tag, value in v.items():
            if value in mail.body_text:
                in_mail.add(tag)
                assert str(escape(value)) in mail.body_html, (tag, mail.subject)
            if str(escape(value)) != value:
                assert str(escape(value)) not in mail.body_text, (tag, "escaped in text")
    assert {"nama", "produk", "terima", "setuju", "siap", "selesai"} <= in_mail, sorted(in_mail)

    # PDFs: the text as typed
    from pypdf import PdfReader

    def pdf_text(path: str) -> str:
        resp = flow.owner_c.get(path)
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(resp.data))
        return _squeeze("".join(page.extract_text() for page in reader.pages))

    receipt = pdf_text(f"/requests/{flow.code}/receipt.pdf")
    handover = pdf_text(f"/requests/{flow.code}/handover.pdf")
    for tag in ("produk", "usaha"):
        assert _squeeze(v[tag]) in receipt, tag
    for tag in ("produk", "usaha", "kemasan", "penerima", "staf"):
        assert _squeeze(v[tag]) in handover, tag

    # exports: formula prefixes neutralised, no formula in the workbook
    exported = flow.sup_c.get("/reports/export.csv")
    assert exported.status_code == 200
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig")))}
    ours, walk_in = rows[flow.code], rows[flow.walk_in_code]
    assert ours["product"] == _neutral(v["produk"]) and ours["business"] == _neutral(v["usaha"])
    assert ours["assignee"] == _neutral(v["staf"])
    assert walk_in["product"] == _neutral(v["wproduk"])
    assert walk_in["business"] == _neutral(v["wusaha"])

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(flow.sup_c.get("/reports/export.xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    values = set()
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            values.add(cell.value)
    for tag in ("produk", "usaha", "staf", "wproduk", "wusaha"):
        assert _neutral(v[tag]) in values, tag
    assert "product" in header
