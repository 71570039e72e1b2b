"""`make load`: 50 simulated people for 2 minutes against gunicorn, then checks.

Usage: python -m bench.load [--db postgresql|sqlite] [--users 50] [--duration 120]
                            [--url postgresql://…/rk_load]

`--db sqlite` runs on a fresh SQLite file, instance/load.sqlite (what `make run` gives);
PostgreSQL (the default) on the database of `--url`, dropped and recreated.

The mix: owners browse their requests and notifications and sometimes file a new request with
a phone photo; staff work the desk and accept and claim submitted requests (racing each other
on the same ones); supervisors open the backlog, reports and the audit log and export CSV.
Everyone thinks 1-3 s between clicks. The server is gunicorn (gthread, the settings of
docs/deploy.md) running `wsgi:app` in the production configuration.

Sign-ins are timed too (they hash a password, and were the slowest writes on SQLite).
Afterwards: zero 5xx; p95 < 500 ms for pages, < 2 s for uploads; every request's status
equals its last status event; the events written equal the transitions the clients saw
succeed (no lost update), and every filed request has its photo. Prints a table and writes
bench/results/load.json; exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench.run import Client, free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "beban-uji-2026-kemasan"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rk_load"
SQLITE_FILE = ROOT / "instance" / "load.sqlite"
GUNICORN = ["--workers", "3", "--worker-class", "gthread", "--threads", "4", "--timeout", "60"]
CODE_RE = re.compile(r"/requests/(RK-\d{4}-\d{5})")
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def say(msg: str) -> None:
    print(msg, flush=True)


# --- the dataset ------------------------------------------------------------------------------


def prepare(url: str, owners: int, staff: int, supervisors: int, per_owner: int) -> dict:
    """A fresh, migrated database with a unit, its people and submitted requests."""
    os.environ["FLASK_CONFIG"] = "testing"
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{u.database}{suffix}").unlink(missing_ok=True)
    else:
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()

    from rumah_kemasan import create_app
    from rumah_kemasan.accounts.models import Area, Business, Unit, User
    from rumah_kemasan.extensions import db
    from rumah_kemasan.reference_data import load_all
    from rumah_kemasan.service_requests import services
    from rumah_kemasan.service_requests.models import ServiceType

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    people: dict[str, list[str]] = {"owner": [], "staff": [], "supervisor": []}
    with app.app_context():
        upgrade()
        load_all()
        unit = db.session.scalar(select(Unit).where(Unit.slug == "denpasar"))
        areas = list(db.session.scalars(select(Area).where(Area.unit_id == unit.id)))
        design = db.session.scalar(select(ServiceType).where(ServiceType.code == "DESAIN-LABEL"))
        design = design or db.session.scalar(select(ServiceType).order_by(ServiceType.id))
        from werkzeug.security import generate_password_hash

        pw = generate_password_hash(PASSWORD)
        now = datetime.now(UTC)

        def user(role, i, **kw):
            email = f"{role}{i}@example.com"
            row = User(
                role=role,
                full_name=f"{role.title()} {i}",
                email=email,
                phone=f"628{ {'umkm': 1, 'staff': 2, 'supervisor': 3}[role] }9{i:07d}",
                password_hash=pw,
                consent_at=now,
                **kw,
            )
            db.session.add(row)
            return row, email

        for i in range(staff):
            people["staff"].append(user("staff", i, unit_id=unit.id)[1])
        for i in range(supervisors):
            people["supervisor"].append(user("supervisor", i, unit_id=unit.id)[1])
        rng = random.Random(8)
        for i in range(owners):
            owner, email = user("umkm", i)
            people["owner"].append(email)
            db.session.flush()
            business = Business(
                owner_id=owner.id,
                unit_id=unit.id,
                name=f"Usaha Beban {i}",
                category="pangan",
                scale="mikro",
                area_id=rng.choice(areas).id if areas else None,
            )
            db.session.add(business)
            db.session.flush()
            for k in range(per_owner):
                services.file_request(
                    services.RequestInput(
                        business=business,
                        service_type=design,
                        product_name=f"Keripik {i}-{k}",
                        product_category="pangan",
                        brief="Label baru untuk keripik pisang, warna cerah.",
                        target_market="lokal",
                        quantity=None,
                        packaging_type=None,
                    ),
                    owner,
                )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people


# --- the server -------------------------------------------------------------------------------


def serve(url: str, port: int) -> subprocess.Popen:
    env = os.environ | {
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TRUSTED_HOSTS": "127.0.0.1",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(ROOT / "instance" / "load-uploads"),
        "PYTHONPATH": str(ROOT),
    }
    cmd = [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}"]
    proc = subprocess.Popen([*cmd, "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


# --- the people -------------------------------------------------------------------------------


def _photo(seed: int) -> bytes:
    """A phone-like JPEG (1280x960, noisy, a few hundred KB)."""
    from PIL import Image

    rng = random.Random(seed)
    img = Image.effect_noise((1280, 960), 40 + rng.random() * 20).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


PHOTOS: list[bytes] = []  # made before the run, so the clients spend no CPU on them


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.by_what: dict[str, list[float]] = defaultdict(list)
        self.status: dict[int, int] = defaultdict(int)
        self.errors: list[str] = []
        self.transitions: dict[str, int] = defaultdict(int)  # target -> successes
        self.conflicts = 0
        self.filed: list[str] = []
        self.uploads_ok = 0
        self.posts: list[float] = []  # every POST but the sign-in, ms
        self.exports: dict[str, int] = defaultdict(int)  # answered / rate_limited / refused

    def add(self, kind: str, ms: float, status: int, what: str) -> None:
        with self.lock:
            self.lat[kind].append(ms)
            self.by_what[re.sub(r"RK-\d{4}-\d{5}", "<code>", what)].append(ms)
            self.status[status] += 1
            if what.startswith("POST") and kind != "login":
                self.posts.append(ms)
            if kind == "export":
                outcome = {200: "answered", 429: "rate_limited"}.get(status, "refused")
                self.exports[outcome] += 1
            if status >= 500:
                self.errors.append(f"{status} {what}")


class Person:
    def __init__(self, port, email, stats: Stats, stop: float, seed: int):
        self.c = Client(port)
        self.email, self.stats, self.stop = email, stats, stop
        self.rng = random.Random(seed)
        self.csrf = ""

    def timed(self, kind, method, path, body=None, headers=None, what=None):
        hdrs = headers or {}
        if method == "POST":
            hdrs = {"Referer": "https://127.0.0.1/", **hdrs}
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        t = time.perf_counter()
        resp = self.c.request(method, path, body, hdrs)
        data = resp.read()
        ms = (time.perf_counter() - t) * 1000
        self.stats.add(kind, ms, resp.status, what or f"{method} {path}")
        if m := CSRF_RE.search(data.decode("utf-8", "replace")):
            self.csrf = m.group(1)
        return resp, data.decode("utf-8", "replace")

    def think(self):
        time.sleep(self.rng.uniform(1.0, 3.0))

    def login(self) -> bool:
        """Sign in through the form, timed; True once signed in."""
        self.timed("page", "GET", "/auth/login", what="GET login")
        body = urlencode({"csrf_token": self.csrf, "login": self.email, "password": PASSWORD})
        resp, _ = self.timed("login", "POST", "/auth/login", body, what="POST login")
        return resp.status == 302

    def run(self):
        while time.monotonic() < self.stop:
            try:
                if self.login():
                    break
            except OSError as exc:
                with self.stats.lock:
                    self.stats.errors.append(f"client: {exc!r}")
            self.think()
        while time.monotonic() < self.stop:
            try:
                self.step()
            except (OSError, RuntimeError) as exc:  # a dropped connection counts as an error
                with self.stats.lock:
                    self.stats.errors.append(f"client: {exc!r}")
            self.think()


class Owner(Person):
    def step(self):
        _r, page = self.timed("page", "GET", "/requests")
        codes = CODE_RE.findall(page)
        if codes:
            self.think()
            self.timed("page", "GET", f"/requests/{self.rng.choice(codes)}", what="GET detail")
        if self.rng.random() < 0.5:
            self.timed("page", "GET", "/notifications")
        if self.rng.random() < 0.25:
            self.think()
            self.file_with_photo()

    def file_with_photo(self):
        _r, form = self.timed("page", "GET", "/requests/new")
        business = re.search(r'name="business_id"[^>]*>\s*<option[^>]*value="(\d+)"', form)
        service = re.search(r'name="service_type_id"[^>]*>.*?<option[^>]*value="(\d+)"', form, re.S)
        if not (business and service):
            raise RuntimeError("new request form not understood")
        body = urlencode(
            {
                "csrf_token": self.csrf,
                "business_id": business.group(1),
                "service_type_id": service.group(1),
                "product_name": "Sambal Matah",
                "product_category": "pangan",
                "brief": "Kemasan baru untuk sambal matah botol 150 ml.",
                "target_market": "lokal",
            }
        )
        self.think()
        resp, _ = self.timed("page", "POST", "/requests/new", body, what="POST new")
        m = CODE_RE.search(resp.headers.get("Location", ""))
        if resp.status != 302 or not m:
            return
        code = m.group(1)
        with self.stats.lock:
            self.stats.filed.append(code)
        boundary = uuid.uuid4().hex
        photo = self.rng.choice(PHOTOS)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{self.csrf}\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nbefore\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="IMG_2026.jpg"\r\nContent-Type: image/jpeg\r\n\r\n',
        ]
        body = "".join(parts).encode() + photo + f"\r\n--{boundary}--\r\n".encode()
        resp, _ = self.timed(
            "upload",
            "POST",
            f"/requests/{code}/files",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
            what="POST files",
        )
        if resp.status == 303:
            _r, page = self.timed("page", "GET", f"/requests/{code}", what="GET detail")
            if "IMG_2026" in page:
                with self.stats.lock:
                    self.stats.uploads_ok += 1


class Staff(Person):
    def step(self):
        self.timed("page", "GET", "/desk")
        self.think()
        _r, page = self.timed("page", "GET", "/requests?status=submitted", what="GET queue")
        codes = CODE_RE.findall(page)
        if not codes:
            return
        code = self.rng.choice(codes[:20])
        for target in ("accepted", "in_design"):
            self.think()
            _r, detail = self.timed("page", "GET", f"/requests/{code}", what="GET detail")
            form = re.search(
                rf'name="target" value="{target}">\s*<input type="hidden" name="version" '
                r'value="(\d+)"',
                detail,
            )
            if not form:
                return  # someone else moved it on
            body = urlencode(
                {"csrf_token": self.csrf, "target": target, "version": form.group(1), "note": ""}
            )
            resp, _ = self.timed(
                "page", "POST", f"/requests/{code}/transition", body, what=f"POST {target}"
            )
            with self.stats.lock:
                if resp.status == 302:
                    self.stats.transitions[target] += 1
                elif resp.status == 409:
                    self.stats.conflicts += 1
            if resp.status != 302:
                return


class Supervisor(Person):
    def step(self):
        self.timed("page", "GET", "/backlog")
        self.think()
        self.timed("page", "GET", "/reports?period=month")
        if self.rng.random() < 0.3:
            self.think()
            self.timed("page", "GET", "/audit")
        if self.rng.random() < 0.4:
            self.think()
            fmt = self.rng.choice(("csv", "xlsx"))
            self.timed("export", "GET", f"/reports/export.{fmt}", what=f"GET export.{fmt}")


# --- checks -----------------------------------------------------------------------------------


def consistency(url: str, started: datetime, stats: Stats) -> dict:
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    if eng.dialect.name == "sqlite":  # stored as text, in the app's format (UTC, no offset)
        started = started.replace(tzinfo=None).isoformat(sep=" ")
    with eng.connect() as conn:
        mismatched = conn.execute(
            text(
                """
                SELECT r.code FROM service_request r
                WHERE r.status IS DISTINCT FROM (
                    SELECT to_status FROM request_event
                    WHERE request_id = r.id AND kind = 'status' ORDER BY id DESC LIMIT 1
                )
                """
            )
        ).all()
        without_event = conn.execute(
            text(
                "SELECT count(*) FROM service_request r WHERE NOT EXISTS (SELECT 1 FROM"
                " request_event e WHERE e.request_id = r.id AND e.kind = 'status')"
            )
        ).scalar()
        events = dict(
            conn.execute(
                text(
                    "SELECT to_status, count(*) FROM request_event WHERE kind = 'status'"
                    " AND created_at >= :t AND to_status IN ('accepted', 'in_design')"
                    " GROUP BY to_status"
                ),
                {"t": started},
            ).all()
        )
        filed_rows = conn.execute(
            text("SELECT count(*) FROM service_request WHERE submitted_at >= :t"), {"t": started}
        ).scalar()
        photos = conn.execute(
            text(
                "SELECT count(DISTINCT f.request_id) FROM design_file f JOIN service_request r"
                " ON r.id = f.request_id WHERE f.kind = 'before' AND r.submitted_at >= :t"
            ),
            {"t": started},
        ).scalar()
    eng.dispose()
    return {
        "status_mismatches": len(mismatched),
        "requests_without_status_event": without_event,
        "events_accepted": events.get("accepted", 0),
        "events_in_design": events.get("in_design", 0),
        "client_accepted": stats.transitions["accepted"],
        "client_in_design": stats.transitions["in_design"],
        "conflicts_409": stats.conflicts,
        "filed_rows": filed_rows,
        "client_filed": len(stats.filed),
        "requests_with_photo": photos,
        "client_uploads_ok": stats.uploads_ok,
    }


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, max(0, int(len(values) * p + 0.5) - 1))], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=int, default=120)
    ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    args = ap.parse_args()
    if args.db == "sqlite":
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        args.url = f"sqlite:///{SQLITE_FILE}"
    n_staff = max(1, args.users * 3 // 10)
    n_sup = max(1, args.users // 10)
    n_owner = args.users - n_staff - n_sup
    say(f"preparing {args.url.rsplit('/', 1)[-1]}: {n_owner} owners, {n_staff} staff, {n_sup} sup")
    people = prepare(args.url, n_owner + 10, n_staff, n_sup, per_owner=4)
    upload_dir = ROOT / "instance" / "load-uploads"
    import shutil

    shutil.rmtree(upload_dir, ignore_errors=True)
    PHOTOS.extend(_photo(i) for i in range(6))
    say(f"photos: {', '.join(f'{len(p) // 1024} KB' for p in PHOTOS)}")
    port = free_port()
    proc = serve(args.url, port)
    stats = Stats()
    try:
        started = datetime.now(UTC)
        stop = time.monotonic() + args.duration
        crowd: list[Person] = []
        for i in range(n_owner):
            crowd.append(Owner(port, people["owner"][i], stats, stop, i))
        for i in range(n_staff):
            crowd.append(Staff(port, people["staff"][i], stats, stop, 1000 + i))
        for i in range(n_sup):
            crowd.append(Supervisor(port, people["supervisor"][i], stats, stop, 2000 + i))
        say(f"running {len(crowd)} users for {args.duration} s, gunicorn {' '.join(GUNICORN)}")
        threads = []
        for person in crowd:  # arrive over ~5 s, as people do
            t = threading.Thread(target=person.run, daemon=True)
            t.start()
            threads.append(t)
            time.sleep(5 / len(crowd))
        for t in threads:
            t.join(args.duration + 120)
        elapsed = (datetime.now(UTC) - started).total_seconds()
    finally:
        proc.terminate()
        proc.wait(30)
    checks = consistency(args.url, started, stats)
    total = sum(len(v) for v in stats.lat.values())
    result = {
        "when": started.isoformat(),
        "users": len(crowd),
        "duration_s": args.duration,
        "gunicorn": " ".join(GUNICORN),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "status_counts": {str(k): v for k, v in sorted(stats.status.items())},
        "errors_5xx": sum(v for k, v in stats.status.items() if k >= 500),
        "client_errors": [e for e in stats.errors if e.startswith("client")][:20],
        "server_errors": stats.errors[:20],
        "latency_ms": {
            kind: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "max": pct(v, 1.0)}
            for kind, v in sorted(stats.lat.items())
        },
        "post_p95_ms": pct(stats.posts, 0.95),
        "exports": dict(stats.exports),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "database": args.db,
        "by_action_ms": {
            what: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95)}
            for what, v in sorted(stats.by_what.items())
        },
        "checks": checks,
    }
    lat = result["latency_ms"]
    verdicts = {
        "zero 5xx": result["errors_5xx"] == 0 and not result["client_errors"],
        "pages p95 < 500 ms": lat.get("page", {}).get("p95", 0) < 500
        and lat.get("export", {}).get("p95", 0) < 500,
        "uploads p95 < 2 s": lat.get("upload", {}).get("p95", 0) < 2000,
        "status = last status event": checks["status_mismatches"] == 0
        and checks["requests_without_status_event"] == 0,
        "no lost update": checks["events_accepted"] == checks["client_accepted"]
        and checks["events_in_design"] == checks["client_in_design"]
        and checks["filed_rows"] == checks["client_filed"]
        and checks["requests_with_photo"] == checks["client_uploads_ok"],
    }
    result["verdicts"] = verdicts
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")

    say("")
    say(f"{'kind':<8} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, v in lat.items():
        say(f"{kind:<8} {v['n']:>6} {v['p50']:>8} {v['p95']:>8} {v['max']:>8}")
    say("")
    for what, v in sorted(result["by_action_ms"].items(), key=lambda kv: -kv[1]["p95"]):
        say(f"  {what:<40} n={v['n']:<5} p50={v['p50']:<8} p95={v['p95']}")
    say(f"\n{total} requests, {result['rps']} req/s, status codes {result['status_counts']}")
    ex = result["exports"]
    say(
        f"database {args.db}: 5xx {result['errors_5xx']}, POST p95 {result['post_p95_ms']} ms,"
        f" sign-in p95 {lat.get('login', {}).get('p95', 0)} ms, exports answered"
        f" {ex.get('answered', 0)} / rate-limited {ex.get('rate_limited', 0)} / refused"
        f" {ex.get('refused', 0)}, load average {result['load_average']}"
    )
    for key, value in checks.items():
        say(f"  {key:<32} {value}")
    for name, ok in verdicts.items():
        say(f"  {'PASS' if ok else 'FAIL'}  {name}")
    say(f"written: {RESULTS / 'load.json'}")
    if not all(verdicts.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
