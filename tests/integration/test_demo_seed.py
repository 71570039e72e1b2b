"""The demo that `make run` seeds: two units in two time zones, each run by its own people.

A newcomer signs in with the printed logins and sees what a province's deployment looks like:
Denpasar (WITA) and Sleman (WIB), their own staff, catalogs that differ, a local day off each.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from rumah_kemasan.accounts.models import Area, Unit, UnitHoliday, User
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.seed import seed_demo
from rumah_kemasan.service_requests.catalog import offered_services
from rumah_kemasan.service_requests.models import ServiceRequest
from tests.conftest import login


def _seed(app, tmp_path):
    app.instance_path = str(tmp_path)  # the seed writes its logins file there
    lines: list[str] = []
    with app.app_context():
        seed_demo(if_empty=False, n_owners=8, n_requests=24, echo=lines.append)
    return "\n".join(lines)


def test_the_demo_has_two_units_in_two_zones_with_their_own_people_catalog_and_days_off(
    app, tmp_path
):
    printed = _seed(app, tmp_path)
    with app.app_context():
        units = {u.slug: u for u in db.session.scalars(select(Unit))}
        denpasar, sleman = units["denpasar"], units["sleman"]
        assert (denpasar.timezone, sleman.timezone) == ("Asia/Makassar", "Asia/Jakarta")
        for unit in (denpasar, sleman):
            people = db.session.scalars(select(User).where(User.unit_id == unit.id)).all()
            assert {p.role for p in people} == {Role.STAFF, Role.SUPERVISOR}
            requests = db.session.scalar(
                select(func.count()).where(ServiceRequest.unit_id == unit.id)
            )
            assert requests > 0
            assert db.session.scalar(select(func.count()).where(Area.unit_id == unit.id)) > 0
            # A local day off of its own, that the other unit does not have.
            days = db.session.scalars(
                select(UnitHoliday.day).where(UnitHoliday.unit_id == unit.id)
            ).all()
            assert days
        assert (
            date(2027, 1, 13)
            in db.session.scalars(
                select(UnitHoliday.day).where(UnitHoliday.unit_id == denpasar.id)
            ).all()
        )
        # The catalogs differ: Sleman offers no photo session, and labels in 7 working days.
        offers = {
            s: {o.service_type.code: o for o in offered_services(u)} for s, u in units.items()
        }
        assert "FOTO-PRODUK" in offers["denpasar"] and "FOTO-PRODUK" not in offers["sleman"]
        assert offers["sleman"]["DESAIN-LABEL"].sla_days == 7
        assert offers["denpasar"]["DESAIN-LABEL"].sla_days == 10
        # Every Sleman request was filed under Sleman's own terms.
        sleman_labels = db.session.scalars(
            select(ServiceRequest.sla_days)
            .join(ServiceRequest.service_type)
            .where(ServiceRequest.unit_id == sleman.id)
            .where(ServiceRequest.service_type.has(code="DESAIN-LABEL"))
        ).all()
        assert all(days == 7 for days in sleman_labels)

    # A login per role of each unit is printed, and each one signs in.
    password = re.search(r"password for every account: (\S+)\)", printed).group(1)
    for heading in ("Kota Denpasar, WITA", "Kabupaten Sleman, WIB"):
        assert heading in printed
    emails = re.findall(r"(?:supervisor|staff|owner|admin\)?):?\s+([\w.]+@[\w.-]+)", printed)
    roles_signed_in = set()
    with app.app_context():
        for email in emails:
            user = db.session.scalar(select(User).where(User.email == email))
            client = app.test_client()
            resp = login(client, user, password=password)
            assert resp.status_code == 302, email
            roles_signed_in.add((user.role, user.unit_id))
    assert {(Role.SUPERVISOR, denpasar.id), (Role.SUPERVISOR, sleman.id)} <= roles_signed_in
    assert {(Role.STAFF, denpasar.id), (Role.STAFF, sleman.id)} <= roles_signed_in
    assert (Role.ADMIN, None) in roles_signed_in
    assert sum(role is Role.OWNER for role, _unit in roles_signed_in) >= 1


def test_each_unit_shows_its_own_zone_on_its_requests(app, tmp_path):
    printed = _seed(app, tmp_path)
    password = re.search(r"password for every account: (\S+)\)", printed).group(1)
    with app.app_context():
        sleman = db.session.scalar(select(Unit).where(Unit.slug == "sleman"))
        req = db.session.scalar(
            select(ServiceRequest)
            .where(ServiceRequest.unit_id == sleman.id, ServiceRequest.due_at.is_not(None))
            .order_by(ServiceRequest.id)
        )
        supervisor = db.session.scalar(
            select(User).where(User.unit_id == sleman.id, User.role == Role.SUPERVISOR)
        )
        client = app.test_client()
        login(client, supervisor, password=password)
        page = client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert "WIB" in page and "WITA" not in page
