"""Hostile and ordinary files for the upload tests, built in memory (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_bytes(size=(80, 40), exif: Image.Exif | None = None, noise: bool = False) -> bytes:
    """A real JPEG: the left half yellow, the right half blue (so orientation is visible)."""
    im = Image.new("RGB", size, (10, 120, 200))
    im.paste((250, 220, 0), (0, 0, size[0] // 2, size[1]))
    if noise:
        im = Image.effect_noise(size, 80).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, **({"exif": exif} if exif is not None else {}))
    return buf.getvalue()


def gps_exif(orientation: int = 6) -> Image.Exif:
    """EXIF with an orientation and a GPS position (Denpasar), as a phone writes it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (8.0, 39.0, 30.0), 3: "E", 4: (115.0, 13.0, 10.0)})
    return exif


def polyglot_jpeg() -> bytes:
    """A JPEG that is also HTML: markup in a comment segment and after the end marker."""
    base = jpeg_bytes()
    comment = b"\xff\xfe" + struct.pack(">H", len(SCRIPT) + 2) + SCRIPT
    return base[:2] + comment + base[2:] + SCRIPT


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(side: int = 30000) -> bytes:
    """A real 1-bit PNG of side×side pixels that compresses to about 110 KB."""
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def lying_png(png: bytes, width: int = 4000, height: int = 3000) -> bytes:
    """A PNG whose header claims a size its pixel data does not have (valid CRC)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return png[:8] + _chunk(b"IHDR", header) + png[8 + 25 :]


def jpeg_claiming(data: bytes, width: int, height: int) -> bytes:
    """A JPEG whose frame header claims width×height."""
    out = bytearray(data)
    sof = out.find(b"\xff\xc0")
    struct.pack_into(">HH", out, sof + 5, height, width)
    return bytes(out)


def raw_pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", extra_objects=()) -> bytes:
    """A small one-page PDF written by hand, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page_extra + b" >>",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF_OPEN_ACTION_JS = raw_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
# The same, every name written with #xx escapes, as a filter on raw bytes would miss it.
PDF_ESCAPED_JS = raw_pdf(b"/Open#41ction << /S /J#61vaScript /J#53 (app.alert(1)) >>")
PDF_EMBEDDED_FILE = raw_pdf(
    b"/Names << /EmbeddedFiles 4 0 R >>",
    extra_objects=[
        b"<< /Names [(payload.exe) 5 0 R] >>",
        b"<< /Type /Filespec /F (payload.exe) /EF << /F 6 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
    ],
)
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)


def multipart(kind: str, parts: list[tuple[bytes, bytes]]) -> tuple[bytes, str]:
    """A multipart body written byte for byte, for file names no client library would send.

    Each part is (the Content-Disposition filename parameter, the file's bytes), e.g.
    (b"filename*=UTF-8''a%0D%0Ab.png", data) puts a real CR/LF into the parsed name.
    """
    boundary = b"rk-boundary-7f3a"
    body = bytearray()
    body += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="kind"\r\n\r\n'
    body += kind.encode() + b"\r\n"
    for param, data in parts:
        body += b"--" + boundary + b'\r\nContent-Disposition: form-data; name="files"; '
        body += param + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    return bytes(body), "multipart/form-data; boundary=" + boundary.decode()
