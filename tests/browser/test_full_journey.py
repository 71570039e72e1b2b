"""The whole journey of a label-design request in Chromium, as the people involved meet it.

Runs on SQLite only (the live server in a thread shares the test's SQLite file; the workflow's
PostgreSQL behaviour is covered by the integration suite). CSRF protection is on, as in
production, so every form and the JavaScript upload carry their tokens.

Every page visited is checked with axe-core (no serious or critical violation), weighed (at
most 150 KB of HTML, CSS, JS and fonts on a first visit, compressed) and photographed at phone
size into test-artifacts/ for review.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.conftest import PASSWORD

from .checks import Checker

pytestmark = pytest.mark.browser

OWNER_PASSWORD = "pouch-cantik-2026"
CODE_RE = re.compile(r"/requests/(RK-\d{4}-\d{5})")


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def journey_app(app):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for the browser journey")
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def make_staff(app, role: str, name: str, email: str) -> int:
    """A staff member or supervisor of the Denpasar unit, straight into the database."""
    from sqlalchemy import select

    from rumah_kemasan.accounts.models import Unit, User
    from rumah_kemasan.database import utcnow
    from rumah_kemasan.extensions import db
    from rumah_kemasan.roles import Role

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == "denpasar"))
        n = db.session.query(User).count()
        user = User(
            role=Role(role),
            full_name=name,
            email=email,
            phone=f"6281999{n:05d}",
            unit=unit,
            consent_at=utcnow(),
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id


def stored_files(app, code: str) -> list[tuple[str, int | None, int | None, int | None]]:
    """(kind, version, width, height) of the files stored for a request, oldest first."""
    from sqlalchemy import select

    from rumah_kemasan.designs.models import DesignFile
    from rumah_kemasan.extensions import db
    from rumah_kemasan.service_requests.models import ServiceRequest

    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.code == code))
        rows = db.session.scalars(
            select(DesignFile).where(DesignFile.request_id == req.id).order_by(DesignFile.id)
        ).all()
        out = [(f.kind.value, f.version, f.width, f.height) for f in rows]
        db.session.remove()
    return out


def request_status(app, code: str) -> str:
    from sqlalchemy import select

    from rumah_kemasan.extensions import db
    from rumah_kemasan.service_requests.models import ServiceRequest

    with app.app_context():
        status = db.session.scalar(select(ServiceRequest.status).where(ServiceRequest.code == code))
        db.session.remove()
    return status.value


def phone_photo(path, size=(4000, 3000), orientation=6):
    """A real JPEG as a phone takes it: large, landscape pixels with an EXIF rotation."""
    img = Image.new("RGB", size, (236, 222, 196))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((w // 4, h // 6, 3 * w // 4, 5 * h // 6), fill=(40, 110, 60))
    draw.ellipse((w // 3, h // 3, 2 * w // 3, 2 * h // 3), fill=(230, 180, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.save(path, "JPEG", quality=80, exif=exif)
    return path


def design_png(path, color, size=(900, 1200)):
    img = Image.new("RGB", size, color)
    ImageDraw.Draw(img).rectangle((100, 100, 800, 400), fill=(255, 255, 255))
    img.save(path, "PNG")
    return path


def sign_in(page, base, login, password=PASSWORD):
    page.goto(base + "/auth/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "/auth/login" not in page.url, "sign-in failed"


def act(page, target: str, note: str | None = None):
    """Press the 'next step' button that moves the request to `target`."""
    form = page.locator(f"form.action:has(input[name=target][value={target}])")
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def upload(page, kind: str, path, *, watch_progress=False) -> list:
    """Choose files on the request page and upload them; return the upload requests' types."""
    kinds = []

    def on_request(request):
        if request.method == "POST" and request.url.endswith("/files"):
            kinds.append(request.resource_type)

    page.on("request", on_request)
    form = page.locator("form[data-upload]")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[type=file]").set_input_files(str(path))
    if watch_progress:
        # Note every time the progress bar is shown (the page is swapped afterwards).
        page.evaluate(
            """() => { window.progressShown = false;
              const bar = document.querySelector('progress.upload-progress');
              new MutationObserver(() => { if (!bar.hidden) window.progressShown = true; })
                .observe(bar, {attributes: true}); }"""
        )
    form.locator("button[type=submit]").click()
    page.wait_for_function("() => !document.querySelector('form[aria-busy=true]')")
    page.wait_for_load_state("load")
    page.remove_listener("request", on_request)
    return kinds


def fill_checklist(page):
    page.locator("a[href*='/checklist/']").click()
    page.wait_for_url(re.compile(r"/checklist/\d+"))
    for radio in page.locator("input[type=radio][value=pass]").all():
        radio.check()


