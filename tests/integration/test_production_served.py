"""The production configuration, served for real: gunicorn behind a reverse proxy, over HTTP.

`wsgi:app` runs under gunicorn with FLASK_CONFIG=production and the settings of
docs/deploy.md (SECRET_KEY, TRUSTED_HOSTS, BASE_URL, gthread workers, --forwarded-allow-ips),
on a migrated database (SQLite file; a dedicated PostgreSQL database when TEST_DATABASE_URL is
set). In front of it a small threaded proxy does what the nginx of docs/deploy.md does: it
passes `Host $host` and sets X-Forwarded-For/-Proto/-Host, overwriting whatever the client
sent, and says https (it stands for nginx's TLS server). A few checks talk to gunicorn directly
with hand-made forwarded headers: a spoofed X-Forwarded-Host, and the 413 (the proxy would
wait for a body the app refuses without reading).

What a user (or an attacker) would notice: HSTS, the cookie flags, CSP and the other headers on
pages, downloads and error pages; a foreign Host refused; links in e-mails and PDFs built from
BASE_URL whatever Host the request came with; CSRF enforced.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from rumah_kemasan import create_app
from rumah_kemasan.extensions import db
from tests.conftest import _TEST_CONFIG, BACKENDS_RUN, PASSWORD, _pg_url, png_bytes

ROOT = Path(__file__).resolve().parents[2]
HOST = "rumahkemasan.example.go.id"
ALIAS = "cadangan.example.go.id"  # trusted too, but links must still use BASE_URL
FOREIGN = "evil.example.com"
BASE = f"https://{HOST}"
GUNICORN = [
    "--workers", "2", "--worker-class", "gthread", "--threads", "4",
    "--timeout", "60", "--graceful-timeout", "30", "--keep-alive", "5",
    "--forwarded-allow-ips", "127.0.0.1",
    "--access-logfile", "-", "--error-logfile", "-",
]  # fmt: skip
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade",
}  # fmt: skip


# --- HTTP without a framework -------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookies(self) -> dict[str, str]:
        """Set-Cookie headers by cookie name (the whole header, flags included)."""
        return {c.split("=", 1)[0]: c for c in self.headers.get_all("Set-Cookie") or []}


def fetch(port, method, path, *, host=HOST, headers=None, body=None) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None and "Content-Length" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


@dataclass
class Browser:
    """A client that keeps cookies (sent whatever their flags: we check the flags ourselves)."""

    port: int
    host: str = HOST
    jar: dict[str, str] = field(default_factory=dict)

    def request(self, method, path, *, form=None, headers=None) -> Answer:
        headers = dict(headers or {})
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = fetch(self.port, method, path, host=self.host, headers=headers, body=body)
        for name, cookie in answer.cookies().items():
            value = cookie.split(";", 1)[0].split("=", 1)[1]
            if value and "max-age=0" not in cookie.lower():
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        return answer

    def get(self, path, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def token(self, path) -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def post(self, path, form, *, token=True) -> Answer:
        """A form post as a browser sends it on https: with the page's token and Referer."""
        if token:
            form = form | {"csrf_token": self.token(path)}
        referer = {"Referer": f"https://{self.host}{path}"}
        return self.request("POST", path, form=form, headers=referer)

    def sign_in(self, login, *, remember=False) -> Answer:
        form = {"login": login, "password": PASSWORD} | ({"remember": "y"} if remember else {})
        answer = self.post("/auth/login", form)
        assert answer.status == 302, (answer.status, answer.text[:300])
        return answer


# --- the reverse proxy (nginx of docs/deploy.md, without TLS) -----------------------------


def start_proxy(upstream: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            # nginx's $host: the Host header's name, lower case, without the port.
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in HOP_BY_HOP
                and not k.lower().startswith("x-forwarded-")
                and k.lower() != "host"
            }
            headers |= {
                "X-Forwarded-For": self.client_address[0],
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": host,
            }
            answer = fetch(upstream, self.command, self.path, host=host, headers=headers, body=body)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- the served application ---------------------------------------------------------------


