"""Make a benchmark dataset fast: bulk inserts with the request indexes built afterwards.

Several units, staff and owners per unit; requests spread over twelve years, mostly completed,
the most recent few thousand open; four status events per completed request.
"""

from __future__ import annotations

import importlib.util
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.security import generate_password_hash

from rumah_kemasan.accounts.models import Area, Business, Unit, User
from rumah_kemasan.extensions import db
from rumah_kemasan.service_requests import catalog
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
    terms = {
        st.id: (st.sla_days, st.free_revisions, st.includes_printing, st.documents_required)
        for st in db.session.scalars(select(ServiceType))
    }
    for unit in units:  # every unit offers the national catalog, as a data-file unit does
        catalog.offer_national_defaults(unit)
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
    indexes = list(req_table.indexes) + list(ev_table.indexes)
    search = _sqlite_search(engine)
    with engine.begin() as conn:
        for ix in indexes:
            ix.drop(conn, checkfirst=True)
        for name in search.TRIGGERS if search else ():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    rows = _rows(n_requests, open_requests, now, biz, staff_ids, services, terms, rng)
    t1 = time.monotonic()
    if engine.dialect.name == "postgresql":
        rid = _load_postgresql(engine, rows, t1)
    else:
        rid = _load_sqlite(engine, rows, t1)
    log(f"{n_requests:,} requests with events in {time.monotonic() - t1:.1f}s; building indexes")
    t2 = time.monotonic()
    with engine.begin() as conn:
        for ix in indexes:
            ix.create(conn)
            log(f"index {ix.name} at {time.monotonic() - t2:.1f}s")
        if search:
            # The search index in one INSERT ... SELECT, then its triggers back (row by row
            # through the triggers, the load ran at a fraction of its speed).
            for statement in search.POPULATE:
                conn.exec_driver_sql(statement)
            for sql in search.TRIGGERS.values():
                conn.exec_driver_sql(sql)
            log(f"search index {search.TABLE} at {time.monotonic() - t2:.1f}s")
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('service_request', 'id'), :n)"),
                {"n": rid},
            )
    _analyze(engine)
    log(f"indexes and ANALYZE in {time.monotonic() - t2:.1f}s")
    db.session.rollback()  # start a fresh snapshot that sees the bulk inserts
    return emails


REQ_COLS = (
    "id", "code", "unit_id", "business_id", "applicant_id", "service_type_id", "product_name",
    "product_category", "brief", "target_market", "status", "assignee_id", "revision_count",
    "submitted_at", "accepted_at", "due_at", "completed_at", "paused_seconds",
    "last_changed_at", "version",
    # the terms the request was filed under (issue 15): the national catalog's
    "sla_days", "free_revisions", "includes_printing", "documents_required",
)  # fmt: skip
EV_COLS = (
    "request_id", "actor_id", "kind", "from_status", "to_status", "visibility", "created_at",
)  # fmt: skip
OPEN_DAYS = 45  # open requests were filed in the last weeks; completed ones before that
CATS = ["pangan", "fashion", "kerajinan", "herbal_kosmetik", "agro", "lainnya"]


