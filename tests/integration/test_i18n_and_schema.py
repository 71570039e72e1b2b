"""Both languages on every page; the id catalog complete; migrations equal the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.schema_helpers import model_differences

CATALOGS = Path(__file__).resolve().parents[2] / "rumah_kemasan" / "translations"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_catalog_is_complete(lang):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    with open(CATALOGS / "messages.pot", "rb") as fh:
        template = read_po(fh)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}


def test_status_labels_match_the_design(app):
    """Labels are written once (workflow.py, English msgids) and translated by the catalogs;
    the translations must be those of docs/workflow.md's status table."""
    from flask_babel import force_locale

    from rumah_kemasan.templating import status_label
    from tests import workflow_doc

    documented = workflow_doc.statuses()
    with app.test_request_context():
        for status in Status:
            with force_locale("id"):
                assert status_label(status) == documented[status.value].label_id
            with force_locale("en"):
                assert status_label(status) == documented[status.value].label_en


def _pages(owner_req, business):
    code = owner_req.code
    return {
        None: ["/", "/auth/login", "/auth/register", "/auth/reset"],
        "owner": [
            "/requests",
            f"/requests/{code}",
            "/requests/new",
            f"/requests/{code}/edit",
            "/account",
            "/account/businesses",
            "/account/businesses/new",
            f"/account/businesses/{business.id}",
            "/auth/password",
        ],
        "staff": ["/requests", f"/requests/{code}", "/requests?overdue=1&q=kopi"],
        "supervisor": [f"/requests/{code}"],
    }


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_renders_in_both_languages(app, make_user, make_request, lang):
    owner = make_user(locale=lang)
    staff = make_user(Role.STAFF, locale=lang)
    supervisor = make_user(Role.SUPERVISOR, locale=lang)
    req = make_request(owner)
    users = {"owner": owner, "staff": staff, "supervisor": supervisor}
    from tests.conftest import login

    marker = {"id": "Masuk", "en": "Sign in"}[lang]
    signed_in_marker = {"id": "Keluar", "en": "Sign out"}[lang]
    for who, paths in _pages(req, req.business).items():
        client = app.test_client()
        if who is None:
            with client.session_transaction() as sess:
                sess["lang"] = lang
        else:
            login(client, users[who])
        for path in paths:
            resp = client.get(path)
            html = resp.get_data(as_text=True)
            assert resp.status_code == 200, (who, path, resp.status_code)
            assert f'<html lang="{lang}">' in html, path
            assert (marker if who is None else signed_in_marker) in html, (who, path)


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as conn:
        assert model_differences(conn) == []
