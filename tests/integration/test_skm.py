"""The SKM survey: only the owner, only once, only after completion; /reports/skm figures."""

from __future__ import annotations

from sqlalchemy import func, select

from rumah_kemasan.extensions import db
from rumah_kemasan.reports.models import SurveyResponse
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.workflow import Status
from tests.conftest import login
from tests.integration.report_helpers import signed_in

PROFILE = {"gender": "p", "age_group": "30_39", "education": "sma", "occupation": "wirausaha"}


def answers(scores, suggestion=""):
    return (
        PROFILE
        | {f"u{i}": str(s) for i, s in enumerate(scores, start=1)}
        | {"suggestion": suggestion}
    )


def survey_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(SurveyResponse.id)))


def test_owner_is_invited_and_answers_once(app, make_user, make_request, login_as):
    owner = make_user()
    staff = make_user(Role.STAFF)
    req = make_request(owner, status=Status.COMPLETED, assignee=staff)
    client = login_as(owner)
    page = client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert f"/requests/{req.code}/survey" in page
    form = client.get(f"/requests/{req.code}/survey")
    assert form.status_code == 200
    assert 'type="radio"' in form.get_data(as_text=True)

    resp = client.post(f"/requests/{req.code}/survey", data=answers([4] * 9, "Lebih cepat"))
    assert resp.status_code == 302
    assert survey_count() == 1
    row = db.session.scalar(select(SurveyResponse))
    assert row.scores() == [4] * 9 and row.suggestion == "Lebih cepat"
    assert row.unit_id == req.unit_id

    again = client.post(f"/requests/{req.code}/survey", data=answers([1] * 9))
    assert again.status_code == 302
    assert survey_count() == 1
    page = client.get(f"/requests/{req.code}").get_data(as_text=True)
    assert f"/requests/{req.code}/survey" not in page


def test_survey_refused_before_completion_and_for_others(app, make_user, make_request):
    owner = make_user()
    other = make_user()
    staff = make_user(Role.STAFF)
    open_req = make_request(owner, status=Status.IN_DESIGN, assignee=staff)
    done = make_request(owner, status=Status.COMPLETED, assignee=staff)

    client = app.test_client()
    login(client, owner)
    assert (
        client.post(f"/requests/{open_req.code}/survey", data=answers([4] * 9)).status_code == 302
    )
    assert f"/requests/{open_req.code}/survey" not in client.get(
        f"/requests/{open_req.code}"
    ).get_data(as_text=True)

    intruder = app.test_client()
    login(intruder, other)
    assert intruder.post(f"/requests/{done.code}/survey", data=answers([4] * 9)).status_code == 404
    staff_client = app.test_client()
    login(staff_client, staff)
    assert (
        staff_client.post(f"/requests/{done.code}/survey", data=answers([4] * 9)).status_code == 403
    )
    assert survey_count() == 0


def test_invalid_answers_rerender_with_errors(app, make_user, make_request, login_as):
    owner = make_user()
    req = make_request(owner, status=Status.COMPLETED, assignee=make_user(Role.STAFF))
    client = login_as(owner)
    bad = answers([4] * 9)
    bad["u3"] = "7"
    del bad["u9"]
    resp = client.post(f"/requests/{req.code}/survey", data=bad)
    assert resp.status_code == 400
    assert 'class="error"' in resp.get_data(as_text=True)
    assert survey_count() == 0


def test_skm_report_matches_the_hand_computation(app, make_user, make_request, other_unit):
    staff = make_user(Role.STAFF)
    supervisor = make_user(Role.SUPERVISOR)
    other_sup = make_user(Role.SUPERVISOR, unit_=other_unit)
    admin = make_user(Role.ADMIN)
    unit_id, other_id = staff.unit_id, other_unit.id
    samples = [
        [4, 4, 3, 3, 4, 4, 4, 3, 2],
        [3, 4, 3, 2, 4, 3, 4, 3, 3],
        [4, 3, 2, 4, 3, 4, 4, 3, 1],
    ]
    for i, scores in enumerate(samples):
        owner = make_user()
        req = make_request(owner, status=Status.COMPLETED, assignee=staff)
        client = app.test_client()
        login(client, owner)
        resp = client.post(
            f"/requests/{req.code}/survey", data=answers(scores, f"saran <b>{i}</b>")
        )
        assert resp.status_code == 302
        db.session.rollback()  # end the test's read snapshot before writing again (SQLite)
    client = app.test_client()
    login(client, supervisor)
    page = client.get("/reports/skm").get_data(as_text=True)
    # Totals 11, 11, 8, 9, 11, 11, 12, 9, 6 over 3: IKM = 2200/27 = 81.48, grade B.
    assert 'data-figure="respondents">3<' in page
    assert 'data-figure="ikm">81.48<' in page
    assert 'data-figure="grade">B<' in page
    assert 'data-nrr="u7">4.000<' in page
    assert 'data-nrr="u9">2.000<' in page
    assert "saran &lt;b&gt;1&lt;/b&gt;" in page
    for quarter in ("/reports/skm?period=quarter", "/reports/skm?period=year"):
        assert 'data-figure="ikm">81.48<' in client.get(quarter).get_data(as_text=True)
    # Last year: nobody answered.
    assert "data-figure" not in client.get("/reports/skm?period=year&year=2001").get_data(
        as_text=True
    )

    # Another unit's supervisor sees none of it; an admin sees it with the unit filter.
    db.session.rollback()
    c2 = app.test_client()
    login(c2, other_sup)
    assert "data-figure" not in c2.get("/reports/skm").get_data(as_text=True)
    c3 = app.test_client()
    login(c3, admin)
    assert 'data-figure="ikm">81.48<' in c3.get(f"/reports/skm?unit={unit_id}").get_data(
        as_text=True
    )
    assert "data-figure" not in c3.get(f"/reports/skm?unit={other_id}").get_data(as_text=True)


def test_skm_page_is_for_supervisors_and_admins(app, make_user):
    for role, expected in ((Role.OWNER, 403), (Role.STAFF, 403), (Role.SUPERVISOR, 200)):
        client = signed_in(app, make_user(role))
        assert client.get("/reports/skm").status_code == expected, role
    assert app.test_client().get("/reports/skm").status_code == 302
