"""A supervisor runs the unit's people from a 360 px phone, in Indonesian, without JavaScript
doing any of it: invites a designer by WhatsApp number, the designer sets a password through the
link, then the supervisor disables them and the designer's open tab is signed out."""

from __future__ import annotations

import re

import pytest

from .checks import Checker
from .test_full_journey import PASSWORD, make_staff, sign_in


@pytest.fixture
def admin_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for a page check")
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_a_supervisor_invites_and_disables_on_a_phone(admin_app, live_server, new_page):
    make_staff(admin_app, "supervisor", "Kepala Rumah Kemasan", "kepala@example.com")
    checker = Checker("admin-people")
    page = checker.watch(new_page(360, 740))
    sign_in(page, live_server, "kepala@example.com")

    page.goto(live_server + "/admin")
    checker.check(page, "administration home")
    _fits(page)
    page.locator("main a[href='/admin/users']").click()
    page.wait_for_load_state("load")
    checker.check(page, "people")
    _fits(page)

    page.goto(live_server + "/admin/users/invite")
    page.locator("#full_name").fill("Kadek Desainer Baru")
    page.locator("#phone").fill("0812-3456-7890")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    checker.check(page, "the link to hand over")
    _fits(page)
    link = page.locator("#set-password-link").input_value()
    assert re.search(r"/auth/reset/[\w-]+$", link)
    assert "wa.me/6281234567890" in page.locator("main a.btn").get_attribute("href")

    designer = new_page(360, 740)
    designer.goto(link)
    designer.locator("#password").fill(PASSWORD)
    designer.locator("#confirm").fill(PASSWORD)
    designer.locator("main form button[type=submit]").click()
    designer.wait_for_load_state("load")
    designer.goto(live_server + "/desk")
    assert designer.url.endswith("/desk")

    page.goto(live_server + "/admin/users?q=Kadek")
    page.locator("#people a").first.click()
    page.wait_for_load_state("load")
    checker.check(page, "the designer's page")
    _fits(page)
    form = page.locator("form[action$='/disable']")
    form.locator("textarea[name=reason]").fill("Selesai kontrak")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator(".flash-success").count() == 1
    assert "Selesai kontrak" in page.locator("main").inner_text()
    checker.check(page, "disabled")
    _fits(page)

    designer.reload()
    designer.wait_for_load_state("load")
    assert "/auth/login" in designer.url  # the open tab is signed out on its next request
    checker.assert_all()
