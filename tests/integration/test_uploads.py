"""Issue 4 over HTTP: hostile uploads, file permissions, faults that must leave no orphan,
proofs bound to their bytes, the label checklist guard and the consented gallery."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.http import parse_options_header

from rumah_kemasan.designs import services as designs
from rumah_kemasan.designs.checklists import items_for
from rumah_kemasan.designs.models import (
    CheckResult,
    DesignFile,
    DesignKind,
    LabelCheck,
    ProofDecision,
)
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import EventKind, RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login, png_bytes
from tests.integration.upload_helpers import (
    PDF_EMBEDDED_FILE,
    PDF_ESCAPED_JS,
    PDF_OPEN_ACTION_JS,
    SCRIPT,
    SVG_WITH_SCRIPT,
    bomb_png,
    gps_exif,
    jpeg_bytes,
    jpeg_claiming,
    lying_png,
    multipart,
    polyglot_jpeg,
    raw_pdf,
)

KEY = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}\.(?:jpg|png|webp|pdf|zip|preview\.jpg|thumb\.jpg)$")


@pytest.fixture
def owner(make_user):
    return make_user(Role.OWNER)


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF)


@pytest.fixture
def job(make_request, owner, staff):
    """A request in design, assigned to `staff`: the owner and the designer may both upload."""
    return make_request(owner, status=Status.IN_DESIGN, assignee=staff)


def stored(app) -> list[Path]:
    """Every file under UPLOAD_DIR (temporary files included)."""
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(req_id: int | None = None) -> list[DesignFile]:
    db.session.rollback()
    stmt = select(DesignFile).order_by(DesignFile.id)
    if req_id is not None:
        stmt = stmt.where(DesignFile.request_id == req_id)
    return list(db.session.scalars(stmt))


def file_events(req_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.request_id == req_id, RequestEvent.kind == EventKind.FILE)
    )


def post_files(client, code: str, kind: str, *files: tuple[str, bytes]):
    return client.post(
        f"/requests/{code}/files",
        data={"kind": kind, "files": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data",
    )


def flashes(client) -> list[tuple[str, str]]:
    """The messages waiting for the next page (taken, as showing the page would)."""
    with client.session_transaction() as sess:
        return list(sess.pop("_flashes", []))


def read_stored(app, key: str) -> bytes:
    return (Path(app.config["UPLOAD_DIR"]) / key).read_bytes()


def version_of(req_id: int) -> int:
    db.session.rollback()
    return db.session.get(ServiceRequest, req_id).version


def move(client, req_id: int, code: str, target: str, **extra):
    data = {"target": target, "version": str(version_of(req_id))} | extra
    return client.post(f"/requests/{code}/transition", data=data)


# --- 1. hostile uploads ----------------------------------------------------------------------

REFUSED = [
    pytest.param("owner", "before", "logo.svg", SVG_WITH_SCRIPT, id="svg-with-script"),
    pytest.param("staff", "draft", "desain.jpg", SVG_WITH_SCRIPT, id="svg-renamed-jpg-as-draft"),
    pytest.param("owner", "before", "foto.jpg", SCRIPT, id="html-renamed-jpg"),
    pytest.param("owner", "document", "pirt.pdf", PDF_OPEN_ACTION_JS, id="pdf-openaction-js"),
    pytest.param("owner", "document", "nib.pdf", PDF_ESCAPED_JS, id="pdf-name-escaped-js"),
    pytest.param("staff", "source", "cetak.pdf", PDF_EMBEDDED_FILE, id="pdf-embedded-file"),
    pytest.param("owner", "before", "bom.png", bomb_png(30000), id="decompression-bomb"),
    pytest.param(
        "owner", "before", "besar.jpg", jpeg_claiming(jpeg_bytes(), 30000, 30000), id="jpeg-900MP"
    ),
    pytest.param(
        "owner", "before", "bohong.png", lying_png(png_bytes((60, 30))), id="lying-header"
    ),
    pytest.param(
        "staff",
        "draft",
        "putus.jpg",
        jpeg_bytes((400, 300), noise=True)[:9000],
        id="truncated-jpeg",
    ),
    pytest.param("owner", "before", "nib.pdf", raw_pdf(), id="pdf-as-before-photo"),
    pytest.param("owner", "document", "kosong.jpg", b"", id="empty-file"),
]


@pytest.mark.parametrize(("who", "kind", "name", "data"), REFUSED)
def test_hostile_upload_is_refused_and_leaves_nothing(
    app, client, login_as, owner, staff, job, who, kind, name, data
):
    login_as(owner if who == "owner" else staff)
    resp = post_files(client, job.code, kind, (name, data))
    assert resp.status_code == 303
    assert stored(app) == []
    assert rows() == []
    assert file_events(job.id) == 0
    # the page still works and shows the refusal, and nothing as added
    page = client.get(f"/requests/{job.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="flash flash-error"') == 1 and "flash-success" not in html


def test_polyglot_is_stored_and_served_without_its_html(app, client, login_as, owner, job):
    login_as(owner)
    assert post_files(client, job.code, "before", ("kemasan.jpg", polyglot_jpeg())).status_code
    (design_file,) = rows()
    on_disk = read_stored(app, design_file.storage_key)
    download = client.get(f"/files/{design_file.id}")
    assert download.status_code == 200
    for body in (on_disk, download.data):
        assert b"<script" not in body.lower() and b"<html" not in body.lower()
        assert body.endswith(b"\xff\xd9")
        with Image.open(io.BytesIO(body)) as im:
            im.load()
            assert im.size == (80, 40)
    assert hashlib.sha256(on_disk).hexdigest() == design_file.sha256
    assert design_file.size == len(on_disk)
    assert KEY.match(design_file.storage_key)


def test_gps_is_dropped_and_the_preview_is_upright(app, client, login_as, owner, job):
    login_as(owner)
    photo = jpeg_bytes((120, 60), exif=gps_exif(6))
    post_files(client, job.code, "before", ("IMG_20261128.jpg", photo))
    (design_file,) = rows()
    with Image.open(io.BytesIO(read_stored(app, design_file.storage_key))) as im:
        exif = im.getexif()
        assert not exif.get_ifd(0x8825)  # no GPS
        assert exif.get(0x0112) == 6  # orientation kept: a viewer still shows it upright
        assert im.size == (120, 60)  # the pixels are untouched
    assert (design_file.width, design_file.height) == (60, 120)
    for size in ("preview", "thumb"):
        resp = client.get(f"/files/{design_file.id}/preview?size={size}")
        assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
        with Image.open(io.BytesIO(resp.data)) as im:
            assert im.width < im.height
            assert not im.getexif()


def test_type_mismatch_png_named_jpg_is_named_png(app, client, login_as, owner, job):
    login_as(owner)
    post_files(client, job.code, "before", ("foto.jpg", png_bytes()))
    (design_file,) = rows()
    assert design_file.display_name == "foto.png"
    assert design_file.content_type == "image/png"
    assert design_file.storage_key.endswith(".png")
    resp = client.get(f"/files/{design_file.id}")
    assert resp.mimetype == "image/png"
    assert parse_options_header(resp.headers["Content-Disposition"])[1]["filename"] == "foto.png"


NASTY_NAMES = [
    pytest.param(b'filename="../../../etc/passwd.png"', "passwd.png", id="dot-dot-slash"),
    pytest.param(b'filename="..\\\\..\\\\boot.png"', None, id="backslashes"),
    pytest.param(b"filename*=UTF-8''evil%00.php.png", "evil.php.png", id="nul"),
    pytest.param(b"filename*=UTF-8''foto%E2%80%AEgnp.exe", "fotognp.png", id="rtl-override"),
    pytest.param(
        b"filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1.png", "aSet-Cookie_ x=1.png", id="cr-lf"
    ),
    pytest.param(b'filename="' + b"a" * 1000 + b'.png"', "a" * 116 + ".png", id="1000-chars"),
    pytest.param(
        b"filename*=UTF-8''%D0%BB%D0%BE%D0%B3%D0%BE.png", "\u043b\u043e\u0433\u043e.png", id="utf8"
    ),
]


@pytest.mark.parametrize(("param", "expected"), NASTY_NAMES)
def test_nasty_names_are_cleaned_and_downloads_stay_valid(
    app, client, login_as, owner, job, param, expected
):
    login_as(owner)
    body, content_type = multipart("before", [(param, png_bytes())])
    resp = client.post(f"/requests/{job.code}/files", data=body, content_type=content_type)
    assert resp.status_code == 303
    (design_file,) = rows()
    name = design_file.display_name
    if expected is not None:
        assert name == expected
    assert name.endswith(".png") and len(name) <= 120
    assert not set(name) & set('/\\\x00\r\n\u202e"')
    assert KEY.match(design_file.storage_key)
    assert all(Path(app.config["UPLOAD_DIR"]) in p.parents for p in stored(app))
    download = client.get(f"/files/{design_file.id}")
    assert download.status_code == 200
    header = download.headers["Content-Disposition"]
    header.encode("latin-1")  # a valid header value
    assert not set(header) & set("\r\n\x00")
    disposition, params = parse_options_header(header)
    assert disposition == "attachment"
    assert params["filename"] == name
    assert client.get(f"/requests/{job.code}").status_code == 200


def test_refusal_message_shows_the_name_without_tricks(app, client, login_as, owner, job):
    login_as(owner)
    param = b"filename*=UTF-8''..%2F..%2Fgambar%E2%80%AEgvs.%0D%0Ajpg"
    body, content_type = multipart("before", [(param, SVG_WITH_SCRIPT)])
    assert client.post(f"/requests/{job.code}/files", data=body, content_type=content_type)
    page = client.get(f"/requests/{job.code}").get_data(as_text=True)
    assert "gambargvs.jpg" in page  # the user recognises the file they chose
    assert "\u202e" not in page and "../" not in page
    assert stored(app) == [] and rows() == []


def test_oversize_body_answers_413_with_the_friendly_page(app, client, login_as, owner, job):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    login_as(owner)
    resp = post_files(client, job.code, "before", ("besar.jpg", jpeg_bytes((600, 400), noise=True)))
    assert resp.status_code == 413
    assert resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert "<title>413" in page and 'href="/"' in page  # our page, in the site layout
    assert stored(app) == [] and rows() == []


def test_file_and_request_size_limits_refuse_cleanly(app, client, login_as, owner, job):
    login_as(owner)
    app.config["UPLOAD_MAX_FILE_BYTES"] = 500
    post_files(client, job.code, "before", ("a.png", png_bytes((300, 300), (1, 2, 3)) + b"x" * 600))
    assert stored(app) == [] and rows() == []
    assert [c for c, _m in flashes(client)] == ["error"]
    app.config["UPLOAD_MAX_FILE_BYTES"] = 10_000_000
    first = png_bytes((50, 50))
    app.config["UPLOAD_MAX_REQUEST_BYTES"] = len(first) + 10
    post_files(client, job.code, "before", ("satu.png", first), ("dua.png", png_bytes((40, 40))))
    assert [f.display_name for f in rows()] == ["satu.png"]
    assert [c for c, _m in flashes(client)] == ["success", "error"]
    assert len(stored(app)) == 3  # the first photo, its preview and its thumbnail


# --- 2. who may see which file ---------------------------------------------------------------


@pytest.fixture
def world(app, make_user, make_request, add_file, owner, staff, other_unit):
    """An owner's request with a before photo, a published proof and an unpublished draft."""
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    before = add_file(req, DesignKind.BEFORE, user=owner, data=jpeg_bytes(), name="lama.jpg")
    proof = add_file(req, DesignKind.DRAFT, user=staff, proof=True)
    draft = add_file(req, DesignKind.DRAFT, user=staff)
    return {
        "req": req,
        "before": before.id,
        "proof": proof.id,
        "draft": draft.id,
        "stranger": make_user(Role.OWNER),
        "far_staff": make_user(Role.STAFF, unit_=other_unit),
    }


