"""Make a benchmark dataset fast: bulk inserts with the request indexes built afterwards.

Several units, staff and owners per unit; requests spread over twelve years, mostly completed,
the most recent few thousand open; four status events per completed request.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from rumah_kemasan.accounts.models import Area, Business, Unit, User
from rumah_kemasan.extensions import db
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest, ServiceType

PASSWORD = "bench-password-2026-long"
UNITS = ["denpasar", "badung", "gianyar", "tabanan", "buleleng"]
WORDS = ["keripik", "kopi", "sambal", "dodol", "arak", "teh", "madu"]
WORDS += ["kain", "endek", "songket", "tas", "sandal", "sabun", "lulur"]
CHUNK = 20_000


def log(msg: str) -> None:
    print(f"  [gen] {msg}", flush=True)


def generate(n_requests: int, *, open_requests: int = 3000, seed: int = 7) -> dict:
    """Fill an empty, migrated database (reference data loaded); returns handy ids."""
    rng = random.Random(seed)
    t0 = time.monotonic()
    now = datetime.now(UTC)
    pw = generate_password_hash(PASSWORD)
    units = []
    for slug in UNITS:
        unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
        if unit is None:
            unit = Unit(slug=slug, name=f"Rumah Kemasan {slug.title()}", city=slug.title())
            db.session.add(unit)
        units.append(unit)
    db.session.flush()
    staff_by_unit, sup, admin = {}, None, None
    for i, unit in enumerate(units):
        staff_by_unit[unit.id] = []
        for k in range(5):
            u = User(
                role="staff",
                full_name=f"Staf {unit.slug} {k}",
                email=f"staff{k}.{unit.slug}@example.com",
                phone=f"6281{i:02d}{k:07d}",
                unit_id=unit.id,
                password_hash=pw,
                consent_at=now,
            )
            db.session.add(u)
            staff_by_unit[unit.id].append(u)
        s = User(
            role="supervisor",
            full_name=f"Kepala {unit.slug}",
            email=f"sup.{unit.slug}@example.com",
            phone=f"6282{i:02d}0000001",
            unit_id=unit.id,
            password_hash=pw,
            consent_at=now,
        )
        db.session.add(s)
        sup = sup or s
    admin = User(
        role="admin",
        full_name="Admin",
        email="admin@example.com",
        phone="628390000001",
        password_hash=pw,
        consent_at=now,
    )
    db.session.add(admin)
    db.session.flush()
    staff_ids = {uid: [u.id for u in people] for uid, people in staff_by_unit.items()}
    emails = {
        "staff_email": staff_by_unit[units[0].id][0].email,
        "sup_email": sup.email,
        "admin_email": admin.email,
    }
    services = db.session.scalars(select(ServiceType.id)).all()
    areas = {
        u.id: db.session.scalars(select(Area.id).where(Area.unit_id == u.id)).all() for u in units
    }
    n_owners = max(50, min(n_requests // 20, 50_000))
    owner_rows = [
        {
            "role": "umkm",
            "full_name": f"Pemilik {n}",
            "email": None,
            "phone": f"6285{n:09d}",
            "password_hash": None,
            "active": True,
            "session_token": f"{n:032x}",
            "locale": "id",
            "created_at": now,
            "unit_id": None,
        }
        for n in range(n_owners)
    ]
    db.session.execute(insert(User), owner_rows)
    owner_ids = db.session.scalars(
        select(User.id).where(User.role == "umkm").order_by(User.id)
    ).all()
    cats = ["pangan", "fashion", "kerajinan", "herbal_kosmetik", "agro", "lainnya"]
    biz_rows = []
    for n, oid in enumerate(owner_ids):
        unit = units[n % len(units)]
        biz_rows.append(
            {
                "owner_id": oid,
                "unit_id": unit.id,
                "name": f"Usaha {rng.choice(WORDS)} {n}",
                "category": cats[n % 6],
                "scale": ("mikro", "kecil", "menengah")[n % 3],
                "nib": f"{n:013d}" if n % 2 else None,
                "pirt": f"{n:015d}" if n % 3 == 0 else None,
                "halal": f"ID{n:011d}" if n % 4 == 0 else None,
                "address": "",
                "area_id": rng.choice(areas[unit.id]) if areas[unit.id] else None,
                "gallery_consent": False,
                "created_at": now,
            }
        )
    db.session.execute(insert(Business), biz_rows)
    biz = db.session.execute(
        select(Business.id, Business.owner_id, Business.unit_id).order_by(Business.id)
    ).all()
    db.session.commit()
    log(f"{len(units)} units, {n_owners} owners and businesses in {time.monotonic() - t0:.1f}s")

    engine = db.engine
    req_table, ev_table = ServiceRequest.__table__, RequestEvent.__table__
    indexes = [ix for ix in req_table.indexes] + [ix for ix in ev_table.indexes]
    with engine.begin() as conn:
        for ix in indexes:
            ix.drop(conn, checkfirst=True)
    span = timedelta(days=365 * 12)
    start = now - span
    step = span / n_requests
    per_year: dict[int, int] = {}
    rid = 0
    t1 = time.monotonic()
    with engine.begin() as conn:
        reqs, evs = [], []
        for i in range(n_requests):
            rid += 1
            submitted = start + step * i
            b_id, owner_id, unit_id = biz[i % len(biz)]
            year = submitted.year
            per_year[year] = per_year.get(year, 0) + 1
            is_open = i >= n_requests - open_requests
            assignee = rng.choice(staff_ids[unit_id])
            accepted = submitted + timedelta(days=1)
            due = accepted + timedelta(days=14)
            row = {
                "id": rid,
                "code": f"RK-{year}-{per_year[year]:05d}",
                "unit_id": unit_id,
                "business_id": b_id,
                "applicant_id": owner_id,
                "service_type_id": services[i % len(services)],
                "filed_by_id": None,
                "product_name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                "product_category": cats[i % 6],
                "brief": "Label baru",
                "target_market": "lokal",
                "quantity": None,
                "packaging_type": None,
                "revision_count": i % 4,
                "submitted_at": submitted,
                "paused_at": None,
                "paused_seconds": 0,
                "last_changed_at": submitted,
                "last_changed_by_id": None,
                "version": 1,
            }
            evs.append(
                {
                    "request_id": rid,
                    "actor_id": owner_id,
                    "kind": "status",
                    "from_status": None,
                    "to_status": "submitted",
                    "note": None,
                    "visibility": "public",
                    "created_at": submitted,
                }
            )
            if is_open:
                status = ("submitted", "accepted", "in_design", "awaiting_approval")[i % 4]
                row |= {
                    "status": status,
                    "assignee_id": assignee
                    if status in ("in_design", "awaiting_approval")
                    else None,
                    "accepted_at": accepted if status != "submitted" else None,
                    "due_at": due if status != "submitted" else None,
                    "completed_at": None,
                }
            else:
                completed = accepted + timedelta(days=rng.randint(2, 20))
                row |= {
                    "status": "completed",
                    "assignee_id": assignee,
                    "accepted_at": accepted,
                    "due_at": due,
                    "completed_at": completed,
                }
                for frm, to, at in (
                    ("submitted", "accepted", accepted),
                    ("accepted", "in_design", accepted + timedelta(days=1)),
                    ("in_design", "completed", completed),
                ):
                    evs.append(
                        {
                            "request_id": rid,
                            "actor_id": assignee,
                            "kind": "status",
                            "from_status": frm,
                            "to_status": to,
                            "note": None,
                            "visibility": "public",
                            "created_at": at,
                        }
                    )
            reqs.append(row)
            if len(reqs) >= CHUNK:
                conn.execute(insert(req_table), reqs)
                conn.execute(insert(ev_table), evs)
                reqs, evs = [], []
                if rid % 100_000 == 0:
                    log(f"{rid:,} requests ({rid / (time.monotonic() - t1):,.0f}/s)")
        if reqs:
            conn.execute(insert(req_table), reqs)
            conn.execute(insert(ev_table), evs)
    log(f"{n_requests:,} requests with events in {time.monotonic() - t1:.1f}s; building indexes")
    t2 = time.monotonic()
    with engine.begin() as conn:
        for ix in indexes:
            ix.create(conn)
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('service_request', 'id'), :n)"),
                {"n": rid},
            )
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    log(f"indexes in {time.monotonic() - t2:.1f}s")
    db.session.rollback()  # start a fresh snapshot that sees the bulk inserts
    return emails
