"""Restore drill: back up, wreck the data and the files, restore, prove everything identical."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

from sqlalchemy import MetaData, create_engine, text

from rumah_kemasan.audit.services import record
from rumah_kemasan.designs.models import DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests import services as request_services
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import png_bytes


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (reflected from the database), ordered by primary key."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(table.select().order_by(*order))]
    engine.dispose()
    return out


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _seed(make_user, make_request, add_file):
    staff = make_user(Role.STAFF, full_name="Kadek Staf")
    owners = [make_user(full_name=f"Pemilik {i}") for i in range(3)]
    for i, owner in enumerate(owners):
        req = make_request(owner, product_name=f"Produk {i}")
        add_file(req, DesignKind.BEFORE, user=owner, data=png_bytes(color=(i, 9, 9)))
        request_services.transition(req, staff, Status.ACCEPTED)
        request_services.transition(req, staff, Status.IN_DESIGN, assignee=staff)
        request_services.comment(req, staff, f"Catatan internal {i}", internal=True)
        db.session.commit()
        add_file(req, DesignKind.DRAFT, user=staff, data=png_bytes(color=(9, i, 9)))
    record(staff, "export.requests.csv", None, {"filters": {"q": "kopi"}})
    db.session.commit()


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_restore_drill(app, database_url, tmp_path, make_user, make_request, add_file):
    _seed(make_user, make_request, add_file)
    upload_dir = Path(app.config["UPLOAD_DIR"])
    rows_before, files_before = _rows(database_url), _files(upload_dir)
    assert len(rows_before["request_event"]) >= 9 and len(files_before) >= 6
    db.session.rollback()  # no open transaction may hold a lock during the restore

    archive = tmp_path / "backups" / "rk.tar"
    code, output = _run(app, "backup", "create", "--output", str(archive))
    assert code == 0, output
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert names == set(manifest["members"]) | {"manifest.json"}
    assert {f"files/{k}" for k in files_before} <= set(manifest["members"])
    assert manifest["members"][f"files/{next(iter(files_before))}"]["sha256"] in set(
        files_before.values()
    )

    # Wreck it: rows deleted and changed, a stranger added; files deleted, changed, added.
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notification"))
        conn.execute(text("DELETE FROM request_event WHERE kind = 'comment'"))
        conn.execute(text("DELETE FROM audit_log"))
        conn.execute(text("UPDATE service_request SET product_name = 'RUSAK', revision_count = 7"))
        conn.execute(
            text(
                'INSERT INTO "user" (role, full_name, phone, active, session_token, locale,'
                " created_at) VALUES ('umkm', 'Penyusup', '6281999999999', true, 'x', 'id',"
                " CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    some = sorted(files_before)
    (upload_dir / some[0]).unlink()
    (upload_dir / some[1]).write_bytes(b"corrupted")
    (upload_dir / "2020" / "01").mkdir(parents=True, exist_ok=True)
    (upload_dir / "2020" / "01" / "stray.png").write_bytes(b"stray")
    assert _rows(database_url) != rows_before and _files(upload_dir) != files_before

    code, output = _run(app, "backup", "restore", str(archive), "--yes")
    assert code == 0, output
    assert _rows(database_url) == rows_before
    assert _files(upload_dir) == files_before

    # The app works on the restored data: a new request gets the next number, not a clash.
    owner = make_user(full_name="Pemilik Baru")
    req = make_request(owner)
    assert req.code not in {r[1] for r in rows_before["service_request"]}


def test_restore_refuses_a_damaged_archive_and_changes_nothing(
    app, database_url, tmp_path, make_user, make_request, add_file
):
    _seed(make_user, make_request, add_file)
    db.session.rollback()  # no open transaction may hold a lock during the restore
    upload_dir = Path(app.config["UPLOAD_DIR"])
    archive = tmp_path / "rk.tar"
    assert _run(app, "backup", "create", "-o", str(archive))[0] == 0

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notification"))
    engine.dispose()
    rows_now, files_now = _rows(database_url), _files(upload_dir)

    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("files/"))
    with archive.open("r+b") as fh:  # flip one byte inside a stored file
        fh.seek(member.offset_data + 10)
        byte = fh.read(1)
        fh.seek(member.offset_data + 10)
        fh.write(bytes([byte[0] ^ 0xFF]))

    code, output = _run(app, "backup", "verify", str(archive))
    assert code != 0 and "checksum mismatch" in output
    code, output = _run(app, "backup", "restore", str(archive), "--yes")
    assert code != 0 and "nothing was changed" in output
    assert _rows(database_url) == rows_now
    assert _files(upload_dir) == files_now
