"""Read side for designs: the public before/after gallery (consented, completed requests)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import Area, Business, ProductCategory
from ..extensions import db
from ..service_requests.models import ServiceRequest
from ..service_requests.workflow import Status
from .models import DesignFile, DesignKind


@dataclass
class GalleryPair:
    request_id: int
    business_name: str
    category: str
    kecamatan: str | None
    product_name: str
    before: DesignFile
    after: DesignFile


def _consented():
    return (
        select(ServiceRequest, Business.name, Area.kecamatan)
        .join(Business, ServiceRequest.business_id == Business.id)
        .outerjoin(Area, Business.area_id == Area.id)
        .where(ServiceRequest.status == Status.COMPLETED, Business.gallery_consent.is_(True))
    )


def _pairs(rows) -> list[GalleryPair]:
    rows = list(rows)
    if not rows:
        return []
    ids = [r[0].id for r in rows]
    files = db.session.scalars(
        select(DesignFile)
        .where(
            DesignFile.request_id.in_(ids),
            DesignFile.kind.in_([DesignKind.BEFORE, DesignKind.FINAL]),
            DesignFile.preview_key.is_not(None),
        )
        .order_by(DesignFile.id)
    ).all()
    before: dict[int, DesignFile] = {}
    after: dict[int, DesignFile] = {}
    for f in files:
        if f.kind is DesignKind.BEFORE:
            before.setdefault(f.request_id, f)
        else:
            after[f.request_id] = f  # the newest final
    return [
        GalleryPair(
            req.id,
            name,
            req.product_category.value,
            kec,
            req.product_name,
            before[req.id],
            after[req.id],
        )
        for req, name, kec in rows
        if req.id in before and req.id in after
    ]


def gallery_pairs(category: str | None = None, kecamatan: str | None = None, limit: int = 48):
    stmt = _consented()
    if category in ProductCategory._value2member_map_:
        stmt = stmt.where(ServiceRequest.product_category == ProductCategory(category))
    if kecamatan:
        stmt = stmt.where(Area.kecamatan == kecamatan)
    stmt = stmt.order_by(ServiceRequest.completed_at.desc(), ServiceRequest.id.desc()).limit(limit)
    return _pairs(db.session.execute(stmt))


def gallery_pair(request_id: int) -> GalleryPair | None:
    pairs = _pairs(db.session.execute(_consented().where(ServiceRequest.id == request_id)))
    return pairs[0] if pairs else None


def gallery_kecamatans() -> list[str]:
    return list(db.session.scalars(select(Area.kecamatan).distinct().order_by(Area.kecamatan)))
