"""The access matrix: every route × method × role answers as the table says.

The table below is the reference of who may reach what. The test enumerates `app.url_map`, so a
route (or a method on a route) that is not in the table fails it: whoever adds a route decides
here who may use it. Forms are posted empty unless DATA says otherwise (CSRF is off in these
tests; test_csrf_and_headers.py covers tokens), so an allowed role usually gets the form's own
answer (200 re-render, 302/303 with a message, 400, 409) while a refused role gets 302 to the
login page (anonymous), 403 (wrong role) or 404 (someone else's request, file or notification).

Roles: anonymous · owner A (owns `req`) · owner B · staff of the unit (A's designer) · staff of
another unit · supervisor of the unit · admin.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from rumah_kemasan.accounts.models import Business, User
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import PASSWORD, login
from tests.integration.security_world import ROLES, build_world, fill, rule_methods

L = "login"  # 302 to /auth/login

# (rule, method): answers for (anonymous, owner A, owner B, staff, staff other unit,
#                              supervisor, admin)
MATRIX: dict[tuple[str, str], tuple] = {
    # public pages, open to everyone
    ("/", "GET"): (200, 200, 200, 302, 302, 302, 200),  # staff land on /requests
    ("/healthz", "GET"): (200,) * 7,
    ("/readyz", "GET"): (200,) * 7,
    ("/static/<path:filename>", "GET"): (200,) * 7,
    ("/track", "GET"): (200,) * 7,
    ("/track", "POST"): (200,) * 7,  # one "not found" answer for anything malformed
    ("/gallery", "GET"): (200,) * 7,
    ("/gallery/<int:request_id>", "GET"): (200,) * 7,
    ("/gallery/<int:request_id>/<side>.jpg", "GET"): (200,) * 7,
    ("/lang/<code>", "POST"): (302,) * 7,
    # accounts
    ("/auth/register", "GET"): (200, 302, 302, 302, 302, 302, 302),
    ("/auth/register", "POST"): (200, 302, 302, 302, 302, 302, 302),
    ("/auth/login", "GET"): (200, 302, 302, 302, 302, 302, 302),
    ("/auth/login", "POST"): (200, 302, 302, 302, 302, 302, 302),
    ("/auth/logout", "POST"): (302,) * 7,
    ("/auth/password", "GET"): (L, 200, 200, 200, 200, 200, 200),
    ("/auth/password", "POST"): (L, 200, 200, 200, 200, 200, 200),
    ("/auth/reset", "GET"): (200,) * 7,
    ("/auth/reset", "POST"): (200,) * 7,
    ("/auth/reset/<token>", "GET"): (200,) * 7,
    ("/auth/reset/<token>", "POST"): (200,) * 7,
    ("/account", "GET"): (L, 200, 200, 200, 200, 200, 200),
    # An empty post keeps the profile as it is (WTForms falls back to the stored values).
    ("/account", "POST"): (L, 302, 302, 302, 302, 302, 302),
    # The e-mail choices: an empty post keeps them as they are, like the profile.
    ("/account/notifications", "POST"): (L, 303, 303, 303, 303, 303, 303),
    ("/account/businesses", "GET"): (L, 200, 200, 403, 403, 403, 403),
    ("/account/businesses/new", "GET"): (L, 200, 200, 403, 403, 403, 403),
    ("/account/businesses/new", "POST"): (L, 200, 200, 403, 403, 403, 403),
    ("/account/businesses/<int:business_id>", "GET"): (L, 200, 404, 403, 403, 403, 403),
    ("/account/businesses/<int:business_id>", "POST"): (L, 200, 404, 403, 403, 403, 403),
    # UU PDP: an owner's copy of their data and the deletion of their account
    ("/account/data", "GET"): (L, 200, 200, 403, 403, 403, 403),
    ("/account/data/export", "POST"): (L, 200, 200, 403, 403, 403, 403),
    ("/account/data/delete", "POST"): (L, 200, 200, 403, 403, 403, 403),  # empty: not confirmed
    ("/audit", "GET"): (L, 403, 403, 403, 403, 200, 200),
    # requests
    ("/requests", "GET"): (L, 200, 200, 200, 200, 200, 200),
    ("/requests/new", "GET"): (L, 200, 200, 200, 200, 200, 403),  # staff: the walk-in form
    ("/requests/new", "POST"): (L, 200, 200, 200, 200, 200, 403),
    ("/requests/<code>", "GET"): (L, 200, 404, 200, 404, 200, 200),
    # `req` is approved: the owner may no longer edit it.
    ("/requests/<code>/edit", "GET"): (L, 409, 404, 403, 403, 403, 403),
    ("/requests/<code>/edit", "POST"): (L, 409, 404, 403, 403, 403, 403),
    # approved -> in_production: only the designer or supervisor, and this service has no
    # printing, so they pass the gate and meet the guard (409).
    ("/requests/<code>/transition", "POST"): (L, 403, 404, 409, 404, 409, 403),
    ("/requests/<code>/comments", "POST"): (L, 302, 404, 302, 404, 302, 403),
    ("/requests/<code>/assign", "POST"): (L, 403, 403, 403, 403, 302, 403),
    # Owner A resets by e-mail, so no staff-made link into that account (see permissions).
    ("/requests/<code>/owner-link", "POST"): (L, 403, 403, 403, 404, 403, 403),
    # account recovery at the counter: owner A has a password, so staff record an identity
    # check; the world holds one recorded by `staff`, waiting for the supervisor. An empty
    # post is an incomplete form (400); the recorder can neither decide nor (yet) make a link.
    ("/requests/<code>/owner-recovery", "GET"): (L, 403, 403, 200, 404, 200, 403),
    ("/requests/<code>/owner-recovery", "POST"): (L, 403, 403, 400, 404, 400, 403),
    ("/recoveries", "GET"): (L, 403, 403, 200, 200, 200, 403),
    ("/recoveries/<int:recovery_id>", "GET"): (L, 403, 403, 200, 404, 200, 403),
    ("/recoveries/<int:recovery_id>/decide", "POST"): (L, 403, 403, 403, 404, 400, 403),
    ("/recoveries/<int:recovery_id>/link", "POST"): (L, 403, 403, 403, 404, 403, 403),
    ("/requests/<code>/files", "POST"): (L, 403, 404, 303, 404, 303, 403),
    ("/requests/<code>/compare", "GET"): (L, 200, 404, 200, 404, 200, 200),
    ("/requests/<code>/checklist/<int:file_id>", "GET"): (L, 403, 403, 200, 404, 200, 403),
    # The proof's checklist is a record once sent: 409 for the unit's staff.
    ("/requests/<code>/checklist/<int:file_id>", "POST"): (L, 403, 403, 409, 404, 409, 403),
    # handover is recorded only when the request is ready (409 otherwise)
    ("/requests/<code>/handover", "POST"): (L, 403, 403, 409, 404, 409, 403),
    ("/requests/<code>/receipt.pdf", "GET"): (L, 200, 404, 200, 404, 200, 200),
    ("/requests/<code>/handover.pdf", "GET"): (L, 200, 404, 200, 404, 200, 200),
    ("/requests/<code>/survey", "GET"): (L, 200, 404, 403, 404, 403, 403),
    ("/requests/<code>/survey", "POST"): (L, 400, 404, 403, 404, 403, 403),
    # files
    ("/files/<int:file_id>", "GET"): (L, 200, 404, 200, 404, 200, 200),
    ("/files/<int:file_id>/preview", "GET"): (L, 200, 404, 200, 404, 200, 200),
    # staff and supervisors
    ("/desk", "GET"): (L, 403, 403, 200, 200, 200, 403),
    ("/backlog", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/reports", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/reports/skm", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/reports/export.csv", "GET"): (L, 403, 403, 200, 200, 200, 200),
    ("/reports/export.xlsx", "GET"): (L, 403, 403, 200, 200, 200, 200),
    # the national / provincial overview: admins only
    ("/admin/overview", "GET"): (L, 403, 403, 403, 403, 403, 200),
    # notifications (owner A's notification)
    ("/notifications", "GET"): (L, 200, 200, 200, 200, 200, 200),
    ("/notifications/<int:notification_id>/read", "POST"): (L, 303, 404, 404, 404, 404, 404),
    ("/notifications/read-all", "POST"): (L, 303, 303, 303, 303, 303, 303),
    # onboarding import (issue 15): an empty upload re-renders the form; an empty confirmation
    # finds nothing waiting and goes back to the page. Another unit's id: test_onboarding.py.
    ("/admin/import", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/import", "POST"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/import/confirm", "POST"): (L, 403, 403, 403, 403, 303, 303),
    ("/admin/import/template.xlsx", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/import/template.csv", "GET"): (L, 403, 403, 403, 403, 200, 200),
    # units (issue 15): the admin all units, a supervisor their own; a unit's public page
    ("/admin/units", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/new", "GET"): (L, 403, 403, 403, 403, 403, 200),
    ("/admin/units/new", "POST"): (L, 403, 403, 403, 403, 403, 200),  # empty: incomplete
    ("/admin/units/<int:unit_id>", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/<int:unit_id>", "POST"): (L, 403, 403, 403, 403, 302, 302),  # keeps it as is
    ("/admin/units/<int:unit_id>/areas", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/<int:unit_id>/areas", "POST"): (L, 403, 403, 403, 403, 422, 422),  # no file
    ("/admin/units/<int:unit_id>/areas/sample.csv", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/units/<slug>", "GET"): (200,) * 7,
    # issue 15, the catalog per unit: the admin and the unit's supervisor (an empty post is
    # refused by the form: 200); staff and owners 403. Another unit's supervisor gets 404
    # (test_catalog.py).
    ("/admin/units/<int:unit_id>/services", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/<int:unit_id>/services/<code>", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/<int:unit_id>/services/<code>", "POST"): (L, 403, 403, 403, 403, 200, 200),
    # administration: admins (every unit) and supervisors (their own unit's people); the
    # person is `staff`. Empty posts are incomplete forms (400); enabling an active account
    # and re-inviting someone who has a password are refused (409). A supervisor of another
    # unit gets 404 on the person (tests/integration/test_admin_users.py).
    ("/admin", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/users", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/users/invite", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/users/invite", "POST"): (L, 403, 403, 403, 403, 400, 400),
    ("/admin/users/<int:user_id>", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/users/<int:user_id>/disable", "POST"): (L, 403, 403, 403, 403, 400, 400),
    ("/admin/users/<int:user_id>/enable", "POST"): (L, 403, 403, 403, 403, 409, 409),
    ("/admin/users/<int:user_id>/role", "POST"): (L, 403, 403, 403, 403, 400, 400),
    ("/admin/users/<int:user_id>/reinvite", "POST"): (L, 403, 403, 403, 403, 409, 409),
    # a unit's holidays (the unit of `req`): its supervisor and the admin; an empty post is the
    # form again with its errors (200), an empty change goes back to the page with a message.
    ("/admin/units/<int:unit_id>/holidays", "GET"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/<int:unit_id>/holidays", "POST"): (L, 403, 403, 403, 403, 200, 200),
    ("/admin/units/<int:unit_id>/holidays/change", "POST"): (L, 403, 403, 403, 403, 303, 303),
}

# URL parameters that differ from the defaults in security_world.fill
OVERRIDES = {
    "/requests/<code>/checklist/<int:file_id>": lambda w: {"file_id": w.proof.id},
    "/requests/<code>/handover.pdf": lambda w: {"code": w.done.code},
    "/requests/<code>/survey": lambda w: {"code": w.done.code},
    "/files/<int:file_id>/preview": lambda w: {"file_id": w.proof.id},
    "/admin/units/<int:unit_id>/services/<code>": lambda w: {"code": "DESAIN-LABEL"},
}

# Form data for the rows where an empty post would not tell the roles apart.
DATA = {
    ("/requests/<code>/transition", "POST"): lambda w: {
        "target": Status.IN_PRODUCTION.value,
        "version": str(w.req.version),
    },
    ("/requests/<code>/comments", "POST"): lambda w: {"text": "Mohon kirim foto produk."},
}

OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _world(make_user, make_request, make_business, add_file, other_unit):
    return build_world(make_user, make_request, make_business, add_file, other_unit)


def _answer(resp) -> int | str:
    code = resp.status_code
    if code == 302 and "/auth/login" in resp.headers["Location"]:
        return L
    return code


def test_the_table_covers_every_route_and_method(app):
    served = rule_methods(app)
    missing = sorted(served - set(MATRIX))
    assert not missing, f"add these routes to MATRIX with the answer for each role: {missing}"
    stale = sorted(set(MATRIX) - served)
    assert not stale, f"MATRIX lists routes the app no longer has: {stale}"
    assert all(len(answers) == len(ROLES) for answers in MATRIX.values())


def test_every_route_answers_each_role_as_the_table_says(
    app, make_user, make_request, make_business, add_file, other_unit
):
    world = _world(make_user, make_request, make_business, add_file, other_unit)
    served = rule_methods(app)
    # Signing out ends the role's session, so it goes last.
    order = sorted(
        (p for p in MATRIX if p in served), key=lambda p: (p == ("/auth/logout", "POST"), p)
    )
    wrong = []
    for i, role in enumerate(ROLES):
        client = app.test_client()
        if world.users[role] is not None:
            assert login(client, world.users[role]).status_code == 302
        for rule, method in order:
            url = fill(rule, world, OVERRIDES[rule](world) if rule in OVERRIDES else None)
            data = DATA[(rule, method)](world) if (rule, method) in DATA else {}
            resp = client.open(url, method=method, data=data)
            got = _answer(resp)
            resp.close()
            if got != MATRIX[(rule, method)][i]:
                wrong.append(
                    f"{role:12} {method:4} {url}: {got}, table says {MATRIX[(rule, method)][i]}"
                )
        db.session.rollback()
    assert not wrong, "\n".join(wrong)


def test_methods_a_route_does_not_take_answer_405(app, make_user):
    owner = make_user()
    anonymous, signed_in = app.test_client(), app.test_client()
    login(signed_in, owner)
    rules = {}
    for rule, method in rule_methods(app):
        rules.setdefault(rule, set()).add(method)
    checked = 0
    for rule, methods in rules.items():
        url = fill(rule, _Dummy())
        for method in OTHER_METHODS:
            if method in methods:
                continue
            for client in (anonymous, signed_in):
                resp = client.open(url, method=method)
                resp.close()
                assert resp.status_code == 405, (method, url, resp.status_code)
                allow = resp.headers.get("Allow", "")
                assert set(allow.split(", ")) >= methods, (method, url, allow)
                checked += 1
    assert checked > 100


class _Dummy:
    """Parameters for routing only (405 is decided before any lookup)."""

    class req:
        code = "RK-2026-00001"
        business_id = 1
        unit_id = 1

    class before:
        id = 1

    class done:
        id = 1

    notification_id = 1
    recovery_id = 1
    user_id = 1
    token = "x"


def test_another_owners_things_answer_404(
    app, make_user, make_request, make_business, add_file, other_unit
):
    """Owner B and staff of another unit reach none of owner A's requests, files, proofs,
    previews, comparisons, PDFs or survey; not even by searching or exporting."""
    world = _world(make_user, make_request, make_business, add_file, other_unit)
    urls = [f"/requests/{world.req.code}{tail}" for tail in ("", "/compare", "/receipt.pdf")]
    urls += [f"/requests/{world.done.code}{tail}" for tail in ("/handover.pdf", "/survey")]
    for f in world.files:
        urls += [f"/files/{f.id}", f"/files/{f.id}/preview", f"/files/{f.id}/preview?size=thumb"]
    for role in ("owner_b", "staff_other"):
        client = app.test_client()
        login(client, world.users[role])
        for url in urls:
            resp = client.get(url)
            resp.close()
            assert resp.status_code == 404, (role, url, resp.status_code)
        for url in (
            f"/requests?q={world.req.code}",
            "/requests?q=Keripik",
            f"/requests?q={world.users['owner_a'].phone}",
        ):
            page = client.get(url).get_data(as_text=True)
            assert f'href="/requests/{world.req.code}' not in page, (role, url)
            assert "Keripik Ayu" not in page, (role, url)
        for url in ("/notifications/read-all", f"/notifications/{world.notification_id}/read"):
            client.post(url)

        # Someone else's request looks exactly like one that does not exist.
        theirs = client.get(f"/requests/{world.req.code}").get_data(as_text=True)
        nobody = client.get("/requests/RK-2099-99999").get_data(as_text=True)
        strip = lambda html: re.sub(r"RK-\d{4}-\d{5}|value=\"[^\"]*\"", "", html)  # noqa: E731
        assert strip(theirs) == strip(nobody), role

    # staff of another unit export only their unit's rows
    client = app.test_client()
    login(client, world.users["staff_other"])
    exported = client.get("/reports/export.csv").get_data(as_text=True)
    assert world.req.code not in exported and world.done.code not in exported

    # The owner sees a draft only once it is sent as a proof.
    client = app.test_client()
    login(client, world.users["owner_a"])
    for url in (f"/files/{world.hidden.id}", f"/files/{world.hidden.id}/preview"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/files/{world.proof.id}").status_code == 200
    compare = client.get(
        f"/requests/{world.req.code}/compare?a={world.hidden.id}&b={world.hidden.id}"
    ).get_data(as_text=True)
    assert f"/files/{world.hidden.id}/" not in compare
    detail = client.get(f"/requests/{world.req.code}").get_data(as_text=True)
    assert f"/files/{world.hidden.id}" not in detail and f"/files/{world.proof.id}" in detail
    # owner A's notification is still unread: nobody else could mark it
    db.session.rollback()
    from rumah_kemasan.notifications.models import Notification

    assert db.session.get(Notification, world.notification_id).read_at is None


EXTRA = {
    "status": "completed",
    "owner_id": None,  # filled with owner B's id
    "applicant_id": None,
    "assignee_id": None,
    "role": "admin",
    "unit_id": None,
    "active": "0",
    "version": "99",
    "gallery_consent_at": "2020-01-01",
}


def _extra(world) -> dict:
    other = world.users["owner_b"].id
    return EXTRA | {
        "owner_id": other,
        "applicant_id": other,
        "assignee_id": world.users["staff"].id,
        "unit_id": world.users["staff_other"].unit_id,
    }


def test_extra_form_fields_change_nothing(
    app, make_user, make_request, make_business, add_file, other_unit
):
    """Mass assignment: status, owner, applicant, assignee, role and unit in a posted form
    are ignored by every form an owner or staff member fills."""
    world = _world(make_user, make_request, make_business, add_file, other_unit)
    extra = _extra(world)
    owner_a, owner_b = world.users["owner_a"], world.users["owner_b"]
    unit_id = world.users["staff"].unit_id
    business = db.session.get(Business, world.req.business_id)
    service_id = world.req.service_type_id
    area_id = business.area_id

    # registration
    anonymous = app.test_client()
    resp = anonymous.post(
        "/auth/register",
        data=extra
        | {
            "full_name": "Pemilik Baru",
            "phone": "0812-7777-1234",
            "email": "baru@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "consent": "y",
        },
    )
    assert resp.status_code == 302
    db.session.rollback()
    new_owner = db.session.scalar(select(User).where(User.phone == "6281277771234"))
    assert new_owner.role == Role.OWNER and new_owner.unit_id is None and new_owner.active

    # profile
    client = app.test_client()
    login(client, owner_a)
    resp = client.post("/account", data=extra | {"full_name": "Ni Made Ayu Baru", "locale": "id"})
    assert resp.status_code == 302
    db.session.rollback()
    me = db.session.get(User, owner_a.id)
    assert me.full_name == "Ni Made Ayu Baru"
    assert me.role == Role.OWNER and me.unit_id is None and me.active

    # business form, new and edit
    business_form = {"category": "pangan", "scale": "mikro", "area_id": area_id}
    resp = client.post(
        "/account/businesses/new", data=extra | business_form | {"name": "Usaha Kedua"}
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/account/businesses/{business.id}",
        data=extra | business_form | {"name": "Usaha Ayu Ganti"},
    )
    assert resp.status_code == 302
    db.session.rollback()
    for b in db.session.scalars(
        select(Business).where(Business.name.in_(["Usaha Kedua", "Usaha Ayu Ganti"]))
    ):
        assert b.owner_id == owner_a.id and b.unit_id == unit_id, b.name
    assert db.session.scalar(select(Business).where(Business.owner_id == owner_b.id)).name != (
        "Usaha Ayu Ganti"
    )

    # request form, new
    request_form = {
        "business_id": business.id,
        "service_type_id": service_id,
        "product_name": "Sambal Ayu",
        "product_category": "pangan",
        "brief": "Label baru",
        "target_market": "lokal",
    }
    assert client.post("/requests/new", data=extra | request_form).status_code == 302
    db.session.rollback()
    filed = db.session.scalar(
        select(ServiceRequest).where(ServiceRequest.product_name == "Sambal Ayu")
    )
    assert filed.applicant_id == owner_a.id and filed.status == Status.SUBMITTED
    assert filed.assignee_id is None and filed.unit_id == unit_id and filed.version == 1

    # request form, edit (while it is still submitted)
    resp = client.post(
        f"/requests/{filed.code}/edit", data=extra | request_form | {"product_name": "Sambal Ayu 2"}
    )
    assert resp.status_code == 302
    db.session.rollback()
    filed = db.session.get(ServiceRequest, filed.id)
    assert filed.product_name == "Sambal Ayu 2"
    assert filed.applicant_id == owner_a.id and filed.status == Status.SUBMITTED
    assert filed.assignee_id is None and filed.unit_id == unit_id

    # walk-in form, by staff
    staff = app.test_client()
    login(staff, world.users["staff"])
    resp = staff.post(
        "/requests/new",
        data=extra
        | request_form
        | {
            "owner_phone": "0813-5555-0101",
            "owner_name": "Pemilik Loket",
            "business_name": "Loket Jaya",
            "business_scale": "mikro",
            "area_id": area_id,
            "consent": "y",
            "product_name": "Kopi Loket",
        },
    )
    assert resp.status_code == 200  # the page with the set-password link
    db.session.rollback()
    walk_in = db.session.scalar(
        select(ServiceRequest).where(ServiceRequest.product_name == "Kopi Loket")
    )
    assert walk_in.status == Status.SUBMITTED and walk_in.assignee_id is None
    assert walk_in.unit_id == unit_id
    walk_in_owner = db.session.get(User, walk_in.applicant_id)
    assert walk_in_owner.phone == "6281355550101" and walk_in_owner.role == Role.OWNER
    assert walk_in_owner.unit_id is None and walk_in_owner.id != owner_b.id
    assert walk_in.business.owner_id == walk_in_owner.id and walk_in.business.unit_id == unit_id

    # and nothing happened to owner B or the unit's request
    db.session.rollback()
    assert db.session.get(User, owner_b.id).role == Role.OWNER
    req = db.session.get(ServiceRequest, world.req.id)
    assert req.status == Status.APPROVED and req.applicant_id == owner_a.id