@dataclass
class Served:
    backend: str
    url: str
    port: int  # gunicorn itself
    proxy: int  # the reverse proxy in front of it
    owner_email: str
    staff_email: str
    code: str
    file_id: int

    def browser(self, host=HOST) -> Browser:
        return Browser(self.proxy, host)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _database(backend: str, tmp: Path):
    """A migrated database of its own: an SQLite file, or rk_…_served on PostgreSQL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'served.sqlite'}"
        return
    url = _pg_url()
    if not url:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL to run these tests")
    name = f"{make_url(url).database}_served"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seed(url: str, upload_dir: Path) -> dict:
    """Schema, reference data, an owner with a request and a photo, a staff member."""
    from flask_migrate import upgrade

    from rumah_kemasan.accounts.models import Business, BusinessScale, ProductCategory, Unit, User
    from rumah_kemasan.database import utcnow
    from rumah_kemasan.designs import services as designs
    from rumah_kemasan.designs.models import DesignKind
    from rumah_kemasan.reference_data import load_all
    from rumah_kemasan.roles import Role
    from rumah_kemasan.service_requests import services
    from rumah_kemasan.service_requests.models import ServiceType

    app = create_app(
        _TEST_CONFIG
        | {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(upload_dir), "TESTING": True}
    )
    with app.app_context():
        upgrade()
        load_all()
        unit = db.session.scalar(select(Unit).where(Unit.slug == "denpasar"))
        people = {}
        for role, email, phone in (
            (Role.OWNER, "pemilik@example.com", "6281300000001"),
            (Role.STAFF, "petugas@example.com", "6281300000002"),
        ):
            user = User(
                role=role,
                full_name=f"{role.value.title()} Served",
                email=email,
                phone=phone,
                unit=unit if role is Role.STAFF else None,
                consent_at=utcnow(),
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            people[role] = user
        db.session.flush()
        business = Business(
            owner_id=people[Role.OWNER].id,
            unit_id=unit.id,
            name="Warung Served",
            category=ProductCategory.PANGAN,
            scale=BusinessScale.MIKRO,
        )
        db.session.add(business)
        db.session.flush()
        req = services.file_request(
            services.RequestInput(
                business=business,
                service_type=db.session.scalar(
                    select(ServiceType).where(ServiceType.code == "DESAIN-LOGO")
                ),
                product_name="Keripik Pisang",
                product_category="pangan",
                brief="Label baru untuk keripik",
                target_market="lokal",
                quantity=100,
                packaging_type="Standing pouch",
            ),
            people[Role.OWNER],
        )
        photo = designs.upload(req, people[Role.OWNER], DesignKind.BEFORE, "lama.png", png_bytes())
        db.session.commit()
        seeded = {"code": req.code, "file_id": photo.id}
        db.session.remove()
        db.engine.dispose()
    return seeded


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _wait_ready(proc: subprocess.Popen, port: int, log: Path) -> None:
    """Poll /healthz until gunicorn answers; fail with its log if it exits or never does."""
    for _ in range(300):
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if fetch(port, "GET", "/healthz").status == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not become ready:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"served-{request.param}")
    with _database(request.param, tmp) as url:
        seeded = _seed(url, tmp / "uploads")
        port = _free_port()
        env = os.environ | {
            "FLASK_APP": "wsgi:app",
            "FLASK_CONFIG": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "INSTANCE_PATH": str(tmp / "instance"),
            "BASE_URL": BASE,
            "TRUSTED_HOSTS": f"{HOST},{ALIAS}",
            "PYTHONPATH": str(ROOT),
        }
        for name in ("SESSION_COOKIE_SECURE", "MAX_CONTENT_LENGTH", "FLASK_DEBUG"):
            env.pop(name, None)  # the production defaults, not whatever the shell has
        log = tmp / "gunicorn.log"
        bind = ["--bind", f"127.0.0.1:{port}"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", *GUNICORN, *bind, "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole below
            )
        proxy = None
        try:
            _wait_ready(proc, port, log)
            proxy = start_proxy(port)
            BACKENDS_RUN.add(request.param)
            yield Served(
                request.param,
                url,
                port,
                proxy.server_address[1],
                "pemilik@example.com",
                "petugas@example.com",
                seeded["code"],
                seeded["file_id"],
            )
        finally:
            if proxy is not None:
                proxy.shutdown()
                proxy.server_close()
            _stop(proc)


# --- checks -------------------------------------------------------------------------------


def security_problems(answer: Answer, *, download=False) -> list[str]:
    """What is missing from the headers every response must carry (empty: all there)."""
    h = answer.headers
    problems = []
    csp = h.get("Content-Security-Policy") or ""
    if "frame-ancestors 'none'" not in csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP {csp!r}")
    if download and ("sandbox" not in csp or "default-src 'none'" not in csp):
        problems.append(f"download CSP {csp!r}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    for name, value in expected.items():
        if h.get_all(name) != [value]:
            problems.append(f"{name} {h.get_all(name)!r}")
    hsts = h.get_all("Strict-Transport-Security") or []
    if len(hsts) != 1 or not re.fullmatch(r"max-age=31536000(; includeSubDomains)?", hsts[0]):
        problems.append(f"HSTS {hsts!r}")
    if "Server: Werkzeug" in str(h) or "Traceback" in answer.text:
        problems.append("debug details")
    return problems


def flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_pages_carry_hsts_csp_and_the_security_headers(served):
    anonymous = served.browser()
    for path in ("/", "/auth/login", "/track", "/healthz"):
        page = anonymous.get(path)
        assert page.status == 200, (path, page.status)
        assert not security_problems(page), (path, security_problems(page))
    owner = served.browser()
    owner.sign_in(served.owner_email)
    for path in ("/account", f"/requests/{served.code}"):
        page = owner.get(path)
        assert page.status == 200, (path, page.status)
        assert not security_problems(page), (path, security_problems(page))
        assert page.headers["Cache-Control"] == "no-store", path


def test_file_downloads_carry_the_headers(served):
    staff = served.browser()
    staff.sign_in(served.staff_email)
    for path in (f"/files/{served.file_id}", f"/requests/{served.code}/receipt.pdf"):
        answer = staff.get(path)
        assert answer.status == 200, (path, answer.status)
        assert answer.headers["Content-Disposition"].startswith("attachment"), path
        assert answer.headers["Cache-Control"] == "no-store", path
        problems = security_problems(answer, download=path.startswith("/files/"))
        assert not problems, (path, problems)
    assert staff.get(f"/files/{served.file_id}").body.startswith(b"\x89PNG")
    assert served.browser().get(f"/files/{served.file_id}").status == 302  # signed out


def test_error_pages_carry_the_headers(served):
    anonymous = served.browser()
    errors = {
        404: anonymous.get("/no-such-page"),
        405: anonymous.get("/auth/logout"),  # POST only
        400: anonymous.post("/auth/login", {"login": "x", "password": "y"}, token=False),
    }
    # Over the limit: the app answers 413 from Content-Length, without reading the body (so
    # gunicorn is asked directly; the proxy would wait for the 25 MB first).
    errors[413] = fetch(
        served.port,
        "POST",
        "/auth/login",
        headers={
            "X-Forwarded-For": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": HOST,
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(25 * 1024 * 1024 + 1),
        },
    )
    for code, answer in errors.items():
        assert answer.status == code, (code, answer.status, answer.text[:300])
        assert "text/html" in answer.headers["Content-Type"], code
        assert not security_problems(answer), (code, security_problems(answer))


def test_sign_in_with_remember_sets_hardened_cookies(served):
    browser = served.browser()
    answer = browser.sign_in(served.owner_email, remember=True)
    cookies = answer.cookies()
    for name in ("session", "remember_token"):
        assert name in cookies, cookies
        assert {"secure", "httponly", "samesite=lax"} <= flags(cookies[name]), cookies[name]
    assert not security_problems(answer)
    # The remember cookie alone brings the owner back (a new browser session).
    returning = served.browser()
    returning.jar = {"remember_token": browser.jar["remember_token"]}
    account = returning.get("/account")
    assert account.status == 200 and served.owner_email in account.text
    assert {"secure", "httponly", "samesite=lax"} <= flags(account.cookies()["session"])


def test_csrf_is_enforced(served):
    browser = served.browser()
    refused = browser.post(
        "/auth/login", {"login": served.owner_email, "password": PASSWORD}, token=False
    )
    assert refused.status == 400
    assert browser.get("/account").status == 302  # not signed in
    browser.sign_in(served.owner_email)
    # Signed in: a POST without the token (the forged cross-site form) changes nothing.
    assert browser.post("/auth/logout", {}, token=False).status == 400
    assert browser.get("/account").status == 200  # still signed in
    # The right token from another origin (Referer) is refused too on https.
    token = browser.token("/account")
    forged = browser.request(
        "POST",
        "/auth/logout",
        form={"csrf_token": token},
        headers={"Referer": f"https://{FOREIGN}/"},
    )
    assert forged.status == 400
    assert browser.get("/account").status == 200


def test_foreign_host_is_refused(served):
    via_proxy = served.browser(host=FOREIGN).get("/auth/login")
    assert via_proxy.status == 400
    assert not security_problems(via_proxy)
    for forwarded in (FOREIGN, f"{HOST}, {FOREIGN}"):  # one hop trusted: the last one counts
        direct = fetch(
            served.port,
            "GET",
            "/auth/login",
            headers={
                "X-Forwarded-For": "127.0.0.1",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": forwarded,
            },
        )
        assert direct.status == 400, forwarded
        assert FOREIGN not in direct.text
    # The same request from a trusted host is served (the refusal is about the host).
    assert served.browser(host=ALIAS).get("/auth/login").status == 200


URL = re.compile(r"https?://[^\s\"'<>]+")


def test_reset_email_links_come_from_base_url_whatever_the_host(served):
    engine = create_engine(served.url)
    try:
        for host in (ALIAS, HOST):
            browser = served.browser(host=host)
            answer = browser.post("/auth/reset", {"login": served.owner_email})
            assert answer.status == 200, answer.status
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT body_text, body_html FROM outbox_email WHERE to_address = :to"),
                {"to": served.owner_email},
            ).all()
    finally:
        engine.dispose()
    resets = [r for r in rows if "/auth/reset/" in r.body_text]
    assert len(resets) >= 2, rows
    for body_text, body_html in resets:
        links = URL.findall(body_text) + URL.findall(body_html or "")
        assert links and all(link.startswith(f"{BASE}/") for link in links), links
        assert ALIAS not in body_text + (body_html or "")
        assert "127.0.0.1" not in body_text + (body_html or "")


def test_receipt_pdf_links_come_from_base_url_whatever_the_host(served):
    expected = f"{BASE}/track?code={served.code}"
    owner = served.browser(host=ALIAS)
    owner.sign_in(served.owner_email)
    answers = [owner.get(f"/requests/{served.code}/receipt.pdf")]
    # Straight to gunicorn with a trusted forwarded host other than BASE_URL's.
    answers.append(
        fetch(
            served.port,
            "GET",
            f"/requests/{served.code}/receipt.pdf",
            headers={
                "X-Forwarded-For": "127.0.0.1",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": ALIAS,
                "Cookie": "; ".join(f"{k}={v}" for k, v in owner.jar.items()),
            },
        )
    )
    for answer in answers:
        assert answer.status == 200 and answer.headers["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(answer.body))
        pdf_text = "\n".join(page.extract_text() for page in reader.pages)
        assert expected in pdf_text.replace("\n", ""), pdf_text
        assert ALIAS not in pdf_text and "127.0.0.1" not in pdf_text
        qr = zxingcpp.read_barcodes(reader.pages[0].images[0].image)
        assert [c.text for c in qr] == [expected]