def save_checklist(page):
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(CODE_RE.pattern + r"(#files)?$"))


# --- the journey -----------------------------------------------------------------------------


def test_label_journey_in_indonesian_on_a_phone(journey_app, live_server, new_page, tmp_path):
    app, base = journey_app, live_server
    staff_id = make_staff(app, "staff", "Made Desainer", "made@rumahkemasan.test")
    make_staff(app, "supervisor", "Ibu Kepala UPT", "kepala@rumahkemasan.test")
    checker = Checker("journey-id")
    owner = checker.watch(new_page(360, 740))
    staff = checker.watch(new_page(360, 740))
    boss = checker.watch(new_page(360, 740))
    check = checker.check

    # The owner registers, fills the business profile and files a label-design request.
    owner.goto(base + "/")
    check(owner, "landing")
    owner.goto(base + "/auth/register")
    assert owner.locator("html").get_attribute("lang") == "id"
    check(owner, "register")
    owner.locator("#full_name").fill("Ni Kadek Ayu")
    owner.locator("#phone").fill("0812 3333 4444")
    owner.locator("#password").fill(OWNER_PASSWORD)
    owner.locator("#confirm").fill(OWNER_PASSWORD)
    owner.locator("#consent").check()
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(re.compile("/account/businesses/new"))
    check(owner, "business kecamatan")  # one unit: its kecamatan first, then the desa
    owner.locator("#kecamatan").select_option("Denpasar Selatan")
    owner.locator("main form button[type=submit]").click()
    check(owner, "business profile")
    owner.locator("#name").fill("Loloh Cemcem Bu Kadek")
    owner.locator("#area_id").select_option(label="Panjer")
    owner.locator("#banjar").fill("Banjar Kaja")
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(re.compile("/requests/new"))
    check(owner, "new request")
    owner.locator("#service_type_id").select_option(label="Desain label/stiker")
    owner.locator("#product_name").fill("Loloh Cemcem 250 ml")
    owner.locator("#product_category").select_option("pangan")
    owner.locator("#brief").fill("Label botol yang lebih menarik, warna hijau daun.")
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(CODE_RE)
    code = CODE_RE.search(owner.url).group(1)
    check(owner, "request filed")

    # ... with a photo of the current bottle, taken on the phone (4000×3000, EXIF rotated).
    photo = phone_photo(tmp_path / "IMG_20261128_botol.jpg")
    labels = "document.querySelector('form[data-upload] input[type=file]').labels.length"
    assert owner.evaluate(labels) == 1, "the file input has no label of its own"
    kinds = upload(owner, "before", photo, watch_progress=True)
    assert kinds == ["xhr"], "the photo did not go through the script"
    assert owner.evaluate("window.progressShown") is True
    assert owner.locator(".flash-success").count() == 1  # the server's message survived
    check(owner, "photo uploaded", weigh=False)
    before = [f for f in stored_files(app, code) if f[0] == "before"]
    # Downscaled in the browser to 2560 px on the long side, upright (portrait).
    assert before == [("before", None, 1920, 2560)]

    # Staff sign in with the keyboard only, from the skip link on.
    staff.goto(base + "/auth/login")
    staff.keyboard.press("Tab")
    assert staff.evaluate("document.activeElement.classList.contains('skip')")
    box = staff.locator("a.skip").bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, "the skip link is not visible on focus"
    staff.keyboard.press("Enter")
    assert staff.url.endswith("#main")
    staff.keyboard.press("Tab")
    assert staff.evaluate("document.activeElement.id") == "login"
    check(staff, "staff sign in")
    staff.keyboard.type("made@rumahkemasan.test")
    staff.keyboard.press("Tab")
    assert staff.evaluate("document.activeElement.id") == "password"
    staff.keyboard.type(PASSWORD)
    staff.keyboard.press("Enter")
    staff.wait_for_url(lambda url: "/auth/login" not in url)

    staff.goto(base + "/desk")
    check(staff, "desk")
    staff.goto(base + "/requests")
    check(staff, "request list")
    staff.locator(f"a[href$='/requests/{code}']").first.click()
    staff.wait_for_url(re.compile(code + "$"))
    check(staff, "staff sees the request")
    act(staff, "accepted")
    act(staff, "in_design")
    check(staff, "claimed")
    act(staff, "needs_info", note="Mohon tulis berat bersih dan nomor P-IRT.")
    assert request_status(app, code) == "needs_info"

    # The owner answers by editing the request and sending it again.
    owner.goto(base + f"/requests/{code}")
    check(owner, "owner sees the question")
    assert "Mohon tulis berat bersih" in owner.locator("main").inner_text()
    owner.locator(f"a[href$='/requests/{code}/edit']").click()
    check(owner, "edit request")
    owner.locator("#brief").fill(
        "Label botol yang lebih menarik. Berat bersih 250 ml, P-IRT 2065171010125-29."
    )
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(re.compile(code + "$"))
    act(owner, "submitted")
    assert request_status(app, code) == "submitted"

    # Staff accept again, claim, upload a draft, fill the checklist and send the proof.
    staff.goto(base + f"/requests/{code}")
    act(staff, "accepted")
    act(staff, "in_design")
    kinds = upload(staff, "draft", design_png(tmp_path / "label-v1.png", (30, 120, 60)))
    assert kinds == ["xhr"]
    check(staff, "draft v1 uploaded", weigh=False)
    fill_checklist(staff)
    check(staff, "checklist v1")
    save_checklist(staff)
    act(staff, "awaiting_approval")
    assert request_status(app, code) == "awaiting_approval"

    # The owner asks for changes.
    owner.goto(base + f"/requests/{code}")
    check(owner, "proof v1")
    assert owner.locator("img.proof-img").count() == 1
    act(owner, "in_design", note="Hurufnya diperbesar, logo di kiri.")
    assert request_status(app, code) == "in_design"

    # Staff send version 2.
    staff.goto(base + f"/requests/{code}")
    upload(staff, "draft", design_png(tmp_path / "label-v2.png", (20, 90, 160)))
    fill_checklist(staff)
    save_checklist(staff)
    act(staff, "awaiting_approval")
    check(staff, "proof v2 sent")

    # The owner approves version 2.
    owner.goto(base + f"/requests/{code}")
    check(owner, "proof v2")
    act(owner, "approved")
    assert request_status(app, code) == "approved"

    # Staff upload the final and complete the request (no printing in this service).
    staff.goto(base + f"/requests/{code}")
    upload(staff, "final", design_png(tmp_path / "label-final.png", (20, 90, 160)))
    act(staff, "completed")
    check(staff, "completed")
    assert request_status(app, code) == "completed"
    kinds_versions = [(k, v) for k, v, _w, _h in stored_files(app, code)]
    assert kinds_versions == [("before", None), ("draft", 1), ("draft", 2), ("final", None)]

    # The owner fills the SKM survey.
    owner.goto(base + f"/requests/{code}")
    check(owner, "survey invitation")
    owner.locator(f"a[href$='/requests/{code}/survey']").click()
    owner.wait_for_url(re.compile("/survey$"))
    check(owner, "survey")
    for name in ("gender", "age_group", "education", "occupation"):
        owner.locator(f"select#{name}").select_option(index=1)
    for i in range(1, 10):
        owner.locator(f"input[type=radio][name=u{i}][value='4']").check()
    owner.locator("#suggestion").fill("Pelayanan cepat dan ramah.")
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(re.compile(code + "$"))
    assert owner.locator(f"a[href$='/requests/{code}/survey']").count() == 0

    # The supervisor finds it from the backlog and exports the list.
    sign_in(boss, base, "kepala@rumahkemasan.test")
    boss.goto(base + "/backlog")
    check(boss, "backlog")
    boss.locator(f"a[data-count='staff-{staff_id}-completed']").click()
    boss.wait_for_load_state("load")
    check(boss, "completed by the designer")
    assert boss.locator(f"a[href$='/requests/{code}']").count() >= 1
    boss.goto(base + "/reports")
    check(boss, "reports")
    with boss.expect_download() as info:
        boss.evaluate("location.href = '/reports/export.csv'")
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert any(code in row for row in rows), body[:500]

    checker.assert_all()


