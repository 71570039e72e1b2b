"""Image intake: decide the type by content, keep nothing but the image, make renditions.

* The format comes from the bytes (Pillow's own detection), never from the name or the
  browser's claim; only JPEG, PNG and WebP are accepted.
* The pixel count is read from the header and checked before anything is decoded, so a
  decompression bomb costs nothing (Pillow's own bomb warning is turned into an error too).
* JPEG is cleaned losslessly: its segments are rewritten keeping only what draws the image
  (quantisation and Huffman tables, frame, scans, restart interval, the Adobe colour marker and
  the ICC colour profile) plus a minimal EXIF block holding only the orientation. Everything
  else (EXIF with GPS, XMP, comments, thumbnails, bytes after the end marker) is dropped. The
  printer gets the designer's exact pixels, and it costs a fraction of a decode.
* PNG and WebP are decoded and re-encoded (PNG losslessly), turned the right way up first.
* Previews (1600 to 2400 px on the long side) and thumbnails (400 px) are always our own
  JPEG re-encodes; for JPEG, Pillow's draft mode lets libjpeg decode directly at a reduced scale.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
PREVIEW_PX = 1600
THUMB_PX = 400

# Turn Pillow's bomb warning into an error: nothing may decode silently past our limit.
warnings.simplefilter("error", Image.DecompressionBombWarning)


class ImageRejected(Exception):
    """The upload is not an acceptable image; `code` says why (for the message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class CleanImage:
    data: bytes
    content_type: str
    width: int  # as displayed (after orientation)
    height: int
    preview: bytes
    thumb: bytes


def sniff(data: bytes) -> str | None:
    """The accepted image type of `data`, or None (reads only the header)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return ACCEPTED.get(im.format or "")
    except (OSError, Image.DecompressionBombError, ValueError, SyntaxError, Warning):
        return None


def clean_image(data: bytes, max_pixels: int) -> CleanImage:
    """Validate and clean an uploaded image; raises ImageRejected."""
    try:
        im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels") from exc
    except (OSError, ValueError, SyntaxError, Warning) as exc:
        # Warning: Pillow warns about malformed metadata; where warnings are errors, refuse.
        raise ImageRejected("not_an_image") from exc
    with im:
        content_type = ACCEPTED.get(im.format or "")
        if content_type is None:
            raise ImageRejected("not_an_image")
        width, height = im.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise ImageRejected("too_many_pixels")
        orientation = _orientation(im)
        try:
            if content_type == "image/jpeg":
                cleaned = rewrite_jpeg(data, orientation)
                preview, thumb = _renditions_jpeg(cleaned, orientation)
            else:
                cleaned, preview, thumb = _reencode(im, content_type)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("too_many_pixels") from exc
        except (OSError, ValueError, SyntaxError, struct.error, EOFError, Warning) as exc:
            raise ImageRejected("damaged") from exc
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return CleanImage(cleaned, content_type, width, height, preview, thumb)


def _orientation(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block only loses its orientation
        return 1
    return value if 1 <= value <= 8 else 1


# --- JPEG: lossless segment rewrite --------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_KEEP = {0xC4, 0xCC, 0xDB, 0xDD} | {m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)}
_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def _app1_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    payload = exif.tobytes()
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def rewrite_jpeg(data: bytes, orientation: int = 1) -> bytes:
    """The JPEG with only the segments that draw it, an orientation tag, nothing after EOI."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("no start-of-image marker")
    out = [b"\xff\xd8", _JFIF]
    if orientation != 1:
        out.append(_app1_orientation(orientation))
    icc_at, icc = len(out), []
    pos, end, seen_frame = 2, len(data), False
    while True:
        if pos + 4 > end or data[pos] != 0xFF:
            raise ValueError("segment expected")
        while pos + 4 < end and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos + 4 > end:
            raise ValueError("segment runs past the end")
        marker = data[pos + 1]
        if marker == _EOI:
            raise ValueError("no image data")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment_end = pos + 2 + length
        if length < 2 or segment_end > end:
            raise ValueError("segment runs past the end")
        segment = data[pos:segment_end]
        if marker in _KEEP:
            seen_frame = seen_frame or (0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xCC))
            out.append(segment)
        elif marker == 0xEE and segment[4:9] == b"Adobe" and length >= 14:
            # colour transform flag, needed to draw CMYK/YCCK: its 12 bytes, nothing appended
            out.append(b"\xff\xee\x00\x0e" + segment[4:16])
        elif marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00":
            icc.append(segment)  # colour profile: print fidelity; kept only when it is one
        elif marker == _SOS:
            if not seen_frame:
                raise ValueError("scan before frame")
            out.append(segment)
            pos = _copy_scans(data, segment_end, out)
            out.append(b"\xff\xd9")
            out[icc_at:icc_at] = _checked_icc(icc)
            return b"".join(out)
        # anything else (APPn, COM, unknown) is dropped
        pos = segment_end


