"""/admin/overview and the admin's unit filter: every unit side by side, each figure equal to
the rows of the list it links to; staff and supervisors confined to their unit whatever
`?unit=` says."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update

from rumah_kemasan.accounts.models import Business, BusinessScale, ProductCategory, Unit
from rumah_kemasan.audit import services as audit
from rumah_kemasan.database import utcnow
from rumah_kemasan.extensions import db
from rumah_kemasan.reports import national
from rumah_kemasan.reports.models import AgeGroup, Education, Gender, Occupation, SurveyResponse
from rumah_kemasan.reports.periods import local_today, period_of
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.catalog import offer_national_defaults
from rumah_kemasan.service_requests.models import ServiceRequest
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.report_helpers import figures, listed_codes, signed_in

DATA_FIGURE = re.compile(r'data-figure="([^"]+)">([^<]+)<')


def _page_figures(page: str) -> dict[str, str]:
    return dict(DATA_FIGURE.findall(page))


class Units:
    """Requests in several units, in every state the overview tells apart."""

    def __init__(self, make_user, make_request):
        self.make_user, self.make_request = make_user, make_request
        self.now = utcnow()
        self.staff_id = make_user(Role.STAFF).id
        self.codes: dict[int, list[str]] = {}

    def add_unit(self, slug: str, city: str) -> Unit:
        u = Unit(slug=slug, name=f"Rumah Kemasan {city}", city=city)
        db.session.add(u)
        db.session.flush()
        offer_national_defaults(u)  # a new unit offers nothing until its services are enabled
        db.session.commit()
        return u

    def request(self, unit: Unit, status: Status, **times) -> ServiceRequest:
        owner = self.make_user(unit_=unit)
        biz = Business(
            owner_id=owner.id,
            unit_id=unit.id,
            name=f"Usaha {owner.full_name}",
            category=ProductCategory.PANGAN,
            scale=BusinessScale.MIKRO,
        )
        db.session.add(biz)
        db.session.commit()
        req = self.make_request(owner, business=biz)
        db.session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == req.id)
            .values(status=status, assignee_id=self.staff_id, unit_id=unit.id, **times)
        )
        db.session.commit()
        self.codes.setdefault(unit.id, []).append(req.code)
        return req

    def fill(self, unit: Unit, *, open_ok=0, overdue=0, paused=0, done_days=(), old=0, scores=()):
        """open_ok on time, overdue, paused past due (not overdue), completed in the year after
        `done_days` days each, completed last year, and one survey answer per score list."""
        now = self.now
        for _ in range(open_ok):
            self.request(unit, Status.IN_DESIGN, due_at=now + timedelta(days=3))
        for _ in range(overdue):
            self.request(unit, Status.IN_DESIGN, due_at=now - timedelta(days=2))
        for _ in range(paused):
            self.request(
                unit,
                Status.NEEDS_INFO,
                due_at=now - timedelta(days=2),
                paused_at=now - timedelta(days=3),
            )
        done = []
        for days in done_days:
            end = now - timedelta(minutes=1)
            done.append(
                self.request(
                    unit,
                    Status.COMPLETED,
                    completed_at=end,
                    submitted_at=end - timedelta(days=days),
                    due_at=end + timedelta(days=1),
                )
            )
        for _ in range(old):
            self.request(
                unit,
                Status.COMPLETED,
                submitted_at=now - timedelta(days=800),
                completed_at=now - timedelta(days=790),
            )
        self.request(unit, Status.CANCELLED)
        for req, score in zip(done, scores, strict=False):
            db.session.add(
                SurveyResponse(
                    request_id=req.id,
                    unit_id=unit.id,
                    service_type_id=req.service_type_id,
                    gender=Gender("p"),
                    age_group=AgeGroup("30_39"),
                    education=Education("sma"),
                    occupation=Occupation("wirausaha"),
                    **{f"u{i}": s for i, s in enumerate(score, start=1)},
                    created_at=now - timedelta(minutes=1),
                )
            )
        db.session.commit()


@pytest.fixture
def units(make_user, make_request, unit, other_unit):
    world = Units(make_user, make_request)
    world.sleman = world.add_unit("sleman", "Sleman")
    world.fill(
        unit,
        open_ok=2,
        overdue=2,
        paused=1,
        done_days=(2, 5, 10),
        old=1,
        scores=([4] * 9, [3] * 9),
    )
    world.fill(other_unit, open_ok=1, overdue=1, done_days=(1, 3), scores=([2] * 9,))
    world.fill(world.sleman)  # a new unit: nothing but a cancelled request...
    # ... and, in WIB, one completed at 23:30 WIB on 31 December of last year, which is
    # 00:30 WITA on 1 January: whatever zone the list reads the period in, the overview must
    # count in the same one (the number and its link are compared below).
    world.sleman.timezone = "Asia/Jakarta"
    db.session.commit()
    year = local_today(world.now).year
    edge = datetime(year - 1, 12, 31, 23, 30, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
    world.request(
        world.sleman, Status.COMPLETED, completed_at=edge, submitted_at=edge - timedelta(days=1)
    )
    world.unit, world.other = unit, other_unit
    return world


def test_every_figure_equals_the_rows_of_its_link(app, units, make_user):
    admin = make_user(Role.ADMIN)
    client = signed_in(app, admin)
    resp = client.get("/admin/overview")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    found = figures(page)
    a, b, c = units.unit.id, units.other.id, units.sleman.id
    expected = {
        f"{a}-open": 5,  # the paused one is open, not overdue
        f"{a}-overdue": 2,
        f"{a}-completed": 3,  # not last year's
        f"{b}-open": 2,
        f"{b}-overdue": 1,
        f"{b}-completed": 2,
        f"{c}-open": 0,
        f"{c}-overdue": 0,
        # The WIB unit counts in WIB: completed at 23:30 on 31 December, last year.
        f"{c}-completed": 0,
        "total-open": 7,
        "total-overdue": 3,
        # The totals count as the all-units list they link to, in the default zone (WITA):
        # there the same request was completed at 00:30 on 1 January, this year.
        "total-completed": 6,
    }
    assert {k: found[k][0] for k in expected} == expected
    for key, (n, link) in found.items():
        codes = listed_codes(client, link)
        assert len(codes) == n, (key, link, codes)
        unit_id = key.split("-")[0]
        if unit_id != "total":
            assert set(codes) <= set(units.codes[int(unit_id)]), key

    shown = _page_figures(page)
    assert shown[f"{a}-median"] == "5.0"  # 2, 5, 10 days
    assert shown[f"{b}-median"] == "2.0"  # 1 and 3 days
    assert f"{c}-median" not in shown  # nothing completed in WIB's year: a dash, no link
    assert shown["total-median"] == "2.5"  # 1, 1, 2, 3, 5, 10: the edge request counts
    # IKM: (4 + 3) / 2 * 25 = 87.50, grade B; the other unit 2 * 25 = 50.00, grade D.
    assert (shown[f"{a}-ikm"], shown[f"{a}-grade"]) == ("87.50", "B")
    assert (shown[f"{b}-ikm"], shown[f"{b}-grade"]) == ("50.00", "D")
    assert shown["total-ikm"] == "75.00"  # (4 + 3 + 2) / 3 * 25
    # ... and the SKM page the IKM links to says the same.
    for key in (f"{a}-ikm", f"{b}-ikm", "total-ikm"):
        link = re.search(rf'href="([^"]+)" data-figure="{key}"', page).group(1)
        skm = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
        assert _page_figures(skm)["ikm"] == shown[key], key

    # Grouped by region (the province; the city of a unit without one), alphabetically.
    headings = re.findall(r'<th scope="rowgroup" colspan="7">([^<]+)</th>', page)
    assert units.unit.province == "Bali" and not units.other.province
    assert headings == sorted(
        {u.province or u.city for u in (units.unit, units.other, units.sleman)}
    )


def test_the_number_of_queries_does_not_grow_with_the_units(app, units, make_user):
    admin = make_user(Role.ADMIN)
    now = utcnow()
    period = period_of("year", local_today(now))

    def queries_for_overview() -> tuple[int, national.Overview]:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        assert admin.role is Role.ADMIN  # loaded before counting (a commit expired it)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            data = national.overview(admin, period, now)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), data

    few, data = queries_for_overview()
    assert sum(len(rows) for _region, rows in data.regions) == 3
    for i in range(4):
        extra = units.add_unit(f"unit-{i}", f"Kota {i}")
        units.fill(extra, open_ok=1, overdue=1, done_days=(2,), scores=([4] * 9,))
    many, data = queries_for_overview()
    assert sum(len(rows) for _region, rows in data.regions) == 7
    # units; then counts, hours to complete and survey sums per unit, and again for the totals
    assert many == few == 7


def test_only_the_admin_opens_the_overview(app, units, make_user):
    for role in (Role.SUPERVISOR, Role.STAFF, Role.OWNER):
        client = signed_in(app, make_user(role))
        assert client.get("/admin/overview").status_code == 403, role


def test_median_of_a_histogram():
    assert national.median_of(Counter()) is None
    assert national.median_of(Counter({5: 1})) == 5
    assert national.median_of(Counter({1: 1, 3: 1})) == 2
    assert national.median_of(Counter({1: 2, 10: 1})) == 1
    assert national.median_of(Counter({1: 1, 2: 1, 7: 1, 8: 1})) == Fraction(9, 2)


# --- the unit filter: admins choose, everyone else stays in their unit ----------------------


def _csv_codes(body: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(body)) for cell in row if cell.startswith("RK-")}


def test_the_admin_narrows_every_list_report_and_export_to_one_unit(app, units, make_user):
    admin = make_user(Role.ADMIN)
    client = signed_in(app, admin)
    a, b = units.unit.id, units.other.id
    for url in ("/requests", "/backlog", "/reports", "/reports/skm", "/audit"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="unit"' in page, url  # the unit selector
        assert f'<option value="{b}"' in page, url

    listed = set(listed_codes(client, f"/requests?unit={b}"))
    assert listed == set(units.codes[b])
    make_user(Role.STAFF, unit_=units.other, full_name="Desainer Badung")
    page = client.get(f"/requests?unit={b}").get_data(as_text=True)
    assert 'name="assignee"' in page and "Desainer Badung" in page  # that unit's designers
    assert "Desainer Badung" not in client.get(f"/requests?unit={a}").get_data(as_text=True)
    assert not listed & set(units.codes[a])
    exported = _csv_codes(client.get(f"/reports/export.csv?unit={b}").get_data(as_text=True))
    assert exported == listed
    everything = _csv_codes(client.get("/reports/export.csv").get_data(as_text=True))
    assert everything >= set(units.codes[a]) | set(units.codes[b])

    report = figures(client.get(f"/reports?unit={b}&period=year").get_data(as_text=True))
    assert report["completed"][0] == 2
    backlog = figures(client.get(f"/backlog?unit={b}").get_data(as_text=True))
    assert (backlog["open"][0], backlog["overdue"][0]) == (2, 1)


def test_a_supervisor_passing_another_units_id_sees_only_their_own(app, units, make_user):
    sup = make_user(Role.SUPERVISOR)  # of units.unit
    other_staff = make_user(Role.STAFF, unit_=units.other)
    audit.record(sup, "test.own")
    audit.record(other_staff, "test.other")
    db.session.commit()
    client = signed_in(app, sup)
    a, b = units.unit.id, units.other.id
    for url in ("/requests", "/backlog", "/reports", "/reports/skm", "/audit"):
        page = client.get(f"{url}?unit={b}").get_data(as_text=True)
        assert 'name="unit"' not in page, url  # no selector for one unit's people

    listed = set(listed_codes(client, f"/requests?unit={b}"))
    assert listed == set(listed_codes(client, "/requests")) == set(units.codes[a])
    body = client.get(f"/reports/export.csv?unit={b}").get_data(as_text=True)
    assert _csv_codes(body) == set(units.codes[a])
    report = client.get(f"/reports/export.csv?table=report&unit={b}&period=year")
    assert report.status_code == 200
    backlog = figures(client.get(f"/backlog?unit={b}").get_data(as_text=True))
    assert (backlog["open"][0], backlog["overdue"][0]) == (5, 2)  # their unit's
    page = client.get(f"/reports?unit={b}&period=year").get_data(as_text=True)
    assert figures(page)["completed"][0] == 3  # the supervisor's unit, not the other's 2
    skm = client.get(f"/reports/skm?unit={b}&period=year").get_data(as_text=True)
    assert _page_figures(skm)["ikm"] == "87.50"  # their own unit's IKM, not 50.00
    log = client.get(f"/audit?unit={b}").get_data(as_text=True)
    assert "test.own" in log and "test.other" not in log


def test_the_admin_reads_one_units_audit_rows(app, units, make_user):
    admin = make_user(Role.ADMIN)
    sup = make_user(Role.SUPERVISOR)
    other_staff = make_user(Role.STAFF, unit_=units.other)
    audit.record(sup, "test.own")
    audit.record(other_staff, "test.other")
    db.session.commit()
    client = signed_in(app, admin)
    both = client.get("/audit").get_data(as_text=True)
    assert "test.own" in both and "test.other" in both
    one = client.get(f"/audit?unit={units.other.id}").get_data(as_text=True)
    assert "test.other" in one and "test.own" not in one


@pytest.mark.parametrize(("lang", "word"), [("id", "Terlambat"), ("en", "Overdue")])
def test_the_overview_speaks_both_languages(app, units, make_user, lang, word):
    client = signed_in(app, make_user(Role.ADMIN, locale=lang))
    page = client.get("/admin/overview").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f'<th scope="col" class="num">{word}</th>' in page