def test_other_owners_and_other_units_get_404(app, world):
    for who in ("stranger", "far_staff"):
        c = app.test_client()
        assert login(c, world[who]).status_code == 302
        for file_id in (world["before"], world["proof"], world["draft"]):
            assert c.get(f"/files/{file_id}").status_code == 404
            assert c.get(f"/files/{file_id}/preview").status_code == 404
            assert c.get(f"/files/{file_id}/preview?size=thumb").status_code == 404
        assert c.get(f"/requests/{world['req'].code}/compare").status_code == 404
        assert (
            c.post(
                f"/requests/{world['req'].code}/files",
                data={"kind": "before", "files": [(io.BytesIO(png_bytes()), "x.png")]},
                content_type="multipart/form-data",
            ).status_code
            == 404
        )
    assert c.get("/files/999999").status_code == 404
    assert len(rows()) == 3


def test_unpublished_draft_is_hidden_from_the_owner_until_sent(app, client, login_as, world):
    login_as(world["req"].applicant)
    assert client.get(f"/files/{world['proof']}").status_code == 200
    assert client.get(f"/files/{world['draft']}").status_code == 404
    assert client.get(f"/files/{world['draft']}/preview").status_code == 404
    page = client.get(f"/requests/{world['req'].code}").get_data(as_text=True)
    assert f"/files/{world['draft']}" not in page and f"/files/{world['proof']}" in page
    db.session.rollback()
    db.session.get(DesignFile, world["draft"]).proof_published_at = db.func.now()
    db.session.commit()
    assert client.get(f"/files/{world['draft']}").status_code == 200
    assert client.get(f"/files/{world['draft']}/preview").status_code == 200


