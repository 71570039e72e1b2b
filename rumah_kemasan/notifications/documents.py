"""PDF documents: the intake receipt (tanda terima) and the handover record (berita acara).

Made with fpdf2 and the DejaVu Sans fonts that ship in `fonts/` (free licence, see
LICENSE-DejaVu.txt), so any name or product in any script prints correctly and nothing is
fetched at run time. The receipt's QR code (segno) holds only the public /track link with the
request code: never a phone number or a name.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import segno
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select

from ..accounts.models import User
from ..database import utcnow
from ..designs.models import DesignFile, DesignKind, Handover
from ..extensions import db
from ..formats import display_phone
from ..i18n import current_locale
from ..service_requests.models import ServiceRequest
from ..service_requests.sla import format_local, format_local_date
from .services import absolute_url

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"


def track_url(req: ServiceRequest) -> str:
    """The public status-check link printed as the receipt's QR code (no personal data)."""
    return absolute_url("public.track", code=req.code)


def qr_png(payload: str) -> bytes:
    """A QR code as PNG bytes (error correction M, quiet zone kept)."""
    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=10, border=4)
    return buf.getvalue()


def unit_contact_line(unit) -> str:
    """The unit's WhatsApp, e-mail and opening hours on one line (receipts, BAST)."""
    parts = []
    if unit.whatsapp:
        parts.append(_("WhatsApp %(number)s", number=display_phone(unit.whatsapp)))
    if unit.email:
        parts.append(unit.email)
    hours = "; ".join(line for line in (unit.opening_hours or "").splitlines() if line.strip())
    if hours:
        parts.append(_("Open %(hours)s", hours=hours))
    return " · ".join(parts)


