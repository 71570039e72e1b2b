"""CSRF on every state-changing route, no state change on GET, security headers on every
response (error pages included), cookie flags and no caching of signed-in pages.

Sessions (timeouts, replay after logout, throttling) are in test_accounts.py and
test_config_and_concurrency.py; this file covers every route, not a sample.
"""

from __future__ import annotations

import io
import re

from rumah_kemasan import create_app
from rumah_kemasan.extensions import db
from rumah_kemasan.service_requests.models import ServiceRequest
from tests.conftest import PASSWORD, login, png_bytes
from tests.integration.security_world import (
    ROLES,
    build_world,
    business_form,
    checklist_form,
    diff,
    fill,
    request_form,
    rule_methods,
    snapshot,
    survey_form,
)

NEW_PASSWORD = "anyar-kemasan-2026!"


def _version(world) -> str:
    db.session.rollback()
    return str(db.session.get(ServiceRequest, world.req.id).version)


def _other_staff(world) -> dict:
    return {"user_id": world.users["staff_other"].id}


# A valid post for every state-changing route: (who posts it, URL overrides, form data).
# With a token these would act; without one every one of them must be refused.
UNIT_FORM = {
    "name": "Rumah Kemasan Kabupaten Sleman",
    "province": "DI Yogyakarta",
    "city": "Kabupaten Sleman",
    "timezone": "Asia/Jakarta",
}

