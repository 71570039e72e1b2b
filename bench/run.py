"""`make bench`: datasets, gunicorn in production config, a concurrent load generator, a table.

Usage: python -m bench.run [--large N] [--duration S] [--concurrency C]
SQLite always; PostgreSQL too when BENCH_POSTGRES_URL is set. Writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGES = (
    "login",
    "requests_list",
    "requests_deep",
    "request_detail",
    "desk",
    "backlog",
    "reports",
    "search",
    "search_rare",
)
STARTED = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f}s] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, n: int) -> dict:
    """A fresh migrated database with reference data and a generated dataset of n requests."""
    os.environ["FLASK_CONFIG"] = "testing"
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    if url.startswith("postgresql"):
        eng = create_engine(url)
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        eng.dispose()
    from bench.generate import generate
    from rumah_kemasan import create_app
    from rumah_kemasan.extensions import db
    from rumah_kemasan.reference_data import load_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_all()
        db.session.commit()
        info = generate(n)
        from sqlalchemy import select

        from rumah_kemasan.accounts.models import User
        from rumah_kemasan.service_requests.models import ServiceRequest

        staff = db.session.scalar(select(User).where(User.email == info["staff_email"]))
        ids = db.session.execute(
            select(ServiceRequest.id, ServiceRequest.code, ServiceRequest.submitted_at)
            .where(ServiceRequest.unit_id == staff.unit_id)
            .order_by(ServiceRequest.submitted_at.desc(), ServiceRequest.id.desc())
            .offset(n // 10 // 2)
            .limit(1)
        ).one()
        info["deep_cursor"] = f"{ids.submitted_at.isoformat()}_{ids.id}"
        info["detail_code"] = ids.code
        info["rows"] = n
        db.session.remove()
        db.engine.dispose()
    return info


class Client:
    """A tiny keep-alive HTTP client with a cookie jar, signed in through the real form."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None):
        h = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"} | (headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=h)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=h)
            resp = self.conn.getresponse()
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return resp

    def get(self, path):
        resp = self.request("GET", path)
        data = resp.read()
        return resp, data

    def login(self, email: str, password: str) -> None:
        _resp, page = self.get("/auth/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(
            rb'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page
        )
        body = urlencode(
            {"csrf_token": token.group(1).decode(), "login": email, "password": password}
        )
        resp = self.request(
            "POST",
            "/auth/login",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "https://127.0.0.1/auth/login",
            },
        )
        resp.read()
        if resp.status != 302:
            raise RuntimeError(f"login failed for {email}: {resp.status}")


