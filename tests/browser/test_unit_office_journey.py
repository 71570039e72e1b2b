"""Issue 15, first "Done when": a new office is set up and run entirely from the browser.

The admin, at 1366×768, creates a unit in WIB (Kabupaten Sleman), imports its kecamatan and desa
from a CSV (preview, then confirm), enables three services with their own SLA and invites the
unit's supervisor by WhatsApp number (the link is shown once). The supervisor, on a 360×740 phone
and in Indonesian, sets a password through that link, enables a fourth service, adds a local
day off that falls inside the next request's SLA window, and invites a designer by e-mail (the
link is read from the outbox, as the mail would carry it). An owner registers, chooses the
regency, kecamatan and desa of the business (GET steps, no JavaScript needed) and files a
request; the new designer sets a password, finds it on the desk and accepts it. The due date
skips the local day off and is shown in WIB, to the minute, to the designer and the owner; a
designer of Denpasar gets 404 for the request.

Besides the admin and a Denpasar designer made as fixtures, only reads go to the database (the
outbox, the request's unit and acceptance instant): every change is made through the pages,
with CSRF protection on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD

from .checks import Checker
from .test_full_journey import CODE_RE, OWNER_PASSWORD, act, make_staff, sign_in

pytestmark = pytest.mark.browser

SUPERVISOR_PASSWORD = "kepala-sleman-2026"
DESIGNER_PASSWORD = "desainer-sleman-2026"
LINK = re.compile(r"https?://[^/\s\"]+(/auth/reset/[A-Za-z0-9_-]+)")
ZONE = "Asia/Jakarta"
# The unit's catalog: three services set up by the admin, the fourth by the supervisor; each
# with an SLA of its own (none is the national default).
ADMIN_SERVICES = {"KONSULTASI": 2, "FOTO-PRODUK": 4, "LEGALITAS": 8}
SUPERVISOR_SERVICE, SUPERVISOR_SLA = "DESAIN-LABEL", 6
AREAS_CSV = (
    "code,kecamatan,name,kind\n"
    "34.04.01.2001,Gamping,Ambarketawang,desa\n"
    "34.04.01.2002,Gamping,Balecatur,desa\n"
    "34.04.01.2003,Gamping,Banyuraden,desa\n"
    "34.04.07.2001,Depok,Caturtunggal,desa\n"
    "34.04.07.2002,Depok,Maguwoharjo,desa\n"
    "34.04.07.2003,Depok,Condongcatur,desa\n"
)


@pytest.fixture
def office_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for the browser journey")
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def sla_date(instant) -> str:
    from rumah_kemasan.service_requests import sla

    return sla.format_local_date(instant, "id", ZONE)


def _fits(page, width=360):
    """Nothing scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _submit(page, form="main form"):
    page.locator(f"{form} button[type=submit]").click()
    page.wait_for_load_state("load")


def _make_admin(app) -> None:
    """The province's administrator, who belongs to no unit."""
    from sqlalchemy import update

    from rumah_kemasan.accounts.models import User
    from rumah_kemasan.extensions import db

    admin_id = make_staff(app, "admin", "Admin Provinsi", "admin@jogjaprov.test")
    with app.app_context():
        db.session.execute(update(User).where(User.id == admin_id).values(unit_id=None))
        db.session.commit()
        db.session.remove()


def _read(app, fn):
    """Run fn() in an app context (reads only) and return its result."""
    from rumah_kemasan.extensions import db

    with app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def _invite_link(app, email: str) -> str:
    """The set-password link of the invitation e-mail, as the mail carries it."""
    from rumah_kemasan.accounts.models import User
    from rumah_kemasan.notifications.models import OutboxEmail

    def body(db):
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        mail = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.user_id == user_id).order_by(OutboxEmail.id)
        )
        assert mail is not None and mail.to_address == email
        return mail.body_text

    return LINK.search(_read(app, body)).group(1)


def _local_day_off(app, unit_id: int):
    """The second working day after today (local, WIB), no national holiday: a request accepted
    in the next minutes counts it inside an SLA of two working days or more, unless the unit
    closes; the second, not the first, so that a run crossing midnight WIB still accepts the
    request before the day off."""
    from rumah_kemasan.accounts.models import Unit
    from rumah_kemasan.service_requests.services import calendar_for

    def pick(db):
        cal = calendar_for(db.session.get(Unit, unit_id))
        assert cal.label == "WIB"
        return cal.next_working_day(cal.next_working_day(cal.local(datetime.now(UTC)).date()))

    return _read(app, pick)