POSTS = {
    "/auth/login": (
        "anonymous",
        None,
        lambda w: {"login": w.users["owner_a"].email, "password": PASSWORD},
    ),
    "/auth/register": (
        "anonymous",
        None,
        lambda w: {
            "full_name": "Pemilik Baru",
            "phone": "0812-7000-1111",
            "email": "baru@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "consent": "y",
        },
    ),
    "/auth/logout": ("owner_a", None, lambda w: {}),
    "/auth/password": (
        "owner_a",
        None,
        lambda w: {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "/auth/reset": ("anonymous", None, lambda w: {"login": w.users["owner_a"].email}),
    "/auth/reset/<token>": (
        "anonymous",
        None,
        lambda w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "/account": ("owner_a", None, lambda w: {"full_name": "Nama Baru", "locale": "en"}),
    "/account/businesses/new": ("owner_a", None, lambda w: business_form(w.req.business.area_id)),
    "/account/businesses/<int:business_id>": (
        "owner_a",
        None,
        lambda w: business_form(w.req.business.area_id, name="Nama Usaha Baru"),
    ),
    "/account/data/export": ("owner_a", None, lambda w: {}),
    "/account/notifications": ("owner_a", None, lambda w: {"owner_question": "never"}),
    "/account/data/delete": ("owner_b", None, lambda w: {"password": PASSWORD, "confirm": "y"}),
    "/lang/<code>": ("owner_a", None, lambda w: {}),
    "/track": (
        "anonymous",
        None,
        lambda w: {"code": w.req.code, "last4": w.users["owner_a"].phone[-4:]},
    ),
    "/requests/new": (
        "owner_a",
        None,
        lambda w: request_form(w.req.business_id, w.req.service_type_id),
    ),
    "/requests/<code>/edit": (
        "owner_b",
        lambda w: {"code": w.req_b.code},
        lambda w: request_form(
            w.req_b.business_id, w.req_b.service_type_id, product_name="Arak Baru"
        ),
    ),
    "/requests/<code>/transition": (
        "staff",
        None,
        lambda w: {"target": "completed", "version": _version(w)},
    ),
    "/requests/<code>/comments": ("owner_a", None, lambda w: {"text": "Kapan selesai?"}),
    "/requests/<code>/assign": (
        "supervisor",
        None,
        lambda w: {
            "assignee_id": w.users["staff"].id,
            "reason": "Beban kerja",
            "version": _version(w),
        },
    ),
    "/requests/<code>/owner-link": ("staff", None, lambda w: {}),
    "/requests/<code>/owner-recovery": (
        "staff",
        None,
        lambda w: {"document": "ktp", "last4": "1234", "reason": "Lupa", "confirm": "y"},
    ),
    "/recoveries/<int:recovery_id>/decide": ("supervisor", None, lambda w: {"decision": "approve"}),
    "/recoveries/<int:recovery_id>/link": ("staff", None, lambda w: {}),
    "/requests/<code>/files": (
        "staff",
        None,
        lambda w: {"kind": "final", "files": (io.BytesIO(png_bytes()), "final-2.png")},
    ),
    "/requests/<code>/checklist/<int:file_id>": (
        "staff",
        lambda w: {"file_id": w.proof.id},
        lambda w: checklist_form(),
    ),
    "/requests/<code>/handover": ("staff", None, lambda w: {"received_by": "Ni Made Ayu"}),
    "/requests/<code>/survey": (
        "owner_a",
        lambda w: {"code": w.done.code},
        lambda w: survey_form("Bagus"),
    ),
    "/notifications/<int:notification_id>/read": ("owner_a", None, lambda w: {}),
    "/notifications/read-all": ("owner_a", None, lambda w: {}),
    "/admin/units/new": ("admin", None, lambda w: UNIT_FORM),
    "/admin/units/<int:unit_id>": ("supervisor", None, lambda w: UNIT_FORM | {"name": "RK Baru"}),
    "/admin/units/<int:unit_id>/areas": (
        "supervisor",
        None,
        lambda w: {"file": (io.BytesIO(b",Denpasar Selatan,Sesetan Kaja,desa\n"), "areas.csv")},
    ),
    "/admin/units/<int:unit_id>/services/<code>": (
        "supervisor",
        lambda w: {"code": "DESAIN-LOGO"},
        lambda w: {
            "enabled": "y",
            "sla_days": "9",
            "free_revisions": "2",
            "documents_required": "",
        },
    ),
    # /admin/users: the admin acts on staff of the other unit, whose client posts nothing later
    "/admin/users/invite": (
        "supervisor",
        None,
        lambda w: {"full_name": "Desainer Undangan", "phone": "0812-7000-2222", "role": "staff"},
    ),
    "/admin/users/<int:user_id>/disable": ("admin", _other_staff, lambda w: {"reason": "Keluar"}),
    "/admin/users/<int:user_id>/enable": ("admin", _other_staff, lambda w: {}),
    "/admin/users/<int:user_id>/reinvite": ("admin", _other_staff, lambda w: {}),
    "/admin/users/<int:user_id>/role": (
        "admin",
        _other_staff,
        lambda w: {
            "role": "supervisor",
            "unit_id": str(w.users["staff_other"].unit_id),
            "reason": "Kepala baru",
        },
    ),
    # The import: an upload of a tiny CSV (it reaches the check; its problems are listed) and a
    # confirmation naming no staged file (it goes back to the page).
    "/admin/import": (
        "supervisor",
        None,
        lambda w: {"file": (io.BytesIO(b"nama_pemilik\nx\n"), "data.csv")},
    ),
    "/admin/import/confirm": ("supervisor", None, lambda w: {"token": "0" * 32}),
    # A unit's holidays: a local day off on a weekday, and undoing a change (none: refused).
    "/admin/units/<int:unit_id>/holidays": (
        "supervisor",
        None,
        lambda w: {"day": "2030-01-02", "name": "Hari libur lokal"},
    ),
    "/admin/units/<int:unit_id>/holidays/change": (
        "supervisor",
        None,
        lambda w: {"day": "2030-01-03", "action": "undo"},
    ),
}
SAFE = {"GET", "HEAD", "OPTIONS"}


def _world(make_user, make_request, make_business, add_file, other_unit):
    return build_world(make_user, make_request, make_business, add_file, other_unit)


def _clients(app, world) -> dict:
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if world.users[role] is not None:
            assert login(clients[role], world.users[role]).status_code == 302
    return clients


def _token(client) -> str:
    html = client.get("/auth/reset").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_every_state_changing_route_needs_a_csrf_token(
    app, make_user, make_request, make_business, add_file, other_unit
):
    unsafe = sorted({rule for rule, method in rule_methods(app) if method not in SAFE})
    missing = [rule for rule in unsafe if rule not in POSTS]
    assert not missing, f"add a valid post for these routes to POSTS: {missing}"

    world = _world(make_user, make_request, make_business, add_file, other_unit)
    clients = _clients(app, world)  # signed in while CSRF is still off
    app.config["WTF_CSRF_ENABLED"] = True
    before = snapshot()
    refused = []
    for rule in unsafe:
        _who, overrides, data = POSTS[rule]
        url = fill(rule, world, overrides(world) if overrides else None)
        for role in ROLES:  # a forged post fails whoever the victim is
            resp = clients[role].post(url, data=data(world))
            if resp.status_code != 400:
                refused.append(f"{role} POST {url}: {resp.status_code}")
    assert not refused, "answered without a CSRF token:\n" + "\n".join(refused)
    assert diff(before, snapshot()) == []
    # Nobody was signed out by the forged logout.
    for role in ROLES[1:]:
        assert clients[role].get("/account").status_code == 200, role

    # The same posts with the token get past the check: the 400s above were the token's.
    last = ["/account/data/delete", "/auth/reset/<token>", "/auth/logout"]  # they end sessions
    order = sorted(unsafe, key=lambda r: last.index(r) if r in last else -1)
    for rule in order:
        who, overrides, data = POSTS[rule]
        client = clients[who] if who != "anonymous" else app.test_client()
        url = fill(rule, world, overrides(world) if overrides else None)
        resp = client.post(url, data=data(world) | {"csrf_token": _token(client)})
        resp.close()
        assert resp.status_code != 400, (who, url, resp.get_data(as_text=True)[:300])
    assert diff(before, snapshot()) != []


def _audited_read(table: str, row) -> bool:
    """Reads that are recorded on purpose: staff downloads of owners' files and exports."""
    return table == "audit_log" and (
        row["action"] == "file.download" or row["action"].startswith("export.")
    )


def _check_headers(resp, signed_in: bool, where: str) -> list[str]:
    problems = []
    h = resp.headers
    directives = {
        d.split()[0]: d
        for d in (x.strip() for x in h.get("Content-Security-Policy", "").split(";"))
        if d
    }
    script = directives.get("script-src") or directives.get("default-src", "")
    if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(f"{where}: script policy {script!r}")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append(f"{where}: frame-ancestors {directives.get('frame-ancestors')!r}")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no nosniff")
    if not h.get("Referrer-Policy"):
        problems.append(f"{where}: no Referrer-Policy")
    cache = h.get("Cache-Control", "")
    is_static = "/static/" in where
    is_preview = "/preview" in where  # content-addressed renditions: the user's own cache only
    if signed_in and not is_static and cache != "no-store":
        if not (is_preview and cache.startswith("private")):
            problems.append(f"{where}: Cache-Control {cache!r}")
        elif "Cookie" not in h.get("Vary", ""):
            problems.append(f"{where}: no Vary: Cookie")
    return problems


def test_get_changes_nothing_and_every_page_carries_the_headers(
    app, make_user, make_request, make_business, add_file, other_unit
):
    """GET every GET route as every role: no row changes (except the audit log's record of
    staff downloads and exports, on purpose), and every answer, whatever its status, has the
    security headers; signed-in answers are not cached."""
    world = _world(make_user, make_request, make_business, add_file, other_unit)
    clients = _clients(app, world)  # login bookkeeping (attempts, last login) happens here
    gets = sorted(rule for rule, method in rule_methods(app) if method == "GET")
    extra = [
        f"/files/{world.hidden.id}",  # 404 for the owner
        f"/files/{world.final.id}",
        f"/files/{world.proof.id}/preview?size=thumb",
        f"/requests/{world.done.code}/survey",
        f"/requests/{world.done.code}/handover.pdf",
        f"/requests/{world.req.code}/checklist/{world.proof.id}",
        "/reports/export.csv?table=report",
        "/gallery/999999",
    ]
    before = snapshot(ignore=_audited_read)
    audit_before = len(snapshot()["audit_log"])
    problems = []
    statuses = set()
    for role in ROLES:
        for url in [fill(rule, world) for rule in gets] + extra:
            resp = clients[role].get(url)
            resp.close()
            statuses.add(resp.status_code)
            problems += _check_headers(resp, role != "anonymous", f"{role} GET {url}")
    assert not problems, "\n".join(problems)
    assert diff(before, snapshot(ignore=_audited_read)) == []
    assert len(snapshot()["audit_log"]) > audit_before  # the named exception did happen
    assert {200, 302, 403, 404} <= statuses


def test_headers_on_error_pages(app, client, make_user, make_request, monkeypatch):
    owner = make_user()
    req = make_request(owner)
    login(client, owner)
    answers = {
        404: client.get("/no-such-page"),
        403: client.get("/backlog"),
        405: client.get("/auth/logout"),
    }
    app.config["MAX_CONTENT_LENGTH"] = 1024
    answers[413] = client.post(f"/requests/{req.code}/comments", data={"text": "x" * 5000})
    app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024

    def boom():
        raise RuntimeError("secret internal detail")

    monkeypatch.setitem(app.view_functions, "public.healthz", boom)
    answers[500] = client.get("/healthz")
    app.config["WTF_CSRF_ENABLED"] = True
    answers[400] = client.post(f"/requests/{req.code}/comments", data={"text": "tanpa token"})

    for status, resp in answers.items():
        assert resp.status_code == status, (status, resp.status_code)
        problems = _check_headers(resp, True, f"{status} page")
        assert not problems, problems
        body = resp.get_data(as_text=True)
        assert "Traceback" not in body and "secret internal detail" not in body
        assert "<html" in body  # our own page, not Werkzeug's
    assert re.search(r"[0-9a-f]{8}", answers[500].get_data(as_text=True))  # an error id


def test_conflict_page_carries_the_headers(app, client, make_user, make_request):
    from rumah_kemasan.roles import Role
    from rumah_kemasan.service_requests.workflow import Status

    owner = make_user()
    req = make_request(owner, status=Status.APPROVED, assignee=make_user(Role.STAFF))
    login(client, owner)
    resp = client.get(f"/requests/{req.code}/edit")  # too late to edit
    assert resp.status_code == 409
    assert not _check_headers(resp, True, "409 page")


def _cookie(resp, name: str) -> str:
    for value in resp.headers.getlist("Set-Cookie"):
        if value.startswith(name + "="):
            return value
    raise AssertionError(f"no {name} cookie in {resp.headers.getlist('Set-Cookie')}")


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_cookie_flags_in_testing(app, client, make_user):
    user = make_user()
    resp = login(client, user, remember=True)
    for name in ("session", "remember_token"):
        flags = _flags(_cookie(resp, name))
        assert "httponly" in flags and "samesite=lax" in flags, (name, flags)
        assert "secure" not in flags  # plain http in tests


def test_production_cookies_are_secure_on_the_wire(database_url, tmp_path, monkeypatch, make_user):
    """The production app over https: session and remember cookies are Secure, HttpOnly,
    SameSite=Lax, and the login form needs its CSRF token."""
    monkeypatch.setenv("FLASK_CONFIG", "production")
    prod = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "p" * 48,
            "TRUSTED_HOSTS": ["localhost"],
            "BASE_URL": "https://localhost",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    user = make_user()
    c = prod.test_client()
    base = "https://localhost"
    form = {"login": user.email, "password": PASSWORD, "remember": "y"}
    assert c.post(f"{base}/auth/login", data=form).status_code == 400  # no token
    html = c.get(f"{base}/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    resp = c.post(
        f"{base}/auth/login",
        data=form | {"csrf_token": token},
        headers={"Referer": f"{base}/auth/login"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    for name in ("session", "remember_token"):
        flags = _flags(_cookie(resp, name))
        assert {"secure", "httponly", "samesite=lax"} <= flags, (name, flags)
    page = c.get(f"{base}/account")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "max-age" in page.headers["Strict-Transport-Security"]
    with prod.app_context():
        db.session.remove()
        db.engine.dispose()