def test_downloads_are_attachments_with_nosniff_and_a_sandbox(app, client, login_as, world):
    login_as(world["req"].applicant)
    for file_id in (world["before"], world["proof"]):
        resp = client.get(f"/files/{file_id}")
        assert resp.status_code == 200
        assert parse_options_header(resp.headers["Content-Disposition"])[0] == "attachment"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        csp = resp.headers["Content-Security-Policy"]
        assert "sandbox" in csp and "default-src 'none'" in csp
    preview = client.get(f"/files/{world['before']}/preview")
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in preview.headers["Content-Security-Policy"]


def test_preview_etag_answers_304_and_is_keyed_on_content(app, client, login_as, world):
    login_as(world["req"].applicant)
    first = client.get(f"/files/{world['before']}/preview")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    again = client.get(f"/files/{world['before']}/preview", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(f"/files/{world['proof']}/preview", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.data
    thumb = client.get(
        f"/files/{world['before']}/preview?size=thumb", headers={"If-None-Match": etag}
    )
    assert thumb.status_code == 200  # a different rendition is a different entity
    stranger = app.test_client()
    login(stranger, world["stranger"])
    hidden = stranger.get(f"/files/{world['before']}/preview", headers={"If-None-Match": etag})
    assert hidden.status_code == 404  # the permission check comes before the cache


# --- 3. faults -------------------------------------------------------------------------------


def test_failed_commit_leaves_no_orphan_file(app, client, login_as, owner, job):
    from rumah_kemasan.designs import storage

    login_as(owner)
    seen: list[list[Path]] = []

    def fail_commit(session):
        if session.info.get(storage.PENDING):  # only the commit that would keep the files
            seen.append(stored(app))
            raise RuntimeError("the database refused the commit")

    event.listen(Session, "before_commit", fail_commit)
    try:
        resp = post_files(
            client, job.code, "before", ("a.jpg", jpeg_bytes()), ("b.png", png_bytes())
        )
    finally:
        event.remove(Session, "before_commit", fail_commit)
    assert resp.status_code == 500
    assert len(seen) == 1 and len(seen[0]) == 6  # two photos, each with two renditions
    assert stored(app) == []
    assert rows() == [] and file_events(job.id) == 0


def test_failed_write_leaves_nothing_and_says_so(app, client, login_as, owner, job, monkeypatch):
    login_as(owner)
    real_replace = os.replace
    root = Path(app.config["UPLOAD_DIR"])
    calls: list[str] = []

    def replace(src, dst, *args, **kwargs):
        if root in Path(dst).parents:
            calls.append(str(dst))
            if len(calls) == 5:  # the second photo's preview: its original is already saved
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    resp = post_files(client, job.code, "before", ("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes()))
    monkeypatch.undo()
    assert resp.status_code == 303
    assert len(calls) == 5
    assert stored(app) == []  # neither the first photo nor the temporary file survive
    assert rows() == [] and file_events(job.id) == 0
    page = client.get(f"/requests/{job.code}").get_data(as_text=True)
    assert page.count('class="flash flash-error"') == 1 and "flash-success" not in page
    assert "a.jpg" not in page and "b.jpg" not in page  # one message for the whole upload
    # the disk has room again: the same upload now works
    post_files(client, job.code, "before", ("a.jpg", jpeg_bytes()))
    assert len(rows()) == 1 and len(stored(app)) == 3


def test_reconcile_reports_planted_drift_and_fixes_only_old_orphans(app, ctx, owner, job, add_file):
    runner = app.test_cli_runner()
    first = add_file(job, DesignKind.BEFORE, user=owner, data=jpeg_bytes(), name="a.jpg")
    second = add_file(job, DesignKind.BEFORE, user=owner, data=png_bytes(), name="b.png")
    clean = runner.invoke(args=["files", "reconcile"])
    assert clean.exit_code == 0, clean.output
    assert "0 problem(s)" in clean.output

    root = Path(app.config["UPLOAD_DIR"])
    (root / first.storage_key).unlink()  # a row without its file
    flipped = bytearray((root / second.storage_key).read_bytes())
    flipped[-20] ^= 0x01
    (root / second.storage_key).write_bytes(bytes(flipped))  # a checksum mismatch
    (root / "2020" / "01").mkdir(parents=True)
    old = root / "2020" / "01" / "stray-old.jpg"
    old.write_bytes(b"left behind")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    fresh = root / "2020" / "01" / "upload-in-flight.jpg"
    fresh.write_bytes(b"being written")

    report = runner.invoke(args=["files", "reconcile"])
    assert report.exit_code == 1
    out = report.output
    assert f"row without file: design_file {first.id} -> {first.storage_key}" in out
    assert f"checksum mismatch: design_file {second.id} -> {second.storage_key}" in out
    assert "file without row: 2020/01/stray-old.jpg" in out
    assert "file without row: 2020/01/upload-in-flight.jpg" in out
    assert "4 problem(s)" in out
    assert old.exists() and fresh.exists()  # reporting changes nothing

    fixed = runner.invoke(args=["files", "reconcile", "--fix"])
    assert fixed.exit_code == 1
    assert "removed: 2020/01/stray-old.jpg" in fixed.output
    assert "3 problem(s)" in fixed.output
    assert not old.exists() and fresh.exists()
    assert len(rows()) == 2  # rows are never deleted by the reconciler
    assert (root / second.storage_key).exists()


# --- 4. approval bound to the version and the bytes -------------------------------------------


def _fill_checklist(client, code: str, draft_id: int, overrides=None):
    page = client.get(f"/requests/{code}/checklist/{draft_id}")
    assert page.status_code == 200
    data = {f"result-{item.code}": "pass" for item in items_for("pangan")}
    data |= overrides or {}
    return client.post(f"/requests/{code}/checklist/{draft_id}", data=data)


def _proof_sha_on_page(client, code: str) -> str:
    page = client.get(f"/requests/{code}").get_data(as_text=True)
    values = set(re.findall(r'name="proof_sha256" value="([0-9a-f]{64})"', page))
    assert len(values) == 1, values
    return values.pop()


def test_approval_names_version_and_checksum_and_survives_a_new_draft(
    app, make_user, make_request, owner, staff
):
    supervisor = make_user(Role.SUPERVISOR)
    req = make_request(owner, status=Status.ACCEPTED, code="DESAIN-LABEL")
    req_id, code = req.id, req.code
    designer, boss, applicant = app.test_client(), app.test_client(), app.test_client()
    for c, user in ((designer, staff), (boss, supervisor), (applicant, owner)):
        assert login(c, user).status_code == 302

    assert move(designer, req_id, code, "in_design").status_code == 302  # claims the job
    v1_bytes = jpeg_bytes((90, 60))
    assert post_files(designer, code, "draft", ("label-v1.jpg", v1_bytes)).status_code == 303
    (v1,) = rows(req_id)
    assert v1.version == 1
    # no proof without the checklist
    assert move(designer, req_id, code, "awaiting_approval").status_code == 409
    assert _fill_checklist(designer, code, v1.id).status_code == 303
    assert move(designer, req_id, code, "awaiting_approval").status_code == 302

    seen_sha = _proof_sha_on_page(applicant, code)
    stored_v1 = read_stored(app, v1.storage_key)
    assert seen_sha == hashlib.sha256(stored_v1).hexdigest()
    assert applicant.get(f"/files/{v1.id}").data == stored_v1
    resp = move(applicant, req_id, code, "approved", proof_sha256=seen_sha)
    assert resp.status_code == 302
    db.session.rollback()
    (decision,) = db.session.scalars(
        select(ProofDecision).where(ProofDecision.request_id == req_id)
    )
    assert (decision.version, decision.sha256, decision.design_file_id) == (1, seen_sha, v1.id)
    assert decision.decided_by_id == owner.id

    # a final, completion, then the supervisor reopens and a v2 draft arrives
    assert post_files(designer, code, "final", ("final.png", png_bytes())).status_code == 303
    assert move(designer, req_id, code, "completed").status_code == 302
    assert (
        move(boss, req_id, code, "in_design", note="Pemilik minta ganti warna").status_code == 302
    )
    assert post_files(designer, code, "draft", ("label-v2.png", png_bytes((90, 60), (0, 90, 0))))
    db.session.rollback()
    v2 = db.session.scalar(
        select(DesignFile).where(DesignFile.request_id == req_id, DesignFile.version == 2)
    )
    assert v2 is not None and v2.sha256 != seen_sha
    db.session.refresh(decision)
    assert (decision.version, decision.sha256, decision.design_file_id) == (1, seen_sha, v1.id)
    assert hashlib.sha256(read_stored(app, v1.storage_key)).hexdigest() == seen_sha

    # v2 goes out as the proof; an answer based on the old page is refused
    assert _fill_checklist(designer, code, v2.id).status_code == 303
    assert move(designer, req_id, code, "awaiting_approval").status_code == 302
    before = version_of(req_id)
    stale = move(applicant, req_id, code, "approved", proof_sha256=seen_sha)
    assert stale.status_code == 409
    db.session.rollback()
    assert db.session.get(ServiceRequest, req_id).status is Status.AWAITING_APPROVAL
    assert db.session.get(ServiceRequest, req_id).version == before
    assert db.session.scalar(select(func.count()).select_from(ProofDecision)) == 1
    # with the current page the approval names v2
    assert (
        move(
            applicant, req_id, code, "approved", proof_sha256=_proof_sha_on_page(applicant, code)
        ).status_code
        == 302
    )
    db.session.rollback()
    newest = db.session.scalars(select(ProofDecision).order_by(ProofDecision.id.desc())).first()
    assert (newest.version, newest.sha256) == (2, v2.sha256)


# --- 5. the label checklist and the gallery ---------------------------------------------------


def test_failed_mandatory_item_blocks_completion_of_a_food_label(
    app, client, login_as, make_request, add_file, owner, staff
):
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff, code="DESAIN-LABEL")
    draft = add_file(req, DesignKind.DRAFT, user=staff)
    answers = {item.code: ("pass", None) for item in items_for("pangan")}
    answers["izin_edar"] = ("fail", None)
    designs.save_checklist(draft, staff, answers)
    draft.proof_published_at = db.func.now()
    db.session.flush()
    designs.record_decision(req, owner, True, None, draft.sha256)
    req.status = Status.APPROVED
    db.session.commit()
    add_file(req, DesignKind.FINAL, user=staff)
    req_id, code, draft_id = req.id, req.code, draft.id
    events_before = db.session.scalar(select(func.count()).select_from(RequestEvent))

    login_as(staff)
    assert move(client, req_id, code, "completed").status_code == 409
    db.session.rollback()
    assert db.session.get(ServiceRequest, req_id).status is Status.APPROVED
    assert db.session.scalar(select(func.count()).select_from(RequestEvent)) == events_before

    # The checklist the owner approved is a record: it cannot be rewritten to get past this.
    reason = {"result-izin_edar": "na", "reason-izin_edar": "Produk sampel, belum diedarkan"}
    assert _fill_checklist(client, code, draft_id, reason).status_code == 409
    db.session.rollback()
    saved = db.session.scalar(
        select(LabelCheck).where(
            LabelCheck.design_file_id == draft_id, LabelCheck.item == "izin_edar"
        )
    )
    assert saved.result is CheckResult.FAIL
    assert move(client, req_id, code, "completed").status_code == 409


def test_not_applicable_needs_a_reason_and_then_counts(
    app, client, login_as, make_request, add_file, owner, staff
):
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff, code="DESAIN-LABEL")
    draft = add_file(req, DesignKind.DRAFT, user=staff)
    req_id, code, draft_id = req.id, req.code, draft.id
    login_as(staff)

    # "not applicable" without a reason: a field error, nothing saved
    resp = _fill_checklist(client, code, draft_id, {"result-izin_edar": "na"})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert 'id="izin_edar-err"' in page and page.count('class="error"') == 1
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LabelCheck)
            .where(LabelCheck.design_file_id == draft_id)
        )
        == 0
    )
    assert move(client, req_id, code, "awaiting_approval").status_code == 409

    # with a reason it counts, and the proof can go to the owner
    reason = {"result-izin_edar": "na", "reason-izin_edar": "Produk sampel, belum diedarkan"}
    assert _fill_checklist(client, code, draft_id, reason).status_code == 303
    assert move(client, req_id, code, "awaiting_approval").status_code == 302
    db.session.rollback()
    assert db.session.get(ServiceRequest, req_id).status is Status.AWAITING_APPROVAL