_MARKUP = re.compile(rb"<[A-Za-z!?/]")


def _checked_icc(segments: list[bytes]) -> list[bytes]:
    """The ICC segments when together they are a real colour profile with no markup in it."""
    if not segments:
        return []
    ordered = sorted(segments, key=lambda seg: seg[16] if len(seg) > 17 else 0)
    profile = b"".join(seg[18:] for seg in ordered)
    if (
        len(profile) < 132
        or struct.unpack(">I", profile[:4])[0] != len(profile)
        or profile[36:40] != b"acsp"
        or _MARKUP.search(profile)
    ):
        return []
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(profile))
    except (OSError, ValueError, TypeError):
        return []
    return ordered


def _copy_scans(data: bytes, pos: int, out: list[bytes]) -> int:
    """Copy entropy-coded data and the tables between progressive scans up to EOI."""
    end = len(data)
    start = pos
    while True:
        i = data.find(b"\xff", pos)
        if i < 0 or i + 1 >= end:
            raise ValueError("image data is truncated (no end-of-image marker)")
        nxt = data[i + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos = i + 1 if nxt == 0xFF else i + 2
            continue
        out.append(data[start:i])
        if nxt == _EOI:
            return i + 2
        if i + 4 > end:
            raise ValueError("segment runs past the end")
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        segment_end = i + 2 + length
        if length < 2 or segment_end > end:
            raise ValueError("segment runs past the end")
        if nxt in _KEEP or nxt == _SOS:
            out.append(data[i:segment_end])
        pos = start = segment_end


def _renditions_jpeg(data: bytes, orientation: int = 1) -> tuple[bytes, bytes]:
    with Image.open(io.BytesIO(data)) as im:
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale: the smallest that still fills the preview.
        w, h = im.size
        scale = PREVIEW_PX / max(w, h)
        if scale < 1:
            im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
        im.load()  # decodes every scan: a truncated or corrupt image fails here
        return _renditions_from(im, orientation)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _renditions_from(im: Image.Image, orientation: int = 1) -> tuple[bytes, bytes]:
    """A preview of about PREVIEW_PX and a thumbnail of THUMB_PX, upright, as JPEG.

    A draft-decoded JPEG is already between PREVIEW_PX and twice that; it is resized only when
    it is more than 1.5 times too big, since resampling costs more than the decode saved.
    """
    if im.mode not in ("RGB", "L"):
        im = _flatten(im)
    preview = im
    if max(im.size) > PREVIEW_PX * 1.5:
        factor = max(im.size) / PREVIEW_PX
        preview = im.resize(
            (max(1, round(im.width / factor)), max(1, round(im.height / factor))),
            Image.Resampling.BILINEAR,
            reducing_gap=2.0,
        )
    step = max(1, max(preview.size) // THUMB_PX)
    thumb = preview.reduce(step) if step > 1 else preview.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BILINEAR)
    method = _TRANSPOSE.get(orientation)
    if method is not None:
        preview, thumb = preview.transpose(method), thumb.transpose(method)
    return _jpeg(preview, 80), _jpeg(thumb, 75)


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def _jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


# --- PNG and WebP: decode, turn upright, re-encode ------------------------------------------


def _reencode(im: Image.Image, content_type: str) -> tuple[bytes, bytes, bytes]:
    im.load()
    icc = im.info.get("icc_profile")
    upright = ImageOps.exif_transpose(im)
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
    buf = io.BytesIO()
    options = {"icc_profile": icc} if icc else {}
    if content_type == "image/png":
        upright.save(buf, "PNG", optimize=False, **options)
    else:
        upright.save(buf, "WEBP", quality=95, method=4, **options)
    preview, thumb = _renditions_from(upright)
    return buf.getvalue(), preview, thumb
