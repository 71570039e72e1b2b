"""The list's text search: the SQLite FTS5 index (migration 0007) stays in sync and answers
exactly what a scan answers, on both backends."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import delete, select, text

from rumah_kemasan.accounts.models import Business, User
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import queries
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF, full_name="Arya Desainer")


@pytest.fixture
def owner(make_user):
    return make_user(Role.OWNER, full_name="Made Pemilik")


def codes_on(page: str) -> list[str]:
    return sorted(re.findall(r"<strong>(RK-\d{4}-\d{5})</strong>", page))


def search(client, term: str) -> list[str]:
    resp = client.get("/requests", query_string={"q": term})
    assert resp.status_code == 200
    return codes_on(resp.get_data(as_text=True))


@pytest.fixture
def sqlite_only(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("the FTS5 search index exists on SQLite only (PostgreSQL: pg_trgm)")


def test_index_follows_renames_of_business_owner_and_product(
    sqlite_only, client, login_as, staff, owner, make_request, make_business
):
    biz = make_business(owner, name="Warung Bu Sari")
    req = make_request(owner, business=biz, product_name="Sambal Matah")
    other = make_request(
        owner, business=make_business(owner, name="Kopi Kintamani"), product_name="Kopi Bubuk"
    )
    login_as(staff)
    assert search(client, "bu sari") == [req.code]
    db.session.rollback()  # no stale read snapshot in the test's session before it writes
    # The index answers (not the scan): the FTS lookup returns the ids itself.
    assert queries._sqlite_search_ids("bu sari") == [req.id]
    db.session.rollback()

    biz.name = "Dapur Ibu Ketut"
    db.session.commit()
    assert search(client, "bu sari") == []
    assert search(client, "ibu ketut") == [req.code]
    assert queries._sqlite_search_ids("ibu ketut") == [req.id]

    owner.full_name = "Nyoman Suartini"
    db.session.commit()
    assert search(client, "made pemilik") == []
    assert search(client, "suartini") == sorted([req.code, other.code])
    assert queries._sqlite_search_ids("suartini") == sorted([req.id, other.id])

    req.product_name = "Arak Bali"
    db.session.commit()
    assert search(client, "matah") == []
    assert search(client, "arak bali") == [req.code]

    other_id = other.id
    db.session.execute(delete(RequestEvent).where(RequestEvent.request_id == other_id))
    db.session.execute(delete(ServiceRequest).where(ServiceRequest.id == other_id))
    db.session.commit()
    assert queries._sqlite_search_ids("suartini") == [req.id]
    # The index still equals its content table (FTS5 raises an error if it does not).
    check = "INSERT INTO request_search (request_search) VALUES ('integrity-check')"
    db.session.execute(text(check))
    db.session.rollback()


def test_index_is_not_used_for_short_text(sqlite_only, ctx):
    assert queries._sqlite_search_ids("ab") is None
    assert queries._sqlite_search_ids("abc") == []
    # % and _ are characters like any other: the index is asked for them.
    assert queries._sqlite_search_ids("a_b") == []
    assert queries._sqlite_search_ids("%%%") == []


TERMS = ["sambal", "SAMBAL", "bu sari", "made", "pemilik", "rk-", "ma", "a_a", "100%", "%"]
TERMS += ["_", "m_de", "b%sari", "0/", "/", "\\", "h\\d", "50_%", "%%%", "'; --", "{{7*7}}"]
TERMS += ["zzqx", "é", "épicerie", "ÉPICERIE", "sereh 100% alami", "ketut sambal"]
TERMS += ['bu "sari', 'sari" OR "kopi', "asin*", "NEAR(kopi made)", "made)"]  # FTS5 syntax


@pytest.mark.parametrize(
    "term",
    TERMS,
)
def test_index_and_scan_give_the_same_rows(
    client, login_as, staff, owner, make_user, make_request, make_business, monkeypatch, term
):
    """Whatever path the search takes (index, common text, short text), the rows are the
    same: those whose code, product, business name or owner name holds the text literally
    (% and _ are characters, not wildcards)."""
    second = make_user(Role.OWNER, full_name="Ketut Sambal")
    for who, business, product in [
        (owner, "Warung Bu Sari", "Sambal Matah"),
        (owner, "Kopi Made", "Kacang Asin"),
        (second, "Usaha Bersama", "Sabun Sereh 100% alami"),
        (second, "Épicerie Nusa", "Teh Adem"),
        (owner, "Toko Arak", "SAMBAL IJO"),
        (second, "Diskon 50_% Jaya", "Kopi 0/1 h\\d"),
    ]:
        make_request(who, business=make_business(who, name=business), product_name=product)
    login_as(staff)
    indexed = search(client, term)
    monkeypatch.setattr(queries, "SEARCH_RARE_MAX", 1)  # every match makes the text "common"
    scanned = search(client, term)
    assert indexed == scanned
    # The text is lowered in Python; then SQLite's LIKE folds ASCII case only (so "ÉPICERIE"
    # finds no "Épicerie" there), PostgreSQL's ILIKE every letter.
    ascii_only = client.application.config["BACKEND"] == "sqlite"
    rows = db.session.execute(
        select(ServiceRequest.code, ServiceRequest.product_name, Business.name, User.full_name)
        .join(Business, ServiceRequest.business_id == Business.id)
        .join(User, ServiceRequest.applicant_id == User.id)
    )
    lowered = term.lower()
    expected = sorted(
        code for code, *texts in rows if any(_like(lowered, t, ascii_only) for t in [code, *texts])
    )
    assert indexed == expected


def _like(term: str, value: str, ascii_only: bool) -> bool:
    """`value` contains `term` literally, case-insensitive (ASCII letters only on SQLite)."""
    flags = re.IGNORECASE | re.DOTALL | (re.ASCII if ascii_only else 0)
    return re.search(re.escape(term), value, flags) is not None


def test_csv_export_of_a_search_holds_every_match(
    client, login_as, staff, owner, make_request, make_business
):
    """The export takes the list's filters, text included, but not its page size."""
    biz = make_business(owner, name="Kopi Made")
    made = sorted(make_request(owner, business=biz, product_name=f"Bubuk {i}").code for i in "abc")
    make_request(owner, business=make_business(owner, name="Toko Lain"), product_name="Teh")
    login_as(staff)
    resp = client.get("/reports/export.csv", query_string={"q": "kopi made"})
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r[0] for r in rows[1:]) == made