def measure(port, path, who, info, duration, concurrency) -> dict:
    from bench.generate import PASSWORD

    clients = []
    for _ in range(concurrency):
        c = Client(port)
        if who:
            c.login(info[who], PASSWORD)
        c.get(path)  # warm-up
        clients.append(c)
    lat: list[float] = []
    queries: list[int] = []
    errors = [0]
    stop = time.monotonic() + duration
    lock = threading.Lock()

    def worker(c):
        mine, q = [], []
        while time.monotonic() < stop:
            t = time.perf_counter()
            resp, _ = c.get(path)
            mine.append((time.perf_counter() - t) * 1000)
            q.append(int(resp.headers.get("X-Query-Count", "0")))
            if resp.status != 200:
                errors[0] += 1
        with lock:
            lat.extend(mine)
            queries.extend(q)

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat.sort()
    return {
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": round(statistics.median(lat), 1),
        "p95_ms": round(lat[int(len(lat) * 0.95) - 1], 1),
        "queries": max(queries) if queries else None,
        "errors": errors[0],
    }


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(url: str, port: int, workers: int = 2):
    env = os.environ | {
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TRUSTED_HOSTS": "127.0.0.1",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
            "bench.wsgi_bench:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def page_paths(info) -> dict[str, tuple[str, str | None]]:
    return {
        "login": ("/auth/login", None),
        "requests_list": ("/requests", "staff_email"),
        "requests_deep": ("/requests?" + urlencode({"after": info["deep_cursor"]}), "staff_email"),
        "request_detail": (f"/requests/{info['detail_code']}", "staff_email"),
        "desk": ("/desk", "staff_email"),
        "backlog": ("/backlog", "sup_email"),
        "reports": ("/reports?period=month", "sup_email"),
        "search": ("/requests?q=kopi", "staff_email"),
        # A word that matches nothing: the search must look at every row of the unit.
        "search_rare": ("/requests?q=zzqx", "staff_email"),
    }


def bench_database(name: str, url: str, sizes: dict[str, int], args) -> dict:
    out = {"sizes": sizes, "pages": {p: {} for p in PAGES}}
    for size, n in sizes.items():
        say(f"\n== {name} / {size}: generating {n:,} requests")
        t = time.monotonic()
        info = prepare(url, n)
        say(f"   dataset ready in {time.monotonic() - t:.0f}s")
        port = free_port()
        proc = serve(url, port)
        try:
            for page, (path, who) in page_paths(info).items():
                r = measure(port, path, who, info, args.duration, args.concurrency)
                out["pages"][page][size] = r
                say(
                    f"   {page:15s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "  # noqa: E501
                    f"queries {r['queries']}  errors {r['errors']}"
                )
            if size == "large" or len(sizes) == 1:
                from bench.generate import PASSWORD

                c = Client(port)
                c.login(info["admin_email"], PASSWORD)
                t0 = time.perf_counter()
                resp = c.request("GET", "/reports/export.csv")
                rows = 0
                while chunk := resp.read(1 << 20):
                    rows += chunk.count(b"\n")
                secs = time.perf_counter() - t0
                rss = max((peak_rss_mb(p) for p in worker_pids(proc.pid)), default=0)
                out["export_csv"] = {
                    "rows": rows - 1,
                    "rows_per_s": round((rows - 1) / secs),
                    "peak_rss_mb": round(rss, 1),
                    "status": resp.status,
                }
                say(
                    f"   export_csv      {rows - 1:,} rows in {secs:.1f}s = {(rows - 1) / secs:,.0f} rows/s, worker peak RSS {rss:.0f} MB"  # noqa: E501
                )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    return out


def table(results: dict) -> None:
    """The figures as a plain-text table (also pasted into bench/README.md)."""
    print(
        "\ndatabase    page            size       rps   p50 ms   p95 ms  queries  "
        "p50 large/small  rps/login",
        flush=True,
    )
    for db_name, data in results["databases"].items():
        pages = data["pages"]
        for page in PAGES:
            for size in data["sizes"]:
                r = pages[page].get(size)
                if not r:
                    continue
                login = pages["login"].get(size) or {}
                small = pages[page].get("small")
                flat = f"{r['p50_ms'] / small['p50_ms']:.2f}" if size == "large" and small else ""
                vs_login = f"{r['rps'] / login['rps']:.2f}" if login.get("rps") else ""
                err = f"  errors {r['errors']}" if r.get("errors") else ""
                print(
                    f"{db_name:11s} {page:15s} {size:5s} {r['rps']:9.1f} {r['p50_ms']:8.1f} "
                    f"{r['p95_ms']:8.1f} {r['queries']!s:>8s} {flat:>16s} {vs_login:>10s}{err}",
                    flush=True,
                )
        if "export_csv" in data:
            e = data["export_csv"]
            print(
                f"{db_name:11s} export_csv: {e['rows']:,} rows, {e['rows_per_s']:,} rows/s, "
                f"worker peak RSS {e['peak_rss_mb']} MB",
                flush=True,
            )
    if results.get("photo_intake"):
        print(f"photo_intake: {_photo_line(results['photo_intake'])}", flush=True)


def _photo_line(p: dict) -> str:
    return (
        f"{p['megapixels']} MP, {p['file_mb']} MB: intake {p['intake_ms']} ms, decode "
        f"{p['decode_ms']} ms, ratio {p['ratio']} (best of {p['runs']}); peak RSS +"
        f"{p['peak_rss_mb']} MB (decode +{p['decode_peak_rss_mb']} MB), tracemalloc "
        f"{p['tracemalloc_peak_mb']} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=1_000_000, help="0 skips the large dataset")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = {"small": args.small} | ({"large": args.large} if args.large else {})
    work = RESULTS / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    databases = {"sqlite": f"sqlite:///{work / 'bench.sqlite'}"}
    pg = os.environ.get("BENCH_POSTGRES_URL")
    if pg:
        databases["postgresql"] = "postgresql+psycopg://" + pg.split("://", 1)[1]
    results = {"databases": {}, "photo_intake": None}
    started = time.monotonic()
    say("== photo intake: a 12-megapixel phone JPEG, clean_image against a plain decode")
    from bench.photo import photo_intake

    results["photo_intake"] = photo_intake()
    say(f"   {_photo_line(results['photo_intake'])}")
    for name, url in databases.items():
        results["databases"][name] = bench_database(name, url, sizes, args)
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    table(results)
    say(f"\ntotal {time.monotonic() - started:.0f}s; written {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
