"""Privacy under UU PDP: consent records, a copy of one's data, erasure, the audit log page."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, select

from rumah_kemasan.accounts.models import Area, Business, ConsentRecord, User
from rumah_kemasan.audit.models import AuditLog
from rumah_kemasan.audit.services import record
from rumah_kemasan.database import utcnow
from rumah_kemasan.designs import services as designs
from rumah_kemasan.designs.models import DesignFile, DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.formats import display_phone
from rumah_kemasan.reports.models import SurveyResponse
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import services as requests_service
from rumah_kemasan.service_requests.models import RequestEvent, ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import PASSWORD, login, png_bytes


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PDF = _pdf()


def test_registration_and_gallery_consent_carry_purpose_and_time(app, client):
    before = utcnow()
    resp = client.post(
        "/auth/register",
        data={
            "full_name": "Made Konsen",
            "phone": "0812-7000-1111",
            "email": "konsen@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "consent": "y",
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "konsen@example.com"))
        [reg] = db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id))
        assert reg.kind == "registration" and reg.granted
        assert "statisti" in reg.purpose  # the stated purpose, incl. anonymous statistics
        assert before - timedelta(seconds=1) <= reg.at <= utcnow()
    form = {"name": "Dapur Konsen", "category": "pangan", "scale": "mikro", "address": "Jl. X"}
    with app.app_context():
        area_id = db.session.scalar(select(Area.id).limit(1))
    resp = client.post(
        "/account/businesses/new", data=form | {"area_id": area_id, "gallery_consent": "y"}
    )
    assert resp.status_code == 302
    with app.app_context():
        business = db.session.scalar(select(Business).where(Business.name == "Dapur Konsen"))
    resp = client.post(f"/account/businesses/{business.id}", data=form | {"area_id": area_id})
    assert resp.status_code == 302
    with app.app_context():
        gallery = db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.user_id == user.id, ConsentRecord.kind.startswith("gallery"))
            .order_by(ConsentRecord.id)
        ).all()
        assert [c.granted for c in gallery] == [True, False]  # given, then withdrawn
        assert all("galeri" in c.purpose and c.at >= before for c in gallery)


def _owner_world(make_user, make_business, make_request, add_file, *, name, email, phone):
    """An owner with a business, a completed request with every kind of file, notes, survey."""
    owner = make_user(full_name=name, email=email, phone=phone)
    staff = make_user(Role.STAFF, full_name="Kadek Desainer")
    business = make_business(owner, name=f"Dapur {name}", nib="1234567890123", address="Jl. A 1")
    req = make_request(
        owner,
        business=business,
        status=Status.IN_DESIGN,
        assignee=staff,
        brief=f"Hubungi {display_phone(phone)} atau {email}",
    )
    files = {
        "before": add_file(req, DesignKind.BEFORE, user=owner, name="foto-lama.png"),
        "document": add_file(
            req, DesignKind.DOCUMENT, user=owner, data=PDF, name=f"NIB {name}.pdf"
        ),
        "draft_hidden": add_file(req, DesignKind.DRAFT, user=staff, name="draft-1.png"),
        "proof": add_file(
            req, DesignKind.DRAFT, user=staff, name="draft-2.png", data=png_bytes(color=(1, 2, 3))
        ),
        "final": add_file(req, DesignKind.FINAL, user=staff, name="final.png"),
    }
    files["proof"].proof_published_at = utcnow()
    requests_service.comment(req, owner, f"Saya {name}, WA {phone}")
    requests_service.comment(req, staff, f"Sudah ditelepon Bu {name}", internal=False)
    requests_service.comment(req, staff, "INTERNAL-ONLY harga cetak dinaikkan", internal=True)
    designs.record_handover(req, staff, name, 100, f"diambil {name}")
    req.status = Status.COMPLETED
    req.completed_at = utcnow()
    db.session.flush()
    db.session.add(
        SurveyResponse(
            request_id=req.id,
            unit_id=req.unit_id,
            service_type_id=req.service_type_id,
            respondent_id=owner.id,
            gender="p",
            age_group="30_39",
            education="sma",
            occupation="wirausaha",
            suggestion=f"Terima kasih dari {name}",
            **{f"u{i}": 4 for i in range(1, 10)},
        )
    )
    db.session.add(
        ConsentRecord(user_id=owner.id, kind=f"gallery:Dapur {name}"[:40], purpose="galeri")
    )
    db.session.commit()
    return owner, staff, req, files


def test_owner_downloads_all_their_data(
    app, client, make_user, make_business, make_request, add_file
):
    owner, _staff, req, files = _owner_world(
        make_user,
        make_business,
        make_request,
        add_file,
        name="Ni Luh Ekspor",
        email="ekspor@example.com",
        phone="6281299887766",
    )
    other = make_user(full_name="Orang Lain")
    other_req = make_request(other)
    expected = {k: (f.id, f.sha256) for k, f in files.items()}
    code, other_code = req.code, other_req.code

    login(client, owner)
    assert client.get("/account/data").status_code == 200
    resp = client.post("/account/data/export")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert "Ekspor" not in resp.headers["Content-Disposition"]  # no personal data in names
    zf = zipfile.ZipFile(io.BytesIO(resp.get_data()))
    names = set(zf.namelist())
    for doc in ("profile", "consents", "businesses", "requests", "survey", "notifications"):
        assert f"{doc}.json" in names
    profile = json.loads(zf.read("profile.json"))
    assert (profile["full_name"], profile["email"], profile["phone"]) == (
        "Ni Luh Ekspor",
        "ekspor@example.com",
        "6281299887766",
    )
    consents = json.loads(zf.read("consents.json"))
    assert {c["kind"] for c in consents} >= {"gallery:Dapur Ni Luh Ekspor"}
    assert all(c["purpose"] and c["at"] for c in consents)
    assert json.loads(zf.read("businesses.json"))[0]["nib"] == "1234567890123"
    [exported] = json.loads(zf.read("requests.json"))
    assert exported["code"] == code and exported["brief"].startswith("Hubungi")
    notes = [e["note"] for e in exported["timeline"]]
    assert "Saya Ni Luh Ekspor, WA 6281299887766" in notes
    assert "Sudah ditelepon Bu Ni Luh Ekspor" in notes
    assert "INTERNAL-ONLY" not in zf.read("requests.json").decode()  # never internal notes
    assert other_code not in zf.read("requests.json").decode()
    [survey] = json.loads(zf.read("survey.json"))
    assert survey["request"] == code and survey["u1"] == 4

    # Files: before photo, document, the published proof and the final; not the unsent draft.
    by_id = {f["path"]: f for f in exported["files"]}
    file_members = {n for n in names if n.startswith("files/")}
    assert file_members == set(by_id)
    got = {}
    for path in file_members:
        got[int(path.split("/")[2].split("-")[0])] = hashlib.sha256(zf.read(path)).hexdigest()
    assert got == {fid: sha for k, (fid, sha) in expected.items() if k != "draft_hidden"}

    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(
                AuditLog.action == "account.export", AuditLog.actor_id == owner.id
            )
        )


def test_data_pages_are_for_owners_only(app, make_user):
    staff = make_user(Role.STAFF)
    client = app.test_client()
    assert client.get("/account/data").status_code == 302  # to the sign-in page
    login(client, staff)
    assert client.get("/account/data").status_code == 403
    assert client.post("/account/data/delete", data={"password": PASSWORD}).status_code == 403


def test_export_is_rate_limited(app, client, make_user):
    owner = make_user()
    login(client, owner)
    codes = [client.post("/account/data/export").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_wrong_password_deletes_nothing(app, client, make_user, make_request):
    owner = make_user(full_name="Tetap Ada")
    make_request(owner)
    login(client, owner)
    wrong = {"password": "salah-sekali-123", "confirm": "y"}
    resp = client.post("/account/data/delete", data=wrong)
    assert resp.status_code == 200
    resp = client.post("/account/data/delete", data={"password": PASSWORD})  # not confirmed
    assert resp.status_code == 200
    db.session.rollback()
    with app.app_context():
        assert db.session.get(User, owner.id).full_name == "Tetap Ada"
    assert client.get("/account").status_code == 200  # still signed in


def _report_csv(app, supervisor) -> bytes:
    client = app.test_client()
    login(client, supervisor)
    resp = client.get("/reports/export.csv?table=report&period=year")
    assert resp.status_code == 200
    return resp.get_data()


def _all_text(url: str) -> list[tuple[str, str, str]]:
    """Every non-null value of every column of every table, as text (reflected from the DB)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    out = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                for col, value in row._mapping.items():
                    if value is not None:
                        out.append((table.name, col, json.dumps(value, default=str)))
                        out.append((table.name, col, str(value)))
    engine.dispose()
    return out


