"""Units managed in the browser (issue 15): create and edit a unit (validated, audited), import
its kecamatan and desa/kelurahan from a CSV (preview, an error per bad line, nothing saved
until confirmed, re-import creates nothing), an owner choosing the unit through its area, and
the unit's contact on its page, the landing page, the receipt and the e-mails."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from rumah_kemasan.accounts.models import Area, AreaKind, Business, Unit
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.extensions import db
from rumah_kemasan.notifications.models import OutboxEmail
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.catalog import offer_national_defaults
from rumah_kemasan.service_requests.models import ServiceRequest, ServiceType
from tests.conftest import login

SLEMAN = {
    "name": "Rumah Kemasan Kabupaten Sleman",
    "province": "DI Yogyakarta",
    "city": "Kabupaten Sleman",
    "address": "Jl. Magelang Km 10, Tridadi, Sleman",
    "whatsapp": "0812-2710-0034",
    "email": "RumahKemasan@slemankab.go.id",
    "opening_hours": "Senin–Kamis 08.00–15.30\r\n\r\nJumat 08.00–14.00",
    "timezone": "Asia/Jakarta",
    "region_code": "34.04",
}

AREAS_CSV = (
    "\ufeffcode;kecamatan;name;kind\n"
    "34.04.07.2001;Mlati;Sinduadi;desa\n"
    "34.04.07.2002;Mlati;Sendangadi;desa\n"
    "34.04.08.2001;Depok;Caturtunggal;desa\n"
    "34.04.08.2002;Depok;Maguwoharjo;desa\n"
)


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audit(action: str) -> list[AuditLog]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _upload(client, unit_id: int, text: str, name: str = "areas.csv"):
    return client.post(
        f"/admin/units/{unit_id}/areas",
        data={"file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def _confirm(client, unit_id: int, page: str):
    text = re.search(r'<textarea[^>]*name="csv_text"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert text, "the preview carries the checked text to the confirmation"
    body = text.group(1).replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return client.post(f"/admin/units/{unit_id}/areas", data={"csv_text": body})


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def sleman(app, admin):
    """Sleman created through the page, as an admin would, with its areas imported."""
    client = app.test_client()
    login(client, admin)
    assert client.post("/admin/units/new", data=SLEMAN).status_code == 302
    db.session.rollback()
    unit = db.session.scalar(select(Unit).where(Unit.slug == "rumah-kemasan-kabupaten-sleman"))
    page = _upload(client, unit.id, AREAS_CSV).get_data(as_text=True)
    assert _confirm(client, unit.id, page).status_code == 302
    db.session.rollback()
    return db.session.get(Unit, unit.id)


# --- create and edit ------------------------------------------------------------------------


def test_an_admin_creates_a_unit_with_its_contact_and_an_audit_row(app, admin):
    client = app.test_client()
    login(client, admin)
    resp = client.post("/admin/units/new", data=SLEMAN)
    assert resp.status_code == 302
    db.session.rollback()
    unit = db.session.scalar(select(Unit).where(Unit.name == SLEMAN["name"]))
    assert resp.headers["Location"].endswith(f"/admin/units/{unit.id}/areas")
    assert unit.slug == "rumah-kemasan-kabupaten-sleman"
    assert unit.whatsapp == "6281227100034"  # normalised like every phone
    assert unit.email == "rumahkemasan@slemankab.go.id"
    assert unit.opening_hours == "Senin–Kamis 08.00–15.30\nJumat 08.00–14.00"
    assert (unit.timezone, unit.region_code, unit.province) == (
        "Asia/Jakarta",
        "34.04",
        "DI Yogyakarta",
    )
    [row] = _audit("unit.create")
    assert row.actor_id == admin.id and row.target == f"unit:{unit.id}"
    assert row.details["after"]["timezone"] == "Asia/Jakarta"
    # The same name again gets its own address.
    assert client.post("/admin/units/new", data=SLEMAN).status_code == 302
    db.session.rollback()
    slugs = db.session.scalars(select(Unit.slug).where(Unit.name == SLEMAN["name"])).all()
    assert sorted(slugs) == ["rumah-kemasan-kabupaten-sleman", "rumah-kemasan-kabupaten-sleman-2"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("province", "", "This field is required."),
        ("whatsapp", "0274-868405", "landline"),
        ("whatsapp", "12", "Enter a mobile (WhatsApp) number"),
        ("email", "kantor@", "Enter a valid e-mail address."),
        ("timezone", "", "This field is required."),
        ("timezone", "Asia/Singapore", "Not a valid choice"),
        ("timezone", "Asia/Makassar ", "Not a valid choice"),
        ("region_code", "34-04", "Digits in groups separated by dots"),
        ("region_code", "34.04.", "Digits in groups separated by dots"),
    ],
)
def test_a_bad_unit_field_is_named_and_nothing_is_saved(app, admin, field, value, message):
    client = app.test_client()
    login(client, admin)
    client.post("/lang/en")
    before = _count(Unit)
    resp = client.post("/admin/units/new", data=SLEMAN | {field: value})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'id="{field}-err"' in html and message in html
    assert "Jl. Magelang Km 10" in html  # what was typed is kept
    assert _count(Unit) == before and _audit("unit.create") == []


def test_a_supervisor_edits_their_own_unit_only_and_the_audit_has_before_and_after(
    app, make_user, unit, other_unit
):
    supervisor = make_user(Role.SUPERVISOR)
    client = app.test_client()
    login(client, supervisor)
    page = client.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert 'value="0812-3450-0000"' in page or "081234500000" in page  # the stored number
    data = {
        "name": unit.name,
        "province": "Bali",
        "city": unit.city,
        "address": unit.address,
        "whatsapp": "081234500000",
        "email": unit.email,
        "opening_hours": "Senin–Jumat 08.00–15.00",
        "timezone": unit.timezone,
        "region_code": unit.region_code,
    }
    assert client.post(f"/admin/units/{unit.id}", data=data).status_code == 302
    [row] = _audit("unit.update")
    assert row.actor_id == supervisor.id
    assert row.details["before"] == {"opening_hours": "Senin–Kamis 08.00–15.30\nJumat 08.00–13.00"}
    assert row.details["after"] == {"opening_hours": "Senin–Jumat 08.00–15.00"}
    # Saving the same again changes nothing and writes no row.
    assert client.post(f"/admin/units/{unit.id}", data=data).status_code == 302
    assert len(_audit("unit.update")) == 1
    # Another unit is not theirs: 404 everywhere, and creating a unit is the admin's.
    for url in (f"/admin/units/{other_unit.id}", f"/admin/units/{other_unit.id}/areas"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data=data).status_code == 404, url
    assert client.get(f"/admin/units/{other_unit.id}/areas/sample.csv").status_code == 404
    assert client.get("/admin/units/new").status_code == 403
    listing = client.get("/admin/units").get_data(as_text=True)
    assert unit.name in listing and other_unit.name not in listing
    db.session.rollback()
    assert db.session.get(Unit, other_unit.id).province == ""


# --- areas from a CSV -------------------------------------------------------------------------


def test_a_bad_csv_names_each_bad_line_and_saves_nothing(app, admin, sleman):
    client = app.test_client()
    login(client, admin)
    client.post("/lang/en")
    before = _count(Area)
    bad = (
        "code,kecamatan,name,kind\n"
        "34.04.07.2003,Mlati,Tirtoadi,desa\n"  # 2: fine
        "34.04.07.2004,Mlati,,desa\n"  # 3: no name
        "34.04.07.2005,Mlati,Tlogoadi,dusun\n"  # 4: unknown kind
        "34.04.07.2003,Mlati,Sumberadi,desa\n"  # 5: code of line 2
        "51.71.01.1001,Depok,Condongcatur,desa\n"  # 6: another region's code
        "34.04.07.2006,Mlati,tirtoadi ,desa\n"  # 7: line 2 again
        "34.04.07.2007,Mlati,Sendangadi\n"  # 8: three columns
    )
    resp = _upload(client, sleman.id, bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    rows = re.findall(
        r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
        html[html.index('id="area-errors"') :],
    )
    by_line = {int(line): (column, text) for line, column, text in rows}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert by_line[3] == ("name", "Missing.")
    assert by_line[4][0] == "kind" and "dusun" in by_line[4][1]
    assert by_line[5][0] == "code" and "line 2" in by_line[5][1]
    assert by_line[6][0] == "code" and "34.04" in by_line[6][1]
    assert by_line[7][0] == "name" and "line 2" in by_line[7][1]
    assert by_line[8][0] == "whole line" and "3" in by_line[8][1]
    assert 'name="csv_text"' not in html  # nothing to confirm
    assert _count(Area) == before and len(_audit("unit.areas.import")) == 1  # the fixture's
    # A forged confirmation of the same text is checked again and refused too.
    assert client.post(f"/admin/units/{sleman.id}/areas", data={"csv_text": bad}).status_code == 422
    assert _count(Area) == before


def test_a_file_that_is_not_utf8_is_refused_with_a_hint(app, admin, sleman):
    client = app.test_client()
    login(client, admin)
    client.post("/lang/en")
    resp = client.post(
        f"/admin/units/{sleman.id}/areas",
        data={"file": (io.BytesIO("1,Mlati,Tlogoadi,desa\n".encode("utf-16")), "a.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "CSV UTF-8" in resp.get_data(as_text=True)


def test_a_valid_csv_creates_exactly_its_rows_and_a_reimport_creates_nothing(app, admin, sleman):
    assert _count(Area, Area.unit_id == sleman.id) == 4
    areas = db.session.scalars(
        select(Area).where(Area.unit_id == sleman.id).order_by(Area.position)
    ).all()
    assert [(a.code, a.kecamatan, a.name, a.kind, a.kecamatan_code) for a in areas] == [
        ("34.04.07.2001", "Mlati", "Sinduadi", AreaKind.DESA, "34.04.07"),
        ("34.04.07.2002", "Mlati", "Sendangadi", AreaKind.DESA, "34.04.07"),
        ("34.04.08.2001", "Depok", "Caturtunggal", AreaKind.DESA, "34.04.08"),
        ("34.04.08.2002", "Depok", "Maguwoharjo", AreaKind.DESA, "34.04.08"),
    ]
    [row] = _audit("unit.areas.import")
    assert row.details == {"create": 4, "update": 0, "same": 0}
    client = app.test_client()
    login(client, admin)
    client.post("/lang/en")
    # The preview alone saves nothing.
    more = AREAS_CSV + "34.04.08.1001;Depok;Condongcatur;kelurahan\n"
    more = more.replace("Maguwoharjo;desa", "Maguwoharjo;kelurahan")
    page = _upload(client, sleman.id, more).get_data(as_text=True)
    assert "1 new, 1 updated, 3 unchanged" in page
    assert _count(Area, Area.unit_id == sleman.id) == 4
    assert _confirm(client, sleman.id, page).status_code == 302
    assert _count(Area, Area.unit_id == sleman.id) == 5
    maguwo = db.session.scalar(select(Area).where(Area.name == "Maguwoharjo"))
    assert maguwo.kind == AreaKind.KELURAHAN and maguwo.id == areas[3].id  # updated in place
    # The same file again: nothing new, nothing changed.
    page = _upload(client, sleman.id, more).get_data(as_text=True)
    assert "0 new, 0 updated, 5 unchanged" in page
    _confirm(client, sleman.id, page)
    assert _count(Area, Area.unit_id == sleman.id) == 5
    assert _audit("unit.areas.import")[-1].details == {"create": 0, "update": 0, "same": 5}
    counts = client.get(f"/admin/units/{sleman.id}/areas").get_data(as_text=True)
    assert re.search(r"<td>Mlati</td><td>0</td><td>2</td>", counts)
    assert re.search(r"<td>Depok</td><td>2</td><td>1</td>", counts)


def test_the_sample_file_imports_into_a_unit_without_a_region_code(app, admin):
    client = app.test_client()
    login(client, admin)
    client.post("/admin/units/new", data=SLEMAN | {"region_code": "", "name": "RK Uji"})
    db.session.rollback()
    unit = db.session.scalar(select(Unit).where(Unit.name == "RK Uji"))
    sample = client.get(f"/admin/units/{unit.id}/areas/sample.csv")
    assert sample.headers["Content-Type"].startswith("text/csv")
    page = _upload(client, unit.id, sample.get_data(as_text=True)).get_data(as_text=True)
    assert _confirm(client, unit.id, page).status_code == 302
    assert _count(Area, Area.unit_id == unit.id) == sample.get_data(as_text=True).count("\n") - 1


# --- the owner chooses where the business is --------------------------------------------------


def test_an_owner_registers_businesses_in_two_units_by_choosing_their_areas(
    app, make_user, unit, sleman
):
    owner = make_user()
    client = app.test_client()
    login(client, owner)
    # 1: the units, grouped by province
    page = client.get("/account/businesses/new").get_data(as_text=True)
    assert '<optgroup label="DI Yogyakarta">' in page and '<optgroup label="Bali">' in page
    assert 'id="area_id"' not in page
    # 2: the kecamatan of the chosen unit only
    page = client.get(f"/account/businesses/new?unit={sleman.id}").get_data(as_text=True)
    assert "<option>Mlati</option>" in page and "Denpasar Selatan" not in page
    # 3: its desa, none chosen for the owner
    page = client.get(f"/account/businesses/new?unit={sleman.id}&kecamatan=Depok").get_data(
        as_text=True
    )
    select_html = page[page.index('id="area_id"') :].split("</select>")[0]
    assert "Caturtunggal" in select_html and "Sinduadi" not in select_html
    assert "selected" not in select_html
    area = db.session.scalar(select(Area).where(Area.name == "Caturtunggal"))
    form = {"name": "Bakpia Bu Sri", "category": "pangan", "scale": "mikro"}
    # Sent without a desa: said clearly, typed text kept, nothing saved.
    resp = client.post(
        "/account/businesses/new", data=form | {"unit": sleman.id, "kecamatan": "Depok"}
    )
    assert resp.status_code == 200 and 'id="area_id-err"' in resp.get_data(as_text=True)
    assert "Bakpia Bu Sri" in resp.get_data(as_text=True) and _count(Business) == 0
    resp = client.post("/account/businesses/new", data=form | {"area_id": area.id})
    assert resp.status_code == 302
    denpasar_area = db.session.scalar(select(Area).where(Area.name == "Panjer"))
    form["name"] = "Loloh Bu Sri"
    client.post("/account/businesses/new", data=form | {"area_id": denpasar_area.id})
    db.session.rollback()
    stmt = select(Business.name, Business.unit_id).where(Business.owner_id == owner.id)
    units = {name: unit_id for name, unit_id in db.session.execute(stmt)}
    assert units == {"Bakpia Bu Sri": sleman.id, "Loloh Bu Sri": unit.id}


# --- the unit's contact where owners look ------------------------------------------------------


def _assert_contact(text: str) -> None:
    assert "Jl. Magelang Km 10, Tridadi, Sleman" in text
    assert "0812-2710-0034" in text
    assert "rumahkemasan@slemankab.go.id" in text
    assert "Senin–Kamis 08.00–15.30" in text and "Jumat 08.00–14.00" in text


def test_the_unit_contact_is_on_its_page_the_landing_page_the_receipt_and_the_emails(
    app, make_user, sleman, unit
):
    anonymous = app.test_client()
    page = anonymous.get(f"/units/{sleman.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    _assert_contact(html)
    assert 'href="https://wa.me/6281227100034"' in html and "Mlati" in html
    assert anonymous.get("/units/nowhere").status_code == 404
    home = anonymous.get("/").get_data(as_text=True)
    _assert_contact(home)
    assert f'href="/units/{sleman.slug}"' in home and f'href="/units/{unit.slug}"' in home

    # A request filed in Sleman: its receipt and its e-mails carry Sleman's contact. A new unit
    # offers nothing until its services are enabled (tests/integration/test_catalog.py): here
    # the national catalog, as `flask data load` gives a unit from a data file.
    db.session.rollback()  # end this session's read snapshot before writing
    offer_national_defaults(db.session.get(Unit, sleman.id))
    db.session.commit()
    staff = make_user(Role.STAFF, unit_=sleman)
    owner = make_user()
    staff_client = app.test_client()
    login(staff_client, staff)
    assert (
        staff_client.post("/account/notifications", data={"new_request": "immediate"}).status_code
        == 303
    )
    client = app.test_client()
    login(client, owner)
    area = db.session.scalar(select(Area).where(Area.name == "Sinduadi"))
    client.post(
        "/account/businesses/new",
        data={"name": "Geplak Bu Sri", "category": "pangan", "scale": "mikro", "area_id": area.id},
    )
    db.session.rollback()
    business = db.session.scalar(select(Business).where(Business.name == "Geplak Bu Sri"))
    service = db.session.scalar(select(ServiceType).order_by(ServiceType.position))
    resp = client.post(
        "/requests/new",
        data={
            "business_id": business.id,
            "service_type_id": service.id,
            "product_name": "Geplak 250 g",
            "product_category": "pangan",
            "brief": "Label baru",
            "target_market": "lokal",
        },
    )
    assert resp.status_code == 302
    db.session.rollback()
    req = db.session.scalar(select(ServiceRequest).where(ServiceRequest.business_id == business.id))
    assert req.unit_id == sleman.id
    pdf = PdfReader(io.BytesIO(client.get(f"/requests/{req.code}/receipt.pdf").data))
    receipt = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())  # lines wrap
    assert "Rumah Kemasan Kabupaten Sleman" in receipt and "0812-2710-0034" in receipt
    assert "rumahkemasan@slemankab.go.id" in receipt and "Jumat 08.00–14.00" in receipt
    assert "Denpasar" not in receipt
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == staff.id))
    assert mail is not None, "the unit's staff are told of the new request"
    _assert_contact(mail.body_text)
    _assert_contact(mail.body_html)
    assert "Mayor Wisnu" not in mail.body_text  # not Denpasar's


def test_the_walk_in_form_offers_the_staff_members_unit_areas_with_none_chosen(
    app, make_user, sleman
):
    staff = make_user(Role.STAFF, unit_=sleman)
    client = app.test_client()
    login(client, staff)
    page = client.get("/requests/new").get_data(as_text=True)
    select_html = page[page.index('id="area_id"') :].split("</select>")[0]
    assert "Sinduadi" in select_html and "Caturtunggal" in select_html
    assert "Panjer" not in select_html  # Denpasar's
    assert "selected" not in select_html
    assert re.search(r'id="area_id"[^>]*><option value="">', page)
