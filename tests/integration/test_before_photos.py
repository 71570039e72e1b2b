"""Issue 13 item 5 over HTTP: "before" photos on the filing form, stored with the request or
not at all; the "no photo yet" badge for staff and the owner's prompt to add one."""

from __future__ import annotations

import errno
import html
import io
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rumah_kemasan.designs.models import DesignFile, DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import png_bytes
from tests.integration.test_desk_and_list import codes_on, query_counter  # noqa: F401
from tests.integration.upload_helpers import SVG_WITH_SCRIPT, jpeg_bytes

BADGE = "belum ada foto"
PROMPT = 'id="photo-prompt"'


@pytest.fixture
def owner(make_user):
    return make_user(Role.OWNER, full_name="Made Pemilik")


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, full_name="Arya Desainer")


def typed(business, service) -> dict:
    return {
        "business_id": business.id,
        "service_type_id": service("DESAIN-LABEL").id,
        "product_name": "Sambal Matah Bu Komang",
        "product_category": "pangan",
        "brief": "Label botol 150 ml, warna merah & hijau <seperti daun>",
        "target_market": "lokal",
    }


def file_with(client, data: dict, *photos: tuple[str, bytes]):
    return client.post(
        "/requests/new",
        data=data | {"photos": [(io.BytesIO(b), name) for name, b in photos]},
        content_type="multipart/form-data",
    )


def stored(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def counts() -> tuple[int, int, int]:
    """Requests, files, timeline events: all of them, as the database has them now."""
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ServiceRequest, DesignFile, RequestEvent)
    )


def badges_by_code(page: str) -> dict[str, bool]:
    """Per card on a list or desk page: does it carry the "no photo yet" badge?"""
    cards = page.split('<li class="card')[1:]
    return {codes_on(card)[0]: BADGE in card for card in cards if codes_on(card)}


# --- filing with photos --------------------------------------------------------------------


def test_filing_with_two_photos_creates_the_request_and_both_in_one_go(
    app, client, login_as, owner, make_business, service
):
    business = make_business(owner)
    login_as(owner)
    page = client.get("/requests/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    photo_input = re.search(r'<input[^>]*name="photos"[^>]*>', page).group(0)
    assert 'accept="image/*"' in photo_input and "multiple" in photo_input
    assert 'type="file"' in photo_input

    resp = file_with(
        client, typed(business, service), ("depan.jpg", jpeg_bytes()), ("samping.png", png_bytes())
    )
    assert resp.status_code == 302
    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest))
    files = db.session.scalars(select(DesignFile).where(DesignFile.request_id == req.id)).all()
    assert sorted(f.display_name for f in files) == ["depan.jpg", "samping.png"]
    assert {f.kind for f in files} == {DesignKind.BEFORE}
    assert {f.uploaded_by_id for f in files} == {owner.id}
    assert len(stored(app)) == 6  # each photo, its preview and its thumbnail
    kinds = db.session.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == req.id)
    ).all()
    assert sorted(k.value for k in kinds) == ["file", "file", "status"]
    detail = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "depan.jpg" in detail and "samping.png" in detail
    assert PROMPT not in detail  # the owner has given a photo: nothing to ask for


def test_filing_without_photos_still_works(client, login_as, owner, make_business, service):
    business = make_business(owner)
    login_as(owner)
    resp = file_with(client, typed(business, service))
    assert resp.status_code == 302
    assert counts()[:2] == (1, 0)


@pytest.mark.parametrize(
    ("bad_name", "bad_bytes", "why"),
    [
        pytest.param("logo.svg", SVG_WITH_SCRIPT, "bukan foto JPEG", id="not-an-image"),
        pytest.param("besar.jpg", jpeg_bytes(noise=True, size=(400, 300)), "20 MB", id="too-big"),
    ],
)
def test_a_refused_photo_saves_nothing_and_keeps_the_typed_text(
    app, client, login_as, owner, make_business, service, bad_name, bad_bytes, why
):
    if bad_name == "besar.jpg":
        app.config["UPLOAD_MAX_FILE_BYTES"] = len(bad_bytes) - 1
    business = make_business(owner)
    data = typed(business, service)
    login_as(owner)
    resp = file_with(client, data, ("bagus.jpg", jpeg_bytes()), (bad_name, bad_bytes))
    assert resp.status_code == 200
    assert counts() == (0, 0, 0) and stored(app) == []
    page = html.unescape(resp.get_data(as_text=True))
    assert "Nothing was saved yet" in page or "Belum ada yang disimpan" in page
    refusal = page.split('id="photos-err"')[1].split("</p>")[0]
    assert bad_name in refusal and why in refusal and "bagus.jpg" not in refusal
    assert "pilih fotonya lagi" in refusal  # the file input cannot be filled again
    for field in ("product_name", "brief"):
        assert data[field] in page
    chosen = re.search(r'<select[^>]*name="service_type_id".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{data["service_type_id"]}"', chosen)