def test_gallery_shows_only_consented_completed_pairs_without_personal_data(
    app, client, make_user, make_business, make_request, add_file, staff
):
    def pair(name, consent, status):
        owner = make_user(Role.OWNER, full_name=f"Pemilik {name}")
        business = make_business(owner, name=f"Usaha {name}", gallery_consent=consent)
        req = make_request(owner, business=business, status=status, assignee=staff)
        add_file(req, DesignKind.BEFORE, user=owner, data=jpeg_bytes(), name="lama.jpg")
        add_file(req, DesignKind.FINAL, user=staff, data=png_bytes((80, 80)), name="baru.png")
        return owner, req

    shown_owner, shown = pair("Kopi Sanur", True, Status.COMPLETED)
    _, private = pair("Tenun Rahasia", False, Status.COMPLETED)
    _, unfinished = pair("Sambal Belum", True, Status.IN_PRODUCTION)

    page = client.get("/gallery").get_data(as_text=True)
    assert "Usaha Kopi Sanur" in page
    assert "Usaha Tenun Rahasia" not in page and "Usaha Sambal Belum" not in page
    assert f"/gallery/{shown.id}" in page
    item = client.get(f"/gallery/{shown.id}")
    assert item.status_code == 200
    for body in (page, item.get_data(as_text=True)):
        assert shown_owner.full_name not in body
        assert shown_owner.phone[-8:] not in body
        assert shown_owner.email not in body
        assert shown.code not in body
    for side in ("before", "after"):
        img = client.get(f"/gallery/{shown.id}/{side}.jpg")
        assert img.status_code == 200 and img.mimetype == "image/jpeg"
        with Image.open(io.BytesIO(img.data)) as im:
            assert not im.getexif()
    for hidden in (private, unfinished):
        assert client.get(f"/gallery/{hidden.id}").status_code == 404
        assert client.get(f"/gallery/{hidden.id}/before.jpg").status_code == 404
    assert client.get(f"/gallery/{shown.id}/owner.jpg").status_code == 404
    # the filters narrow the list
    assert "Usaha Kopi Sanur" not in client.get("/gallery?category=fashion").get_data(as_text=True)
    assert "Usaha Kopi Sanur" in client.get("/gallery?category=pangan").get_data(as_text=True)
