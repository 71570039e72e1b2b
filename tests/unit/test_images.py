"""Pure image and file checks: type by content, lossless JPEG cleaning, names, PDFs, checklist."""

from __future__ import annotations

import io
import random
import struct
import unicodedata

import pytest
from PIL import Image, ImageCms

from rumah_kemasan.designs import checklists, images, validation
from rumah_kemasan.designs.models import DesignKind
from rumah_kemasan.designs.validation import UploadRejected
from tests.conftest import png_bytes
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
    polyglot_jpeg,
    raw_pdf,
)

LIMIT = 40_000_000


def _webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 200, 0)).save(buf, "WEBP")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (jpeg_bytes(), "image/jpeg"),
        (png_bytes(), "image/png"),
        (_webp(), "image/webp"),
        (raw_pdf(), "application/pdf"),
        (b"PK\x03\x04" + b"\x00" * 30, "application/zip"),
        (SVG_WITH_SCRIPT, None),
        (SCRIPT, None),
        (b"GIF89a" + b"\x00" * 20, None),
        (b"", None),
    ],
)
def test_type_comes_from_the_bytes(data, expected):
    assert validation.detect(data) == expected


def test_polyglot_keeps_only_the_image_and_the_pixels_are_untouched():
    data = polyglot_jpeg()
    clean = images.clean_image(data, LIMIT)
    assert b"<script" not in clean.data and b"<html" not in clean.data
    assert clean.data.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(clean.data)) as after:
        assert after.size == before.size
        assert after.tobytes() == before.tobytes()  # lossless: the same decoded pixels


def _with_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


def test_colour_segments_survive_only_as_what_they_claim_to_be():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (9, 9, 9)).save(buf, "JPEG", icc_profile=srgb)
    with Image.open(io.BytesIO(images.clean_image(buf.getvalue(), LIMIT).data)) as im:
        assert im.info.get("icc_profile") == srgb  # a real profile is kept for the printer
    fake_icc = b"ICC_PROFILE\x00\x01\x01" + SCRIPT
    adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01" + SCRIPT
    hostile = _with_segment(_with_segment(jpeg_bytes(), 0xE2, fake_icc), 0xEE, adobe)
    clean = images.clean_image(hostile, LIMIT)
    assert b"<script" not in clean.data and b"ICC_PROFILE" not in clean.data
    assert b"Adobe\x00\x64\x00\x00\x00\x00\x01" in clean.data  # the colour flag stays
    with Image.open(io.BytesIO(clean.data)) as im:
        im.load()


def test_gps_is_dropped_and_orientation_kept():
    clean = images.clean_image(jpeg_bytes((80, 40), exif=gps_exif(6)), LIMIT)
    with Image.open(io.BytesIO(clean.data)) as im:
        exif = im.getexif()
        assert exif.get(0x0112) == 6
        assert not exif.get_ifd(0x8825)
        assert 0x010F not in exif  # nothing but the orientation survives
    assert (clean.width, clean.height) == (40, 80)  # as displayed
    for rendition in (clean.preview, clean.thumb):
        with Image.open(io.BytesIO(rendition)) as im:
            assert im.width < im.height
            assert not im.getexif()  # our own re-encode, upright, no metadata
            # orientation 6 turns the stored left half (yellow) to the top
            middle = im.width // 2
            top, bottom = im.getpixel((middle, 2)), im.getpixel((middle, im.height - 3))
            assert top[0] > 200 and bottom[2] > 150


def test_png_is_reencoded_upright_without_metadata():
    im = Image.new("RGB", (60, 20), (1, 2, 3))
    exif = gps_exif(8)
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif)
    clean = images.clean_image(buf.getvalue() + SCRIPT, LIMIT)
    assert SCRIPT not in clean.data
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.size == (20, 60)
        assert not out.getexif().get_ifd(0x8825)


def test_bomb_is_refused_from_the_header_without_decoding():
    data = bomb_png(30000)
    assert len(data) < 200_000
    with pytest.raises(images.ImageRejected) as exc:
        images.clean_image(data, LIMIT)
    assert exc.value.code == "too_many_pixels"
    # below Pillow's own limit but above ours
    with pytest.raises(images.ImageRejected) as exc:
        images.clean_image(bomb_png(7000), LIMIT)
    assert exc.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (lying_png(png_bytes((60, 30))), "damaged"),
        (jpeg_claiming(jpeg_bytes(), 30000, 30000), "too_many_pixels"),
        (b"\xff\xd8\xff\xe0" + SCRIPT, "not_an_image"),
        (jpeg_bytes((400, 300), noise=True)[:9000], "damaged"),
    ],
    ids=["png-header-lies-about-size", "jpeg-claims-900MP", "jpeg-magic-then-html", "truncated"],
)
def test_lying_and_truncated_images_are_refused(data, code):
    with pytest.raises(images.ImageRejected) as exc:
        images.clean_image(data, LIMIT)
    assert exc.value.code == code


