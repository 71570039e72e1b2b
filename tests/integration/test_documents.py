"""Receipt and handover PDFs parse back; the receipt's QR opens /track; WhatsApp links."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from pypdf import PdfReader

from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login

BASE = "https://rumahkemasan.example.com"


@pytest.fixture
def base_url(app):
    app.config["BASE_URL"] = BASE


def _pdf(resp) -> PdfReader:
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    return PdfReader(io.BytesIO(resp.data))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_receipt_has_the_code_and_a_qr_code_that_opens_track(
    app, base_url, make_user, make_request, login_as, client
):
    owner = make_user(phone="6281234567890", full_name="Ketut Pemilik")
    req = make_request(owner, product_name="Sambal Matah Ñyoman")
    login_as(owner)
    reader = _pdf(client.get(f"/requests/{req.code}/receipt.pdf"))
    text = _text(reader)
    assert req.code in text
    assert "Sambal Matah Ñyoman" in text  # the bundled font prints any Latin name
    images = reader.pages[0].images
    assert len(images) == 1
    codes = zxingcpp.read_barcodes(images[0].image)
    assert [c.text for c in codes] == [f"{BASE}/track?code={req.code}"]
    payload = codes[0].text
    assert "7890" not in payload and "Ketut" not in payload
    assert parse_qs(urlsplit(payload).query) == {"code": [req.code]}


def test_documents_are_permission_checked(app, make_user, make_request, other_unit):
    owner = make_user()
    req = make_request(owner, status=Status.COMPLETED)
    stranger = make_user()
    foreign_staff = make_user(Role.STAFF, unit_=other_unit)
    staff = make_user(Role.STAFF)
    for user, expected in ((stranger, 404), (foreign_staff, 404), (staff, 200), (owner, 200)):
        c = app.test_client()
        login(c, user)
        for doc in ("receipt", "handover"):
            assert c.get(f"/requests/{req.code}/{doc}.pdf").status_code == expected, (user, doc)
    anonymous = app.test_client().get(f"/requests/{req.code}/receipt.pdf")
    assert anonymous.status_code == 302  # to the sign-in page


def test_handover_record_lists_the_printed_quantity_and_signatures(
    app, make_user, make_request, login_as, client
):
    owner = make_user(full_name="Made Penerima")
    staff = make_user(Role.STAFF, full_name="Wayan Desainer")
    req = make_request(
        owner, code="CETAK-STIKER", status=Status.READY, assignee=staff, quantity=250
    )
    login_as(owner)
    text = _text(_pdf(client.get(f"/requests/{req.code}/handover.pdf")))
    assert req.code in text
    assert "250" in text
    assert "Made Penerima" in text and "Wayan Desainer" in text
    # Not before the work is ready.
    db.session.rollback()
    req.status = Status.IN_DESIGN
    db.session.commit()
    assert client.get(f"/requests/{req.code}/handover.pdf").status_code == 404


def test_handover_record_lists_the_final_files(app, make_user, make_request, login_as, client):
    designs = pytest.importorskip("rumah_kemasan.designs.models")
    from rumah_kemasan.notifications.documents import final_files

    owner = make_user()
    staff = make_user(Role.STAFF)
    req = make_request(owner, status=Status.COMPLETED, assignee=staff)
    columns = designs.DesignFile.__table__.columns.keys()
    row = {
        "request_id": req.id,
        "kind": designs.DesignKind.FINAL,
        "display_name": "label-final-keripik.pdf",
        "size": 120_000,
        "sha256": "ab" * 32,
        "version": 1,
    }
    extra = {
        "storage_key": "test/final-1",
        "uploaded_by_id": staff.id,
        "content_type": "application/pdf",
        "detected_type": "application/pdf",
    }
    row.update({k: v for k, v in extra.items() if k in columns})
    try:
        db.session.add(designs.DesignFile(**row))
        db.session.commit()
    except Exception as exc:  # the designs model grew required fields this test does not know
        db.session.rollback()
        pytest.skip(f"cannot make a DesignFile here: {exc}")
    assert [f.display_name for f in final_files(req)] == ["label-final-keripik.pdf"]
    login_as(owner)
    text = _text(_pdf(client.get(f"/requests/{req.code}/handover.pdf")))
    assert "label-final-keripik.pdf" in text


@pytest.mark.parametrize("status", [Status.NEEDS_INFO, Status.AWAITING_APPROVAL, Status.READY])
def test_staff_get_a_whatsapp_link_without_personal_data(
    app, base_url, make_user, make_request, login_as, client, status
):
    owner = make_user(phone="6281234567890", full_name="Ni Komang Pemilik")
    staff = make_user(Role.STAFF, full_name="Gede Staf")
    req = make_request(owner, status=status, assignee=staff)
    from rumah_kemasan.service_requests import services

    services.comment(req, staff, "CATATAN-RAHASIA", internal=True)
    db.session.commit()
    login_as(staff)
    html = client.get(f"/requests/{req.code}").get_data(as_text=True)
    import html as html_mod
    import re

    links = re.findall(r'href="(https://wa\.me/[^"]+)"', html)
    assert len(links) == 1
    link = urlsplit(html_mod.unescape(links[0]))
    assert link.path == "/6281234567890"
    text = parse_qs(link.query)["text"][0]
    assert req.code in text and f"{BASE}/requests/{req.code}" in text
    for private in ("Ni Komang", "Gede Staf", "CATATAN-RAHASIA", "Keripik"):
        assert private not in text
    # The owner sees no such button, and there is none while nothing is expected from them.
    other = app.test_client()
    login(other, owner)
    assert "wa.me" not in other.get(f"/requests/{req.code}").get_data(as_text=True)


def test_no_whatsapp_link_when_nothing_is_asked_of_the_owner(
    app, make_user, make_request, login_as, client
):
    owner = make_user()
    staff = make_user(Role.STAFF)
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    login_as(staff)
    assert "wa.me" not in client.get(f"/requests/{req.code}").get_data(as_text=True)


def test_the_set_password_link_goes_by_whatsapp_to_the_owner_only(
    app, base_url, make_user, make_request, login_as, client
):
    owner = make_user(phone="6281234567890", email=None, password=None)
    staff = make_user(Role.STAFF, full_name="Gede Staf")
    req = make_request(owner)
    login_as(staff)
    html = client.post(f"/requests/{req.code}/owner-link").get_data(as_text=True)
    import html as html_mod
    import re

    links = re.findall(r'href="(https://wa\.me/[^"]+)"', html)
    assert len(links) == 1
    link = urlsplit(html_mod.unescape(links[0]))
    assert link.path == "/6281234567890"
    text = parse_qs(link.query)["text"][0]
    assert f"{BASE}/auth/reset/" in text
    assert "Gede Staf" not in text and req.product_name not in text