def service_id(app, code: str) -> str:
    from sqlalchemy import select

    from rumah_kemasan.extensions import db
    from rumah_kemasan.service_requests.models import ServiceType

    with app.app_context():
        value = db.session.scalar(select(ServiceType.id).where(ServiceType.code == code))
        db.session.remove()
    return str(value)


def to_english(page):
    """Press the language button in the header (a POST to /lang/en)."""
    button = page.locator("header form.lang button[type=submit]")
    assert page.locator("header form.lang").get_attribute("action").endswith("/lang/en")
    button.click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"


def test_label_journey_in_english_on_a_laptop(journey_app, live_server, new_page, tmp_path):
    app, base = journey_app, live_server
    make_staff(app, "staff", "Made Desainer", "made@rumahkemasan.test")
    make_staff(app, "supervisor", "Ibu Kepala UPT", "kepala@rumahkemasan.test")
    checker = Checker("journey-en")
    owner = checker.watch(new_page(1366, 768))
    staff = checker.watch(new_page(1366, 768))
    boss = checker.watch(new_page(1366, 768))
    check = checker.check

    owner.goto(base + "/")
    assert owner.locator("html").get_attribute("lang") == "id"
    to_english(owner)
    check(owner, "landing")
    owner.goto(base + "/auth/register")
    check(owner, "register")
    owner.locator("#full_name").fill("Wayan Sukra")
    owner.locator("#phone").fill("+62 813-5555-6666")
    owner.locator("#password").fill(OWNER_PASSWORD)
    owner.locator("#confirm").fill(OWNER_PASSWORD)
    owner.locator("#consent").check()
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(re.compile("/account/businesses/new"))
    assert owner.locator("html").get_attribute("lang") == "en"
    owner.locator("#kecamatan").select_option("Denpasar Selatan")
    owner.locator("main form button[type=submit]").click()
    check(owner, "business profile")
    owner.locator("#name").fill("Sambal Matah Pak Wayan")
    owner.locator("#area_id").select_option(label="Sanur")
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(re.compile("/requests/new"))
    check(owner, "new request")
    owner.locator("#service_type_id").select_option(service_id(app, "DESAIN-LABEL"))
    owner.locator("#product_name").fill("Sambal Matah 150 g")
    owner.locator("#product_category").select_option("pangan")
    owner.locator("#brief").fill("A jar label for tourists: English and Indonesian.")
    owner.locator("main form button[type=submit]").click()
    owner.wait_for_url(CODE_RE)
    code = CODE_RE.search(owner.url).group(1)
    upload(owner, "before", phone_photo(tmp_path / "jar.jpg", size=(3000, 2000), orientation=1))
    check(owner, "photo uploaded", weigh=False)
    assert [f[2:] for f in stored_files(app, code)] == [(2560, 1707)]

    sign_in(staff, base, "made@rumahkemasan.test")
    to_english(staff)
    staff.goto(base + f"/requests/{code}")
    check(staff, "staff sees the request")
    act(staff, "accepted")
    act(staff, "in_design")
    upload(staff, "draft", design_png(tmp_path / "jar-v1.png", (150, 30, 20)))
    fill_checklist(staff)
    check(staff, "checklist")
    save_checklist(staff)
    act(staff, "awaiting_approval")

    owner.goto(base + f"/requests/{code}")
    check(owner, "proof")
    act(owner, "approved")
    staff.goto(base + f"/requests/{code}")
    upload(staff, "final", design_png(tmp_path / "jar-final.png", (150, 30, 20)))
    act(staff, "completed")
    check(staff, "completed")
    assert request_status(app, code) == "completed"

    owner.goto(base + f"/requests/{code}/survey")
    check(owner, "survey")

    sign_in(boss, base, "kepala@rumahkemasan.test")
    to_english(boss)
    boss.goto(base + "/backlog")
    check(boss, "backlog")
    boss.goto(base + "/reports")
    check(boss, "reports")

    checker.assert_all()