def test_deleting_the_account_erases_personal_data_and_keeps_statistics(
    app, database_url, make_user, make_business, make_request, add_file
):
    name, email, phone = "Ni Luh Sarining Wijaya", "sarining.w@example.com", "6281377001234"
    owner, staff, req, files = _owner_world(
        make_user, make_business, make_request, add_file, name=name, email=email, phone=phone
    )
    # Traces elsewhere: an e-mail to the owner, a staff export searched by the owner's name,
    # a supervisor; and another owner whose data must stay untouched.
    from rumah_kemasan.notifications.models import NotificationKind
    from rumah_kemasan.notifications.services import notify

    notify(owner, NotificationKind.STATUS, req, Status.COMPLETED)
    record(staff, "export.requests.csv", None, {"filters": {"q": name}})
    supervisor = make_user(Role.SUPERVISOR)
    keeper, _s, keeper_req, keeper_files = _owner_world(
        make_user,
        make_business,
        make_request,
        add_file,
        name="Wayan Tetap",
        email="tetap@example.com",
        phone="6281377009999",
    )
    db.session.commit()
    upload_dir = Path(app.config["UPLOAD_DIR"])
    owner_keys = [k for f in files.values() for k in f.storage_keys()]
    keeper_keys = [k for f in keeper_files.values() for k in f.storage_keys()]
    assert all((upload_dir / k).is_file() for k in owner_keys + keeper_keys)
    events_before = db.session.scalar(select(func.count()).where(RequestEvent.request_id == req.id))
    code, status = req.code, req.status
    report_before = _report_csv(app, supervisor)
    needles = [name, email, phone, display_phone(phone), "0" + phone[2:]]
    assert any(n.lower() in v.lower() for _t, _c, v in _all_text(database_url) for n in needles)

    client = app.test_client()
    login(client, owner)
    resp = client.post("/account/data/delete", data={"password": PASSWORD, "confirm": "y"})
    assert resp.status_code == 302

    # Signed out for good: the old cookie no longer opens the account, the login fails.
    assert client.get("/account").status_code == 302
    assert login(app.test_client(), owner).status_code == 200  # the form again, no session

    hits = [
        (t, c) for t, c, v in _all_text(database_url) for n in needles if n.lower() in v.lower()
    ]
    assert hits == []
    assert not any((upload_dir / k).exists() for k in owner_keys)
    assert all((upload_dir / k).is_file() for k in keeper_keys)
    stored = {p.relative_to(upload_dir).as_posix() for p in upload_dir.rglob("*") if p.is_file()}
    assert stored == set(keeper_keys)

    db.session.rollback()
    kept = db.session.scalar(select(ServiceRequest).where(ServiceRequest.code == code))
    assert kept.status == status and kept.applicant_id == owner.id
    assert db.session.scalar(select(func.count()).where(RequestEvent.request_id == kept.id)) == (
        events_before
    )
    placeholder = db.session.get(User, owner.id)
    assert placeholder.deleted_at is not None and not placeholder.active
    assert placeholder.password_hash is None and placeholder.email is None
    assert db.session.scalar(select(func.count()).where(DesignFile.request_id == kept.id)) == 0
    # The other owner keeps everything.
    assert db.session.get(User, keeper.id).full_name == "Wayan Tetap"
    assert db.session.get(ServiceRequest, keeper_req.id).brief.startswith("Hubungi")
    assert _report_csv(app, supervisor) == report_before