class _Document(FPDF):
    def __init__(self, title: str, req: ServiceRequest):
        super().__init__(format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(f"{title} {req.code}")
        self.set_author(req.unit.name)
        self.set_creator("Rumah Kemasan")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.add_page()
        self.set_font(FAMILY, "B", 12)
        self.cell(0, 6, req.unit.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 9)
        place = ", ".join(p for p in (req.unit.address, req.unit.city) if p)
        if place:
            self.cell(0, 5, place, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        contact = unit_contact_line(req.unit)
        if contact:
            self.multi_cell(0, 5, contact, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)
        self.set_font(FAMILY, "B", 15)
        self.cell(0, 8, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "B", 13)
        self.cell(0, 8, req.code, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def facts(self, rows: list[tuple[str, str]], label_width: float = 50) -> None:
        for label, value in rows:
            self.set_font(FAMILY, "B", 10)
            self.cell(label_width, 6, label)
            self.set_font(FAMILY, "", 10)
            self.multi_cell(0, 6, value or "–", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(FAMILY, "", size)
        self.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def signatures(self, left: tuple[str, str], right: tuple[str, str], place_date: str) -> None:
        if self.get_y() > self.h - 70:
            self.add_page()
        self.ln(8)
        half = (self.w - self.l_margin - self.r_margin) / 2
        self.set_font(FAMILY, "", 10)
        self.cell(half, 6, "")
        self.cell(half, 6, place_date, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "B", 10)
        self.cell(half, 6, left[0], align="C")
        self.cell(half, 6, right[0], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(24)
        self.set_font(FAMILY, "", 10)
        self.cell(half, 6, f"( {left[1]} )", align="C")
        self.cell(half, 6, f"( {right[1]} )", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _service_name(req: ServiceRequest, locale: str) -> str:
    return req.service_type.name(locale)


def receipt_pdf(req: ServiceRequest, now: datetime | None = None) -> bytes:
    """The intake receipt: code, service, dates and a QR code that opens /track."""
    locale = current_locale()
    now = now or utcnow()
    doc = _Document(_("Intake receipt"), req)
    rows = [
        (_("Request code"), req.code),
        (_("Service"), _service_name(req, locale)),
        (_("Product"), req.product_name),
        (_("Business"), req.business.name),
        (_("Filed"), format_local(req.submitted_at, locale, req.unit.timezone)),
    ]
    if req.due_at:
        rows.append((_("Expected by"), format_local_date(req.due_at, locale, req.unit.timezone)))
    if req.quantity:
        rows.append((_("Quantity"), str(req.quantity)))
    # The terms the request was filed under: what the owner was promised at the counter.
    rows.append((_("Service standard"), _("%(n)s working days", n=req.sla_days)))
    if req.documents_required:
        rows.append((_("Requirements"), req.documents_required))
    doc.facts(rows)
    doc.ln(4)
    url = track_url(req)
    top = doc.get_y()
    doc.image(io.BytesIO(qr_png(url)), x=doc.l_margin, y=top, w=42, h=42, alt_text=url)
    doc.set_xy(doc.l_margin + 48, top + 4)
    doc.set_font(FAMILY, "B", 10)
    doc.multi_cell(0, 5.5, _("Check the status of your request"), new_x=XPos.LEFT)
    doc.set_font(FAMILY, "", 9)
    doc.multi_cell(
        0,
        5,
        _(
            "Scan the code or open the address below, then enter the request code and the last "
            "four digits of your phone number."
        ),
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    doc.multi_cell(0, 5, url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_y(top + 48)
    doc.paragraph(
        _(
            "Keep this receipt. We will tell you when your request needs something from you, "
            "when the design proof is ready and when the result can be collected."
        ),
        9,
    )
    doc.paragraph(_("Printed on %(date)s", date=format_local(now, locale, req.unit.timezone)), 8)
    return bytes(doc.output())


def final_files(req: ServiceRequest) -> list:
    """The request's final design files, newest version first (empty until designs exist)."""
    return list(
        db.session.scalars(
            select(DesignFile)
            .where(DesignFile.request_id == req.id, DesignFile.kind == DesignKind.FINAL)
            .order_by(DesignFile.display_name, DesignFile.version.desc(), DesignFile.id)
        )
    )


def handover_record(req: ServiceRequest):
    """The recorded handover (who received, how many), if there is one."""
    return db.session.scalar(select(Handover).where(Handover.request_id == req.id))


def _size(n: int | None) -> str:
    if not n:
        return "–"
    if n < 1024 * 1024:
        return f"{max(n // 1024, 1)} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def handover_pdf(req: ServiceRequest, now: datetime | None = None) -> bytes:
    """The handover record: what was handed over (final files, printed quantity), signatures."""
    locale = current_locale()
    now = now or utcnow()
    record = handover_record(req)
    handed_at = (record.recorded_at if record else None) or req.completed_at or now
    doc = _Document(_("Handover record"), req)
    doc.paragraph(
        _(
            "On %(date)s the packaging house handed over to the applicant the results of the "
            "request below.",
            date=format_local_date(handed_at, locale, req.unit.timezone),
        )
    )
    doc.ln(2)
    rows = [
        (_("Request code"), req.code),
        (_("Service"), _service_name(req, locale)),
        (_("Product"), req.product_name),
        (_("Business"), req.business.name),
        (_("Filed"), format_local_date(req.submitted_at, locale, req.unit.timezone)),
    ]
    if req.includes_printing:
        quantity = record.quantity if record and record.quantity else req.quantity
        printed = str(quantity or "–")
        if req.packaging_type:
            printed += f" ({req.packaging_type})"
        rows.append((_("Printed quantity"), printed))
    doc.facts(rows)
    doc.ln(4)
    doc.set_font(FAMILY, "B", 11)
    doc.cell(0, 7, _("Final files"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    files = final_files(req)
    if not files:
        doc.paragraph(_("No final files are recorded for this request."), 9)
    else:
        with doc.table(
            col_widths=(8, 62, 12, 18, 40), text_align=("RIGHT", "LEFT", "CENTER", "RIGHT", "LEFT")
        ) as table:
            doc.set_font(FAMILY, "", 8)
            header = table.row()
            for title in ("#", _("File"), _("Version"), _("Size"), "SHA-256"):
                header.cell(title)
            for i, f in enumerate(files, 1):
                row = table.row()
                row.cell(str(i))
                row.cell(f.display_name)
                row.cell(str(getattr(f, "version", None) or "–"))
                row.cell(_size(getattr(f, "size", None)))
                row.cell((getattr(f, "sha256", None) or "")[:16] + "…")
    doc.ln(2)
    doc.paragraph(
        _(
            "The applicant has received the items above in good order. This record is made in "
            "two copies, one for each party."
        ),
        9,
    )
    staff = req.assignee
    if record is not None and record.recorded_by_id:
        staff = db.session.get(User, record.recorded_by_id)
    receiver = record.received_by if record is not None else req.applicant.full_name
    doc.signatures(
        (_("Handed over by"), staff.full_name if staff else " " * 30),
        (_("Received by"), receiver),
        f"{req.unit.city}, {format_local_date(handed_at, locale, req.unit.timezone)}",
    )
    return bytes(doc.output())
