"""A unit's holidays on a 360 px phone, as its supervisor: add a local day off through the form
(CSRF on, no JavaScript needed), see it listed, then remove it; no sideways scrolling."""

from __future__ import annotations

import pytest

from .checks import Checker
from .test_full_journey import make_staff, sign_in


@pytest.fixture
def holidays_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for a page check")
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_a_supervisor_adds_and_removes_a_local_day_off_on_a_phone(
    holidays_app, live_server, new_page
):
    from sqlalchemy import select

    from rumah_kemasan.accounts.models import Unit, UnitHoliday
    from rumah_kemasan.extensions import db

    make_staff(holidays_app, "supervisor", "Kepala Unit", "kepala@example.com")
    with holidays_app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.slug == "denpasar"))
        db.session.remove()
    checker = Checker("unit-holidays")
    page = checker.watch(new_page(360, 740))
    sign_in(page, live_server, "kepala@example.com")
    page.goto(f"{live_server}/admin/units/{unit_id}/holidays?year=2026")
    checker.check(page, "holidays of 2026")
    assert page.locator("#days li").count() >= 10  # the national holidays of the year
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("#name").fill("Galungan")
    page.locator("#day").fill("2026-11-07")  # a Saturday: refused, the name is kept
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("#day-err").count() == 1
    assert page.locator("#name").input_value() == "Galungan"
    checker.check(page, "a weekend refused")
    page.locator("#day").fill("2026-11-04")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator(".flash-success").count() == 1
    day = page.locator("#days li[data-day='2026-11-04']")
    assert "Galungan" in day.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    checker.check(page, "day off added")
    day.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("#days li[data-day='2026-11-04']").count() == 0
    checker.check(page, "day off removed")
    checker.assert_all()
    with holidays_app.app_context():
        assert db.session.scalar(select(UnitHoliday)) is None
        db.session.remove()