def test_audit_log_page(app, make_user, make_request, add_file, other_unit):
    owner = make_user()
    staff = make_user(Role.STAFF, full_name="Staf Pengunduh")
    supervisor = make_user(Role.SUPERVISOR, full_name="Kepala Unit")
    outsider = make_user(Role.STAFF, unit_=other_unit, full_name="Staf Badung")
    admin = make_user(Role.ADMIN)
    req = make_request(owner, status=Status.ACCEPTED)
    document = add_file(req, DesignKind.DOCUMENT, user=owner, data=PDF, name="nib.pdf")
    record(outsider, "export.requests.csv", None, {"filters": {}})
    db.session.commit()

    # Real actions write the rows: a staff download of an owner's document, a supervisor export.
    staff_client = app.test_client()
    login(staff_client, staff)
    assert staff_client.get(f"/files/{document.id}").status_code == 200
    sup_client = app.test_client()
    login(sup_client, supervisor)
    assert sup_client.get("/reports/export.csv").status_code == 200

    page = sup_client.get("/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "file.download" in html and f"request:{req.code}" in html
    assert "Staf Pengunduh" in html and "export.requests.csv" in html
    assert "Staf Badung" not in html  # another unit's people are not the supervisor's to read

    admin_client = app.test_client()
    login(admin_client, admin)
    assert "Staf Badung" in admin_client.get("/audit").get_data(as_text=True)
    for user in (owner, staff):
        c = app.test_client()
        login(c, user)
        assert c.get("/audit").status_code == 403
    assert app.test_client().get("/audit").status_code == 302

    # Paginated: 50 per page, newest first, then the older ones.
    db.session.rollback()
    for i in range(60):
        record(staff, "test.page", f"row:{i:02d}")
    db.session.commit()
    first = sup_client.get("/audit?action=test.").get_data(as_text=True)
    assert first.count('data-id="') == 50 and "row:59" in first and "row:09" not in first
    import re

    older = re.search(r'href="(/audit\?before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = sup_client.get(older).get_data(as_text=True)
    assert second.count('data-id="') == 10 and "row:09" in second and "row:00" in second
    assert "row:10" not in second