def test_without_javascript_the_plain_upload_form_still_works(
    journey_app, live_server, new_page, tmp_path
):
    app, base = journey_app, live_server
    page = new_page(360, 740, java_script_enabled=False)
    page.goto(base + "/auth/register")
    page.locator("#full_name").fill("Komang Ari")
    page.locator("#phone").fill("0813 7777 8888")
    page.locator("#password").fill(OWNER_PASSWORD)
    page.locator("#confirm").fill(OWNER_PASSWORD)
    page.locator("#consent").check()
    page.locator("main form button[type=submit]").click()
    page.locator("#kecamatan").select_option("Denpasar Selatan")  # a plain GET form
    page.locator("main form button[type=submit]").click()
    page.locator("#name").fill("Kopi Bubuk Komang")
    page.locator("#area_id").select_option(label="Renon")
    page.locator("main form button[type=submit]").click()
    page.locator("#product_name").fill("Kopi Bubuk 200 g")
    page.locator("#brief").fill("Stiker untuk kantong kopi.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(CODE_RE)
    code = CODE_RE.search(page.url).group(1)
    kinds = upload(page, "before", phone_photo(tmp_path / "kopi.jpg", (3000, 2000), 1))
    assert kinds == ["document"]  # a plain form POST, no script involved
    assert page.locator(".flash-success").count() == 1
    # Nothing shrank it: the server kept the photo as sent.
    assert [f[2:] for f in stored_files(app, code)] == [(3000, 2000)]


def test_the_checks_catch_a_page_that_breaks_them(new_page):
    """The axe and budget checks are not vacuous: a planted fault is reported."""
    page = new_page(360, 740)
    page.set_content(
        '<html lang="id"><body><main><h1>x</h1><input type="text"></main></body></html>'
    )
    report = Checker("self-check").check(page, "planted", weigh=False)
    assert any(s.startswith("label ") for s in report.serious), report