def _rows(n, open_requests, now, biz, staff_ids, services, terms, rng):
    """Yield (request tuple, [event tuples]) in id order; timestamps are aware UTC datetimes."""
    open_requests = min(open_requests, max(1, n // 10))
    n_closed = n - open_requests
    open_start = now - timedelta(days=OPEN_DAYS)
    closed_step = timedelta(days=365 * 12) / max(1, n_closed)
    closed_start = open_start - timedelta(days=365 * 12)
    open_step = timedelta(days=OPEN_DAYS) / open_requests
    per_year: dict[int, int] = {}
    statuses = ("submitted", "accepted", "in_design", "awaiting_approval")
    words = [f"{a} {b}" for a in WORDS for b in WORDS]
    for i in range(n):
        rid = i + 1
        is_open = i >= n_closed
        if is_open:
            submitted = open_start + open_step * (i - n_closed)
        else:
            submitted = closed_start + closed_step * i
        b_id, owner_id, unit_id = biz[i % len(biz)]
        year = submitted.year
        per_year[year] = per_year.get(year, 0) + 1
        assignee = rng.choice(staff_ids[unit_id])
        accepted = submitted + timedelta(days=1)
        due = accepted + timedelta(days=14)
        evs = [(rid, owner_id, "status", None, "submitted", "public", submitted)]
        if is_open:
            status = statuses[i % 4]
            started = status != "submitted"
            assignee = assignee if status in ("in_design", "awaiting_approval") else None
            accepted_at, due_at, completed = (accepted, due, None) if started else (None,) * 3
            if started:
                evs.append((rid, assignee, "status", "submitted", "accepted", "public", accepted))
        else:
            status = "completed"
            accepted_at, due_at = accepted, due
            completed = accepted + timedelta(days=rng.randint(2, 20))
            evs.append((rid, assignee, "status", "submitted", "accepted", "public", accepted))
            evs.append((rid, assignee, "status", "accepted", "in_design", "public", accepted + DAY))
            evs.append((rid, assignee, "status", "in_design", "completed", "public", completed))
        service_id = services[i % len(services)]
        req = (
            rid, f"RK-{year}-{per_year[year]:05d}", unit_id, b_id, owner_id,
            service_id, f"{rng.choice(words)} {i}", CATS[i % 6], "Label baru",
            "lokal", status, assignee, i % 4, submitted, accepted_at, due_at, completed, 0,
            completed or accepted_at or submitted, 1, *terms[service_id],
        )  # fmt: skip
        yield req, evs


DAY = timedelta(days=1)


def _load_sqlite(engine, rows, t1) -> int:
    """executemany in big batches on the raw sqlite3 connection (naive UTC text, as the app)."""

    def ts(v):
        return None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    req_sql = f"INSERT INTO service_request ({', '.join(REQ_COLS)}) VALUES "
    req_sql += f"({', '.join('?' * len(REQ_COLS))})"
    ev_sql = f"INSERT INTO request_event ({', '.join(EV_COLS)}) VALUES "
    ev_sql += f"({', '.join('?' * len(EV_COLS))})"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA cache_size = -262144")  # 256 MB: fewer page spills mid-load
        cur.execute("PRAGMA foreign_keys = OFF")  # generated data is consistent
        reqs, evs, rid = [], [], 0
        for req, req_evs in rows:
            rid = req[0]
            reqs.append(
                (*req[:13], *(ts(v) for v in req[13:17]), req[17], ts(req[18]), 1, *req[20:])
            )
            evs.extend((*e[:6], ts(e[6])) for e in req_evs)
            if len(reqs) >= CHUNK:
                cur.executemany(req_sql, reqs)
                cur.executemany(ev_sql, evs)
                reqs, evs = [], []
                if rid % 100_000 == 0:
                    log(f"{rid:,} requests ({rid / (time.monotonic() - t1):,.0f}/s)")
        if reqs:
            cur.executemany(req_sql, reqs)
            cur.executemany(ev_sql, evs)
        raw.commit()
    finally:
        raw.close()
    return rid


def _load_postgresql(engine, rows, t1) -> int:
    """COPY both tables in batches through psycopg, foreign-key triggers off for the load."""
    req_copy = f"COPY service_request ({', '.join(REQ_COLS)}) FROM STDIN"
    ev_copy = f"COPY request_event ({', '.join(EV_COLS)}) FROM STDIN"
    raw = engine.raw_connection()
    rid = 0
    try:
        cur = raw.cursor()
        cur.execute("SET session_replication_role = replica")  # generated data is consistent

        def flush(reqs, evs):
            with cur.copy(req_copy) as copy:
                for row in reqs:
                    copy.write_row(row)
            with cur.copy(ev_copy) as copy:
                for row in evs:
                    copy.write_row(row)

        reqs, evs = [], []
        for req, req_evs in rows:
            rid = req[0]
            reqs.append(req)
            evs.extend(req_evs)
            if len(reqs) >= 5 * CHUNK:
                flush(reqs, evs)
                reqs, evs = [], []
                log(f"{rid:,} requests ({rid / (time.monotonic() - t1):,.0f}/s)")
        flush(reqs, evs)
        cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()
    return rid


def _sqlite_search(engine):
    """SQLite: migration 0007 (its FTS5 table, triggers and fill), if the schema has it."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'request_search'"
        ).first()
    if found is None:
        return None
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    spec = importlib.util.spec_from_file_location("search_0007", path / "20261128_0007_search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _analyze(engine) -> None:
    """Fresh planner statistics (PostgreSQL: VACUUM ANALYZE also sets the visibility map)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            # Write the load's dirty buffers now, not during the measurement that follows.
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError:
                log("CHECKPOINT refused (needs superuser or pg_checkpoint); measuring anyway")
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
