"""/admin/overview as the admin: on a 360 px phone (each unit a labelled block, no sideways
scrolling) and at 1366 px (one table), every figure a link to the list."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from rumah_kemasan.accounts.models import Unit, User
from rumah_kemasan.extensions import db

from .checks import Checker
from .test_full_journey import make_staff, sign_in


@pytest.fixture
def overview_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for a page check")
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_the_overview_on_a_phone_and_a_desk(overview_app, live_server, new_page):
    admin_id = make_staff(overview_app, "admin", "Admin Provinsi", "admin@example.com")
    with overview_app.app_context():
        db.session.add(Unit(slug="sleman", name="Rumah Kemasan Sleman", city="Sleman"))
        db.session.execute(update(User).where(User.id == admin_id).values(locale="id"))
        db.session.commit()
        db.session.remove()
    checker = Checker("national-overview")

    phone = checker.watch(new_page(360, 740))
    sign_in(phone, live_server, "admin@example.com")
    phone.goto(live_server + "/admin/overview")
    checker.check(phone, "overview on a phone")
    assert phone.locator("html").get_attribute("lang") == "id"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    first = phone.locator("#overview tbody td").first
    assert phone.evaluate("e => getComputedStyle(e, '::before').content", first.element_handle())
    assert phone.locator("#overview [data-count]").count() == 3 * 3  # two units and the total

    desk = checker.watch(new_page(1366, 768))
    sign_in(desk, live_server, "admin@example.com")
    desk.goto(live_server + "/admin/overview?period=quarter")
    checker.check(desk, "overview at 1366 px")
    assert desk.locator("#overview thead th").count() == 7
    assert desk.locator("#overview thead").is_visible()
    assert desk.evaluate("getComputedStyle(document.querySelector('#overview')).display") == "table"
    desk.locator("[data-count=total-open]").click()
    desk.wait_for_load_state("load")
    assert "/requests?" in desk.url and "open=1" in desk.url
    checker.assert_all()