def _expected_due(app, code: str, day_off):
    """(due text in Indonesian, due instant, due instant without the day off), counted from the
    acceptance instant stored by the app, on the unit's calendar and on the national one."""
    from rumah_kemasan.service_requests import sla
    from rumah_kemasan.service_requests.models import ServiceRequest
    from rumah_kemasan.service_requests.services import calendar_for

    def compute(db):
        req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.code == code))
        cal = calendar_for(req.unit)
        assert req.unit.timezone == ZONE and day_off in cal.holidays_in(day_off.year)
        assert req.sla_days == SUPERVISOR_SLA
        due = sla.due_at(req.accepted_at, req.sla_days, 0, cal)
        national = sla.due_at(req.accepted_at, req.sla_days, 0, sla.WorkingCalendar(ZONE))
        assert sla.as_utc(req.due_at) == due, "the stored due date is not the unit's calendar"
        accepted_day = cal.local(req.accepted_at).date()
        due_day = cal.local(due).date()
        # The day off lies between acceptance and the due date, and is not one of its
        # working days: the unit counts the SLA days (one more when accepted on a closed day,
        # whose clock starts the next working morning), the national calendar one more still.
        assert accepted_day < day_off < due_day
        counted = cal.working_dates_after(accepted_day, due_day)
        assert counted == req.sla_days + (0 if cal.is_working_day(accepted_day) else 1)
        assert sla.WorkingCalendar(ZONE).working_dates_after(accepted_day, due_day) == counted + 1
        return sla.format_local(due, "id", ZONE), due, national

    return _read(app, compute)