def test_a_disk_failure_mid_filing_saves_nothing_and_says_so(
    app, client, login_as, owner, make_business, service, monkeypatch
):
    business = make_business(owner)
    login_as(owner)
    root = Path(app.config["UPLOAD_DIR"])
    real_replace = os.replace
    calls: list[str] = []

    def replace(src, dst, *args, **kwargs):
        if root in Path(dst).parents:
            calls.append(str(dst))
            if len(calls) == 4:  # the second photo itself: the first one is already stored
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    resp = file_with(
        client, typed(business, service), ("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes())
    )
    monkeypatch.undo()
    assert resp.status_code == 200 and len(calls) == 4
    assert counts() == (0, 0, 0) and stored(app) == []
    refusal = html.unescape(resp.get_data(as_text=True)).split('id="photos-err"')[1]
    assert "b.jpg" in refusal.split("</p>")[0] and "penuh" in refusal.split("</p>")[0]
    # the disk has room again: the same filing now works, and its code was not used up
    assert file_with(client, typed(business, service), ("a.jpg", jpeg_bytes())).status_code == 302
    assert counts()[:2] == (1, 1)


def test_an_invalid_form_asks_for_the_photos_again(client, login_as, owner, make_business, service):
    business = make_business(owner)
    login_as(owner)
    data = typed(business, service) | {"brief": ""}
    resp = file_with(client, data, ("a.jpg", jpeg_bytes()))
    assert resp.status_code == 200 and counts() == (0, 0, 0)
    page = html.unescape(resp.get_data(as_text=True))
    assert "pilih fotonya lagi" in page.split('id="photos-err"')[1].split("</p>")[0]


# --- the badge and the prompt ----------------------------------------------------------------


def test_badge_for_a_request_without_photo_disappears_after_an_upload(
    client, login_as, owner, staff, make_request, make_business, service
):
    bare = make_request(owner)
    business = make_business(owner)
    login_as(owner)
    with_photo = file_with(client, typed(business, service), ("depan.jpg", jpeg_bytes()))
    with_photo = with_photo.headers["Location"]
    owner_page = client.get(f"/requests/{bare.code}").get_data(as_text=True)
    assert PROMPT in owner_page and BADGE not in owner_page  # owners get the prompt
    assert PROMPT not in client.get(with_photo).get_data(as_text=True)
    client.post("/auth/logout")

    login_as(staff)
    for path in ("/requests", "/desk"):
        badges = badges_by_code(client.get(path).get_data(as_text=True))
        assert badges[bare.code] is True and sum(badges.values()) == 1, path
    staff_page = client.get(f"/requests/{bare.code}").get_data(as_text=True)
    assert BADGE in staff_page and PROMPT not in staff_page

    resp = client.post(
        f"/requests/{bare.code}/files",
        data={"kind": "before", "files": [(io.BytesIO(png_bytes()), "kemasan.png")]},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    for path in ("/requests", "/desk"):
        assert not any(badges_by_code(client.get(path).get_data(as_text=True)).values()), path
    assert BADGE not in client.get(f"/requests/{bare.code}").get_data(as_text=True)


def test_no_badge_once_a_photo_can_no_longer_be_added(client, login_as, owner, staff, make_request):
    done = make_request(owner, status=Status.COMPLETED, assignee=staff)
    login_as(staff)
    assert badges_by_code(client.get("/requests").get_data(as_text=True)) == {done.code: False}
    assert BADGE not in client.get(f"/requests/{done.code}").get_data(as_text=True)


def test_list_and_desk_query_counts_stay_constant_with_photos_and_without(
    client,
    login_as,
    staff,
    make_user,
    make_request,
    add_file,
    query_counter,  # noqa: F811
):
    def fill(n):
        for i in range(n):
            o = make_user(Role.OWNER)
            for status in (Status.IN_DESIGN, Status.ACCEPTED, Status.SUBMITTED):
                req = make_request(
                    o, status=status, assignee=staff if status is Status.IN_DESIGN else None
                )
                if i % 2:
                    add_file(req, DesignKind.BEFORE, user=o, name="depan.png")

    def measure(path):
        with query_counter() as statements:
            page = client.get(path).get_data(as_text=True)
        return len(statements), badges_by_code(page)

    fill(2)
    login_as(staff)
    few = {path: measure(path) for path in ("/requests", "/desk")}
    db.session.rollback()  # leave the old snapshot before writing (SQLite WAL)
    fill(6)
    many = {path: measure(path) for path in ("/requests", "/desk")}
    for path in few:
        assert many[path][0] == few[path][0], path
        assert (len(few[path][1]), len(many[path][1])) == (6, 24), path
        assert (sum(few[path][1].values()), sum(many[path][1].values())) == (3, 12), path