def test_any_damage_is_a_refusal_never_a_crash():
    """Every truncation and many random byte flips answer ImageRejected or a clean image."""
    base = jpeg_bytes((48, 32), exif=gps_exif(3))
    samples = [base[:cut] for cut in range(len(base))]
    sof = base.find(b"\xff\xda")
    samples.append(base[:sof] + b"\xff" * 40)  # a run of fill bytes to the end
    rng = random.Random(4)
    for _ in range(1500):
        damaged = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(2, len(damaged))] = rng.randrange(256)
        samples.append(bytes(damaged))
    for data in samples:
        try:
            clean = images.clean_image(data, LIMIT)
        except images.ImageRejected:
            continue
        with Image.open(io.BytesIO(clean.data)) as im:
            im.load()
            assert not im.getexif().get_ifd(0x8825)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\windows\\win.ini", "win.png"),
        ("evil\x00.php.jpg", "evil.php.png"),
        ("foto\u202egnp.exe", "fotognp.png"),
        ("a\r\nSet-Cookie: x=1.png", "aSet-Cookie_ x=1.png"),
        ("логотип.png", "логотип.png"),
        ("...", "berkas.png"),
        ("", "berkas.png"),
        ('kue "enak" <b>.jpg', "kue _enak_ _b_.png"),
    ],
)
def test_clean_name(raw, expected):
    assert validation.clean_name(raw, ".png") == expected


def test_clean_name_caps_length_and_keeps_no_controls():
    name = validation.clean_name("a" * 1000 + "\u200f\t.png", ".png")
    assert len(name) == 120 and name.endswith(".png")
    for ch in name:
        assert unicodedata.category(ch) not in ("Cc", "Cf")


def test_pdf_checks():
    validation.check_pdf(raw_pdf())  # a plain PDF passes
    link = b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (x) >> >>]"
    validation.check_pdf(raw_pdf(page_extra=link))  # an ordinary link is not active content
    cases = {
        "open-action-js": PDF_OPEN_ACTION_JS,
        "escaped-names": PDF_ESCAPED_JS,
        "embedded-file": PDF_EMBEDDED_FILE,
        "page-action": raw_pdf(page_extra=b"/AA << /O << /S /JavaScript /JS (x) >> >>"),
        "launch": raw_pdf(page_extra=link.replace(b"/URI /URI (x)", b"/Launch /F (cmd.exe)")),
    }
    for name, data in cases.items():
        with pytest.raises(UploadRejected) as exc:
            validation.check_pdf(data)
        assert exc.value.code == "pdf_active", name
    for data in (raw_pdf()[:80], b"%PDF-1.4\n" + SCRIPT):
        with pytest.raises(UploadRejected) as exc:
            validation.check_pdf(data)
        assert exc.value.code == "pdf_damaged"


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        (DesignKind.BEFORE, b"", "empty"),
        (DesignKind.BEFORE, SVG_WITH_SCRIPT, "unknown_type"),
        (DesignKind.BEFORE, raw_pdf(), "wrong_type"),
        (DesignKind.SOURCE, png_bytes(), "wrong_type"),
        (DesignKind.DOCUMENT, PDF_ESCAPED_JS, "pdf_active"),
        (DesignKind.SOURCE, PDF_EMBEDDED_FILE, "pdf_active"),
    ],
)
def test_inspect_upload_refusals(kind, data, code):
    with pytest.raises(UploadRejected) as exc:
        validation.inspect_upload(data, "x.jpg", kind, LIMIT)
    assert exc.value.code == code


def test_inspect_upload_names_by_detected_type():
    result = validation.inspect_upload(png_bytes(), "foto.jpg", DesignKind.BEFORE, LIMIT)
    assert (result.content_type, result.display_name) == ("image/png", "foto.png")
    result = validation.inspect_upload(raw_pdf(), "nib.png", DesignKind.DOCUMENT, LIMIT)
    assert (result.content_type, result.display_name) == ("application/pdf", "nib.pdf")


def test_food_checklist_rules():
    items = checklists.items_for("pangan")
    all_pass = {i.code: ("pass", None) for i in items}
    assert checklists.is_complete("pangan", all_pass)
    assert checklists.is_passed("pangan", all_pass)
    mandatory = next(i.code for i in items if i.mandatory)
    optional = next(i.code for i in items if not i.mandatory)
    failed = all_pass | {mandatory: ("fail", None)}
    assert checklists.is_complete("pangan", failed) and not checklists.is_passed("pangan", failed)
    na_bare = all_pass | {mandatory: ("na", "  ")}
    assert not checklists.is_complete("pangan", na_bare)
    assert not checklists.is_passed("pangan", na_bare)
    na_reason = all_pass | {mandatory: ("na", "dijual curah")}
    assert checklists.is_passed("pangan", na_reason)
    assert checklists.is_passed("pangan", all_pass | {optional: ("fail", None)})
    missing = dict(all_pass)
    del missing[mandatory]
    assert not checklists.is_complete("pangan", missing)
