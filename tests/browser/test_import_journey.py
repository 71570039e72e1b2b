"""A supervisor imports the office's spreadsheet on a phone-sized screen, without JavaScript."""

from __future__ import annotations

import re

import pytest

from rumah_kemasan.roles import Role
from tests.browser.checks import Checker
from tests.conftest import PASSWORD
from tests.integration.test_onboarding import big_file_rows, xlsx

pytestmark = pytest.mark.browser


def test_supervisor_imports_a_spreadsheet_at_360_px(
    app, live_server, browser, new_page, make_user, tmp_path
):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for the browser journey")
    supervisor = make_user(Role.SUPERVISOR)
    rows = big_file_rows()[:40]
    good = dict(rows[7])
    rows[7]["phone"] = "12345"
    bad_file, good_file = tmp_path / "register-salah.xlsx", tmp_path / "register.xlsx"
    bad_file.write_bytes(xlsx(rows))
    rows[7] = good
    good_file.write_bytes(xlsx(rows))

    # The whole journey without JavaScript: plain forms, a multipart POST, a hidden token.
    page = new_page(360, 740, java_script_enabled=False)
    page.goto(live_server + "/auth/login")
    page.locator("#login").fill(supervisor.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.goto(live_server + "/admin/import")
    page.locator("#file").set_input_files(str(bad_file))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#problem-list")
    assert page.locator("#problem-list tbody tr").count() == 1
    assert page.locator('#problem-list tr[data-row="9"][data-column="phone"]').count() == 1
    page.screenshot(path=str(tmp_path / "problems.png"), full_page=True)
    page.locator("#file").set_input_files(str(good_file))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#preview-counts")
    assert page.locator('#preview-counts tr[data-kind="requests"] td').first.inner_text() == "40"
    page.locator("#preview form button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    assert re.search(r"#\d+", page.locator(".flash-success").inner_text())

    # Read again with JavaScript (for the checks): nothing scrolls sideways, axe has no
    # serious finding, the page is within the weight budget.
    checker = Checker("import")
    seen = checker.watch(new_page(360, 740))
    seen.goto(live_server + "/auth/login")
    seen.locator("#login").fill(supervisor.email)
    seen.locator("#password").fill(PASSWORD)
    seen.locator("form:has(#password) button[type=submit]").click()
    seen.goto(live_server + "/admin/import")
    seen.locator("#file").set_input_files(str(bad_file))
    seen.locator("form[enctype] button[type=submit]").click()
    seen.wait_for_selector("#problem-list")
    checker.check(seen, "problems at 360 px")
    assert seen.evaluate("document.documentElement.scrollWidth") <= 360
    checker.assert_all()
