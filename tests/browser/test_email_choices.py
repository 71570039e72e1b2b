"""The e-mail choices on /account, on a 360 px phone: one plain select per kind, no sideways
scrolling, saved by the form as a person would."""

from __future__ import annotations

import pytest

from .checks import Checker
from .test_full_journey import make_staff, sign_in


@pytest.fixture
def choices_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for a page check")
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_email_choices_on_a_phone(choices_app, live_server, new_page):
    from sqlalchemy import select

    from rumah_kemasan.extensions import db
    from rumah_kemasan.notifications.models import NotificationPreference

    user_id = make_staff(choices_app, "staff", "Ni Kadek Desainer", "desainer@example.com")
    checker = Checker("email-choices")
    page = checker.watch(new_page(360, 740))
    sign_in(page, live_server, "desainer@example.com")
    page.goto(live_server + "/account")
    checker.check(page, "account with e-mail choices")
    form = page.locator("form[action$='/account/notifications']")
    selects = form.locator("select")
    assert selects.count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    for i in range(selects.count()):
        box = selects.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44
    selects.first.select_option("never")
    form.locator("button[type=submit]").click()
    page.wait_for_url(live_server + "/account")
    assert page.locator(".flash-success").count() == 1
    assert page.locator("select[name=new_request]").input_value() == "never"
    checker.check(page, "choices saved")
    checker.assert_all()
    with choices_app.app_context():
        saved = db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        ).all()
        assert {(p.topic.value, p.delivery.value) for p in saved} == {
            ("new_request", "never"),
            ("assigned", "immediate"),
            ("owner_reply", "immediate"),
            ("proof_decision", "immediate"),
            ("job_status", "immediate"),
        }
        db.session.remove()
