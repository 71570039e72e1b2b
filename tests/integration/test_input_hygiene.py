"""Input that can never crash or mislead (docs/input.md), over HTTP on both databases.

The two findings of the black-box attack: `/requests?q=a%00b` answered 503 (FTS5 refused the
NUL) and `/audit?before=99999999999999999999` answered 500 (an int SQLite cannot bind).
Around them: control characters in query strings are stripped, in forms refused with a
message that keeps the typed text, and every integer from a user is range-checked.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import Area, Business
from rumah_kemasan.extensions import db
from rumah_kemasan.service_requests.workflow import Role, Status
from tests.conftest import login

HUGE = "99999999999999999999"
NOT_ALLOWED = "The text contains characters that are not allowed."


def codes_on(page: str) -> list[str]:
    return sorted(re.findall(r"<strong>(RK-\d{4}-\d{5})</strong>", page))


@pytest.fixture
def listed(make_user, make_business, make_request):
    """Four requests whose texts hold the characters a hostile search uses."""
    owner = make_user(Role.OWNER, full_name="Made Pemilik")
    staff = make_user(Role.STAFF, full_name="Arya Desainer")
    made = [
        make_request(owner, business=make_business(owner, name=name), product_name=product)
        for name, product in [
            ("Warung Bu Sari", "Sambal Matah"),
            ("Kopi Made", "Kacang Asin"),
            ("Diskon 50% Jaya", "Teh_Adem"),
            ("Toko Arak", 'Arak "Bali" NEAR(1)'),
        ]
    ]
    return staff, {r.product_name: r.code for r in made}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The finding: a NUL inside the text. Control characters are dropped, the rest is found.
        ("Sam\x00bal", ["Sambal Matah"]),
        ("a\x00b", []),
        ("\x01\x02Mat\x7fah\x1b", ["Sambal Matah"]),
        ("\u202eKacang", ["Kacang Asin"]),  # a bidi override is dropped too
        ("\x00", None),  # nothing left: the whole list
        # Searched literally, not as LIKE wildcards or FTS5 syntax.
        ("50%", ["Teh_Adem"]),
        ("%", ["Teh_Adem"]),
        ("h_A", ["Teh_Adem"]),
        ("_", ["Teh_Adem"]),
        ('"Bali" NEAR(', ['Arak "Bali" NEAR(1)']),
        ("NEAR(1", ['Arak "Bali" NEAR(1)']),
        ("Ma*", []),
        ("'; --", []),
    ],
)
def test_search_strips_control_characters_and_matches_literally(
    client, login_as, listed, query, expected
):
    staff, codes = listed
    login_as(staff)
    resp = client.get("/requests", query_string={"q": query})
    assert resp.status_code == 200
    want = sorted(codes.values()) if expected is None else sorted(codes[p] for p in expected)
    assert codes_on(resp.get_data(as_text=True)) == want
    # The same bytes, percent-escaped by hand as the attack sent them.
    raw = client.get("/requests?q=Sam%00bal")
    assert raw.status_code == 200 and codes_on(raw.get_data(as_text=True)) == [
        codes["Sambal Matah"]
    ]


def test_invalid_utf8_in_a_query_string_is_not_an_error(client, login_as, listed):
    staff, _codes = listed
    login_as(staff)
    for query in ("q=%FF%FE", "q=%C3", "q=%ED%A0%80", "sort=%80&status=%FF", "next=%C0%AF"):
        resp = client.get(f"/requests?{query}")
        assert resp.status_code == 200, query


def test_huge_negative_and_malformed_numbers_answer_200_or_404_never_500(
    app, make_user, make_request, make_business, add_file, other_unit
):
    from tests.integration.security_world import build_world

    world = build_world(make_user, make_request, make_business, add_file, other_unit)
    code = world.req.code
    pages = {
        "supervisor": [
            f"/audit?before={HUGE}",
            "/audit?before=-5",
            "/audit?before=%C2%B2",  # "²": isdigit() but not a number int() takes
            f"/backlog?unit={HUGE}",
            f"/reports?year={HUGE}&n={HUGE}&period=quarter",
            "/reports?year=-2026&n=-1",
            f"/requests?after=2026-01-01T00:00:00_{HUGE}",
            f"/requests?service={HUGE}&assignee={HUGE}&unit={HUGE}&area={HUGE}",
            "/requests?unit=%C2%B2&area=%D9%A3",
            f"/requests/{code}/compare?a={HUGE}&b=-1",
            f"/reports/export.csv?unit={HUGE}&area={HUGE}",
        ],
        "admin": [f"/audit?before={HUGE}", f"/backlog?unit={HUGE}", f"/reports?unit={HUGE}"],
        "owner_a": [f"/requests/new?business={HUGE}", "/requests/new?business=-1"],
    }
    for role, urls in pages.items():
        client = app.test_client()
        login(client, world.users[role])
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 200, (role, url, resp.status_code)
        for url in (f"/files/{HUGE}", f"/requests/{code}/checklist/{HUGE}", f"/gallery/{HUGE}"):
            assert client.get(url).status_code in (403, 404), (role, url)
        assert client.get("/requests/RK-2026-0%00001").status_code == 404, role
        # Found by the fuzzer: a quote in ?size= went into the ETag ("invalid etag", 500).
        for url in (
            f"/files/{world.proof.id}/preview?size=%22a%22%20OR",
            f"/gallery/{world.done.id}/after.jpg?size=%22",
        ):
            assert client.get(url).status_code == 200, (role, url)
    db.session.rollback()


def test_a_huge_integer_in_a_form_is_refused_with_a_message(
    client, login_as, make_user, make_request, make_business
):
    staff = make_user(Role.STAFF)
    owner = make_user(Role.OWNER)
    req = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    login_as(staff)
    version = req.version
    # TransitionForm's designer is not checked against a list: the bound stops it.
    resp = client.post(
        f"/requests/{req.code}/transition",
        data={"target": "send_proof", "version": str(version), "assignee_id": HUGE},
    )
    assert resp.status_code == 400
    resp = client.post(
        f"/requests/{req.code}/transition", data={"target": "in_design", "version": HUGE}
    )
    assert resp.status_code == 400
    db.session.rollback()
    assert db.session.get(type(req), req.id).version == version


def _in(locale: str, app, text: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return html.escape(babel_gettext(text), quote=False)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_a_form_refuses_a_nul_with_a_message_and_keeps_the_typed_text(
    app, client, login_as, make_user, unit, locale
):
    owner = make_user(Role.OWNER, locale=locale)
    login_as(owner)
    area_id = db.session.scalar(select(Area.id).where(Area.unit_id == unit.id))
    count = db.session.scalar(select(func.count(Business.id)))
    resp = client.post(
        "/account/businesses/new",
        data={
            "name": "Warung\x00 Bu Sari",
            "category": "pangan",
            "scale": "mikro",
            "area_id": str(area_id),
            "address": "Jl. Gatot Subroto\x07 12",
            "banjar": "Banjar Tegal",
        },
    )
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    message = _in(locale, app, NOT_ALLOWED)
    assert page.count(message) == 2  # under each field that held one
    if locale == "en":
        assert NOT_ALLOWED in page
    # What was typed is still there, without the refused characters; the rest untouched.
    assert 'value="Warung Bu Sari"' in page
    assert 'value="Jl. Gatot Subroto 12"' in page
    assert 'value="Banjar Tegal"' in page
    assert "\x00" not in page and "\x07" not in page
    db.session.rollback()
    assert db.session.scalar(select(func.count(Business.id))) == count


def test_a_textarea_keeps_newlines_and_tabs_but_refuses_other_controls(
    client, login_as, make_user, make_request
):
    from rumah_kemasan.service_requests.models import RequestEvent

    owner = make_user(Role.OWNER, locale="en")
    req = make_request(owner)
    login_as(owner)
    resp = client.post(f"/requests/{req.code}/comments", data={"text": "Baris satu\r\n\tdua"})
    assert resp.status_code == 302
    db.session.rollback()
    texts = db.session.scalars(select(RequestEvent.note).where(RequestEvent.request_id == req.id))
    assert "Baris satu\r\n\tdua" in list(texts)
    before = db.session.scalar(select(func.count(RequestEvent.id)))
    db.session.rollback()
    resp = client.post(
        f"/requests/{req.code}/comments", data={"text": "Halo\x00\x1b[31m"}, follow_redirects=True
    )
    assert resp.status_code == 200
    assert NOT_ALLOWED in resp.get_data(as_text=True)  # not "Write a comment first."
    db.session.rollback()
    assert db.session.scalar(select(func.count(RequestEvent.id))) == before


def test_login_and_next_with_control_characters(client, make_user):
    owner = make_user(Role.OWNER)
    # A NUL in the login identifier is refused by the form, never sent to PostgreSQL.
    resp = client.post("/auth/login", data={"login": owner.email + "\x00", "password": "x" * 12})
    assert resp.status_code == 200
    assert "/auth/logout" not in resp.get_data(as_text=True)
    # `next` is judged as sent, not cleaned: one with a control character goes home.
    resp = login(client, owner)
    assert resp.status_code == 302
    for target in ("/%09/evil.example", "/requests%00", "/%0d%0aSet-Cookie:x"):
        resp = client.get(f"/auth/login?next={target}")
        assert resp.status_code == 302, target
        assert urlsplit(resp.headers["Location"]).path == "/", target
    assert client.get("/auth/login?next=/requests").headers["Location"].endswith("/requests")


def test_a_quantity_out_of_range_is_refused_with_the_range(
    client, login_as, make_user, make_business, service
):
    from rumah_kemasan.service_requests.models import ServiceRequest
    from tests.integration.security_world import request_form

    owner = make_user(Role.OWNER, locale="en")
    business = make_business(owner)
    printing = service("CETAK-STIKER")
    login_as(owner)
    for quantity in (HUGE, "0", "-3", "1000001", "²"):
        data = request_form(business.id, printing.id, quantity=quantity, packaging_type="Stiker")
        resp = client.post("/requests/new", data=data)
        assert resp.status_code == 200, quantity
        page = resp.get_data(as_text=True)
        assert "Enter a whole number from 1 to 1,000,000." in page, quantity
        assert f'value="{html.escape(quantity)}"' in page, quantity  # what was typed stays
    db.session.rollback()
    assert db.session.scalar(select(func.count(ServiceRequest.id))) == 0