def test_a_new_wib_unit_is_set_up_and_run_from_the_browser(
    office_app, live_server, new_page, tmp_path
):
    app, base = office_app, live_server
    _make_admin(app)
    make_staff(app, "staff", "Putu Desainer Denpasar", "putu@denpasar.test")
    checker = Checker("unit-office")
    check = checker.check

    # --- the admin, at a desk ---------------------------------------------------------------
    admin = checker.watch(new_page(1366, 768))
    sign_in(admin, base, "admin@jogjaprov.test")
    admin.goto(base + "/admin/units")
    admin.locator("main a[href='/admin/units/new']").click()
    admin.wait_for_url(re.compile("/admin/units/new$"))
    check(admin, "admin: new unit")
    admin.locator("#name").fill("Rumah Kemasan Kabupaten Sleman")
    admin.locator("#province").fill("DI Yogyakarta")
    admin.locator("#city").fill("Kabupaten Sleman")
    admin.locator("#address").fill("Jl. Magelang Km 10, Tridadi")
    admin.locator("#whatsapp").fill("0812-2700-3404")
    admin.locator("#email").fill("kemasan.sleman@example.com")
    admin.locator("#opening_hours").fill("Senin–Jumat 08.00–15.30")
    admin.locator("#timezone").select_option(ZONE)
    admin.locator("#region_code").fill("34.04")
    _submit(admin)
    match = re.search(r"/admin/units/(\d+)/areas$", admin.url)
    assert match, admin.locator("main .error").all_inner_texts()
    unit_id = int(match.group(1))
    assert admin.locator(".flash-success").count() == 1

    # Its areas from a CSV: a preview first, nothing saved until confirmed.
    csv_file = tmp_path / "wilayah-sleman.csv"
    csv_file.write_text(AREAS_CSV, encoding="utf-8")
    admin.locator("#file").set_input_files(str(csv_file))
    _submit(admin, "form[enctype]")
    assert admin.locator("#area-preview tbody tr").count() == 6
    check(admin, "admin: areas preview")
    assert admin.locator("#area-counts").count() == 0  # nothing saved yet
    _submit(admin, "section[aria-labelledby=preview-h] form")
    assert admin.locator(".flash-success").count() == 1
    counts = [r.inner_text().split("\t") for r in admin.locator("#area-counts tbody tr").all()]
    assert [(c[0], c[2]) for c in counts] == [("Gamping", "3"), ("Depok", "3")], counts

    # Three services, each with its own SLA.
    for code, days in ADMIN_SERVICES.items():
        admin.goto(f"{base}/admin/units/{unit_id}/services")
        admin.locator(f"#catalog tr[data-code='{code}'] a").click()
        admin.wait_for_url(re.compile(f"/services/{code}$"))
        admin.locator("#enabled").check()
        admin.locator("#sla_days").fill(str(days))
        _submit(admin)
        assert admin.url.endswith(f"/admin/units/{unit_id}/services")
        row = admin.locator(f"#catalog tr[data-code='{code}'] td")
        assert row.nth(2).inner_text().strip() == str(days)
    check(admin, "admin: catalog")

    # The unit's supervisor, by WhatsApp number: the link is shown once.
    admin.goto(base + "/admin/users/invite")
    admin.locator("#full_name").fill("Sri Kepala Sleman")
    admin.locator("#phone").fill("0813-2900-1122")
    admin.locator("#role").select_option("supervisor")
    admin.locator("#unit_id").select_option(str(unit_id))
    _submit(admin)
    check(admin, "admin: supervisor's link")
    supervisor_link = admin.locator("#set-password-link").input_value()
    assert re.search(r"/auth/reset/[\w-]+$", supervisor_link)

    # --- the supervisor, on a phone, in Indonesian -----------------------------------------
    boss = checker.watch(new_page(360, 740))
    boss.goto(supervisor_link)
    assert boss.locator("html").get_attribute("lang") == "id"
    check(boss, "supervisor: set password")
    boss.locator("#password").fill(SUPERVISOR_PASSWORD)
    boss.locator("#confirm").fill(SUPERVISOR_PASSWORD)
    _submit(boss)
    assert "/auth/" not in boss.url, boss.url  # signed in by the link

    boss.goto(base + "/admin")
    check(boss, "supervisor: administration")
    _fits(boss)
    boss.locator("main a[href='/admin/units']").click()
    boss.wait_for_url(re.compile("/admin/units$"))
    assert boss.locator("#units tbody tr").count() == 1  # their own unit only
    assert "WIB" in boss.locator("#units tbody tr").inner_text()
    check(boss, "supervisor: units")
    _fits(boss)
    boss.locator(f"#units a[href='/admin/units/{unit_id}']").click()
    boss.wait_for_url(re.compile(f"/admin/units/{unit_id}$"))
    boss.locator(f"main a[href='/admin/units/{unit_id}/services']").click()
    boss.wait_for_url(re.compile("/services$"))
    check(boss, "supervisor: catalog")
    _fits(boss)
    boss.locator(f"#catalog tr[data-code='{SUPERVISOR_SERVICE}'] a").click()
    boss.wait_for_url(re.compile(f"/services/{SUPERVISOR_SERVICE}$"))
    check(boss, "supervisor: a service's terms")
    _fits(boss)
    boss.locator("#enabled").check()
    boss.locator("#sla_days").fill(str(SUPERVISOR_SLA))
    _submit(boss)
    assert boss.locator(".flash-success").count() == 1
    row = boss.locator(f"#catalog tr[data-code='{SUPERVISOR_SERVICE}'] td")
    assert row.nth(1).inner_text().strip() == "ya"
    assert row.nth(2).inner_text().strip() == str(SUPERVISOR_SLA)

    # A local day off inside the coming request's SLA window.
    day_off = _local_day_off(app, unit_id)
    boss.goto(f"{base}/admin/units/{unit_id}")
    boss.locator(f"main a[href^='/admin/units/{unit_id}/holidays']").click()
    boss.wait_for_url(re.compile("/holidays"))
    check(boss, "supervisor: holidays")
    _fits(boss)
    assert "WIB" in boss.locator("main").inner_text()
    boss.locator("#day").fill(day_off.isoformat())
    boss.locator("#name").fill("Cuti bersama Kabupaten Sleman")
    _submit(boss, "form.stack")
    assert boss.locator(".flash-success").count() == 1
    listed = boss.locator(f"#days li[data-day='{day_off.isoformat()}']")
    assert "Cuti bersama Kabupaten Sleman" in listed.inner_text()
    check(boss, "supervisor: day off added")
    _fits(boss)

    # A designer for the unit, by e-mail: the link travels in the mail.
    boss.goto(base + "/admin/users/invite")
    check(boss, "supervisor: invite")
    _fits(boss)
    assert boss.locator("#unit_id").input_value() == str(unit_id)
    boss.locator("#full_name").fill("Bagus Desainer Sleman")
    boss.locator("#email").fill("bagus.sleman@example.com")
    boss.locator("#role").select_option("staff")
    _submit(boss)
    assert re.search(r"/admin/users/\d+$", boss.url), boss.url
    check(boss, "supervisor: the designer's page")
    _fits(boss)
    designer_path = _invite_link(app, "bagus.sleman@example.com")

    # --- the owner, on a phone ---------------------------------------------------------------
    owner = checker.watch(new_page(360, 740))
    owner.goto(base + "/auth/register")
    owner.locator("#full_name").fill("Endang Lestari")
    owner.locator("#phone").fill("0878 3911 2233")
    owner.locator("#password").fill(OWNER_PASSWORD)
    owner.locator("#confirm").fill(OWNER_PASSWORD)
    owner.locator("#consent").check()
    _submit(owner)
    owner.wait_for_url(re.compile("/account/businesses/new"))
    check(owner, "owner: where is the business")
    owner.locator("#unit").select_option(str(unit_id))  # Denpasar is the other choice
    _submit(owner)
    check(owner, "owner: kecamatan")
    owner.locator("#kecamatan").select_option("Depok")
    _submit(owner)
    check(owner, "owner: business profile")
    owner.locator("#name").fill("Bakpia Bu Endang")
    owner.locator("#area_id").select_option(label="Caturtunggal")
    _submit(owner)
    owner.wait_for_url(re.compile("/requests/new"))
    check(owner, "owner: new request")
    options = owner.locator("#service_type_id option:not([value=''])")
    assert options.count() == 4, options.all_inner_texts()  # this unit's catalog
    owner.locator("#service_type_id").select_option(label="Desain label/stiker")
    owner.locator("#product_name").fill("Bakpia Kacang Hijau isi 20")
    owner.locator("#product_category").select_option("pangan")
    owner.locator("#brief").fill("Label kotak bakpia, warna cokelat dan krem.")
    _submit(owner)
    owner.wait_for_url(CODE_RE)
    code = CODE_RE.search(owner.url).group(1)
    check(owner, "owner: request filed")

    def unit_of_request(db):
        from rumah_kemasan.service_requests.models import ServiceRequest

        return db.session.scalar(select(ServiceRequest.unit_id).where(ServiceRequest.code == code))

    assert _read(app, unit_of_request) == unit_id

    # --- the new designer: a password through the mailed link, the desk, acceptance --------
    designer = checker.watch(new_page(360, 740))
    designer.goto(base + designer_path)
    designer.locator("#password").fill(DESIGNER_PASSWORD)
    designer.locator("#confirm").fill(DESIGNER_PASSWORD)
    _submit(designer)
    assert "/auth/" not in designer.url, designer.url
    designer.context.clear_cookies()  # and signs in again with the new password
    sign_in(designer, base, "bagus.sleman@example.com", DESIGNER_PASSWORD)
    designer.goto(base + "/desk")
    check(designer, "designer: desk")
    _fits(designer)
    fresh = designer.locator("section[aria-labelledby=new-h]")
    fresh.locator(f"a[href='/requests/{code}']").click()
    designer.wait_for_url(re.compile(f"/requests/{code}$"))
    act(designer, "accepted")
    expected, due, national = _expected_due(app, code, day_off)
    assert due > national  # the day off pushed it by a working day
    assert expected.endswith(" WIB") and " pukul " in expected
    main = designer.locator("main").inner_text()
    assert expected in main, (expected, main)
    check(designer, "designer: accepted")
    designer.goto(base + "/desk")
    queued = designer.locator("section[aria-labelledby=queue-h] .card", has_text=code)
    assert sla_date(due) in queued.inner_text()  # the card shows the day, in the unit's zone

    # The owner sees the same due date, in WIB.
    owner.reload()
    owner.wait_for_load_state("load")
    assert expected in owner.locator("main").inner_text()
    check(owner, "owner: due date")

    # --- a designer of another unit -----------------------------------------------------------
    other = new_page(360, 740)
    sign_in(other, base, "putu@denpasar.test", PASSWORD)
    response = other.goto(f"{base}/requests/{code}")
    assert response.status == 404
    response = other.goto(f"{base}/admin/units/{unit_id}/holidays")
    assert response.status in (403, 404)

    checker.assert_all()
