"""What an upload really is, decided by its bytes; cleaned display names; active-PDF checks."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from . import images
from .models import DesignKind

PDF = "application/pdf"
SOURCE_TYPES = {
    PDF: ".pdf",
    "application/zip": ".zip",
    "image/vnd.adobe.photoshop": ".psd",
    "application/vnd.corel-draw": ".cdr",
    "application/postscript": ".ai",
}
# Which detected types each kind of file accepts.
ALLOWED = {
    DesignKind.BEFORE: {"image/jpeg", "image/png", "image/webp"},
    DesignKind.DOCUMENT: {"image/jpeg", "image/png", "image/webp", PDF},
    DesignKind.DRAFT: {"image/jpeg", "image/png", "image/webp", PDF},
    DesignKind.FINAL: {"image/jpeg", "image/png", "image/webp", PDF},
    DesignKind.SOURCE: set(SOURCE_TYPES),
}
# Names that mean a PDF can act on its own: scripts, launches, embedded files, forms.
ACTIVE_PDF_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
    }
)
MAX_PDF_OBJECTS = 200_000


class UploadRejected(Exception):
    """The upload is refused; `code` selects the message shown at the field."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Inspected:
    data: bytes
    content_type: str
    display_name: str
    width: int | None = None
    height: int | None = None
    preview: bytes | None = None
    thumb: bytes | None = None

    @property
    def suffix(self) -> str:
        return images.SUFFIX.get(self.content_type) or SOURCE_TYPES.get(self.content_type, ".bin")


def detect(data: bytes) -> str | None:
    """The content type by magic bytes (images through Pillow's own detection)."""
    head = data[:1024]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "application/zip"
    if head.startswith(b"8BPS"):
        return "image/vnd.adobe.photoshop"
    if head[:4] == b"RIFF" and head[8:11] == b"CDR":
        return "application/vnd.corel-draw"
    if head.startswith(b"%!PS-Adobe"):
        return "application/postscript"
    return images.sniff(data)


_UNSAFE = re.compile(r"[\\/:*?\"<>|]")


def clean_name(raw: str, suffix: str, max_length: int = 120) -> str:
    """A display name safe to show and to put in a header: no path, controls or bidi tricks.

    The extension is always the one of the detected type (a PNG named .jpg becomes .png).
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]  # no directories
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[: max_length - len(suffix)].strip(" .") or "berkas"
    return stem + suffix


def check_pdf(data: bytes) -> None:
    """Parse the PDF and refuse it when it is damaged, encrypted or carries active content."""

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRejected("pdf_encrypted")
        seen: set[tuple[int, int]] = set()
        stack = [reader.trailer]
        count = 0
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                obj = obj.get_object()
            count += 1
            if count > MAX_PDF_OBJECTS:
                raise UploadRejected("pdf_damaged")
            if isinstance(obj, DictionaryObject | StreamObject):
                for key, value in obj.items():
                    if key in ACTIVE_PDF_NAMES:
                        raise UploadRejected("pdf_active")
                    if key == "/S" and value in ACTIVE_PDF_NAMES:
                        raise UploadRejected("pdf_active")
                    stack.append(value)
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
        if len(reader.pages) < 1:
            raise UploadRejected("pdf_damaged")
    except UploadRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise UploadRejected("pdf_damaged") from exc


def inspect_upload(data: bytes, filename: str, kind: DesignKind, max_pixels: int) -> Inspected:
    """Decide what the upload is and clean it, or raise UploadRejected."""
    if not data:
        raise UploadRejected("empty")
    content_type = detect(data)
    if content_type is None:
        raise UploadRejected("unknown_type")
    if content_type not in ALLOWED[kind]:
        raise UploadRejected("wrong_type")
    if content_type in images.ACCEPTED.values():
        try:
            clean = images.clean_image(data, max_pixels)
        except images.ImageRejected as exc:
            raise UploadRejected(exc.code) from exc
        result = Inspected(
            clean.data,
            clean.content_type,
            "",
            clean.width,
            clean.height,
            clean.preview,
            clean.thumb,
        )
    else:
        if content_type == PDF:
            check_pdf(data)
        result = Inspected(data, content_type, "")
    result.display_name = clean_name(filename, result.suffix)
    return result
