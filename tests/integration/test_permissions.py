"""permissions.py against the access matrix: each `can_*` gives, for the security world's
objects, the answer test_access_matrix.py's table gives over HTTP for the route it guards; and
the request page's buttons (service_requests/actions.py) follow the same rules."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from rumah_kemasan import permissions as p
from rumah_kemasan.designs.models import DesignKind
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.actions import actions_for
from rumah_kemasan.service_requests.workflow import Status
from tests.integration.security_world import ROLES, build_world
from tests.integration.test_access_matrix import MATRIX


@pytest.fixture
def world(make_user, make_request, make_business, add_file, other_unit):
    return build_world(make_user, make_request, make_business, add_file, other_unit)


def _users(world):
    return {role: world.users[role] or AnonymousUserMixin() for role in ROLES}


def _allowed(rule: str, method: str, ok: tuple[int, ...]) -> dict[str, bool]:
    """Per role: did the matrix let this role through (the route's own success answers)?"""
    return {role: MATRIX[(rule, method)][i] in ok for i, role in enumerate(ROLES)}


# (check, the route it guards, its success answers), for checks that take only the user.
USER_CHECKS = [
    (p.can_read_reports, "/backlog", "GET", (200,)),
    (p.can_read_reports, "/reports", "GET", (200,)),
    (p.can_read_reports, "/reports/skm", "GET", (200,)),
    (p.can_read_reports, "/audit", "GET", (200,)),
    (p.can_export_list, "/reports/export.csv", "GET", (200,)),
    (p.can_export_list, "/reports/export.xlsx", "GET", (200,)),
    (p.is_unit_staff, "/desk", "GET", (200,)),
    (p.is_unit_staff, "/recoveries", "GET", (200,)),
    (p.can_manage_own_data, "/account/data", "GET", (200,)),
    (p.can_manage_own_data, "/account/data/export", "POST", (200,)),
    (lambda u: p.can_file_request(u) or p.can_file_walk_in(u), "/requests/new", "GET", (200,)),
    (p.can_manage_all_units, "/admin/overview", "GET", (200,)),
    (p.can_administer, "/admin", "GET", (200,)),
    (p.can_administer, "/admin/users", "GET", (200,)),
    (lambda u: bool(p.grantable_roles(u)), "/admin/users/invite", "GET", (200,)),
]


@pytest.mark.parametrize(("check", "rule", "method", "ok"), USER_CHECKS)
def test_user_checks_agree_with_the_matrix(world, check, rule, method, ok):
    expected = _allowed(rule, method, ok)
    got = {role: bool(check(user)) for role, user in _users(world).items()}
    assert got == expected


def test_request_checks_agree_with_the_matrix(world):
    """Each check on owner A's approved request (`req`) or completed one (`done`)."""
    users = _users(world)
    req, done = world.req, world.done

    def agree(check, rule, method, ok, target=req):
        expected = _allowed(rule, method, ok)
        got = {role: bool(check(user, target)) for role, user in users.items()}
        assert got == expected, (check, rule, method)

    agree(p.can_view_request, "/requests/<code>", "GET", (200,))
    agree(p.can_comment, "/requests/<code>/comments", "POST", (302,))
    agree(p.can_assign, "/requests/<code>/assign", "POST", (302,))
    agree(p.can_edit_request, "/requests/<code>/edit", "GET", (200,))
    agree(p.can_record_handover, "/requests/<code>/handover", "POST", (302, 303))
    agree(p.can_make_owner_link, "/requests/<code>/owner-link", "POST", (200,))
    agree(
        lambda u, r: any(p.can_upload(u, r, kind) for kind in DesignKind),
        "/requests/<code>/files",
        "POST",
        (303,),
    )
    agree(
        lambda u, r: p.survey_refusal(u, r) is None,
        "/requests/<code>/survey",
        "GET",
        (200,),
        target=done,
    )
    # Nobody claims an approved request: the matrix's transition row never answers 2xx.
    agree(p.can_claim, "/requests/<code>/transition", "POST", (302, 303))
    # The request page's buttons: nobody the matrix refuses (login, 403, 404) gets one.
    refused = _allowed("/requests/<code>/transition", "POST", ("login", 403, 404))
    for role, user in users.items():
        if refused[role]:
            assert actions_for(user, req) == [], role


def test_missing_photo_badge_is_for_the_units_staff_while_a_photo_can_be_added(world, make_request):
    users = _users(world)
    fresh = make_request(world.users["owner_a"], code="DESAIN-LABEL")
    assert {r for r, u in users.items() if p.sees_missing_photo(u, fresh)} == {
        "staff",
        "supervisor",
    }
    # approved or completed: a before photo can no longer be added, so nobody is told
    for late in (world.req, world.done):
        assert not any(p.sees_missing_photo(u, late) for u in users.values())


def test_survey_refusal_codes(world):
    owner_a, staff = world.users["owner_a"], world.users["staff"]
    assert p.survey_refusal(owner_a, world.done) is None
    assert p.survey_refusal(owner_a, world.req) == "not_completed"
    assert p.survey_refusal(staff, world.done) == "not_owner"
    assert p.survey_refusal(AnonymousUserMixin(), world.done) == "not_owner"


def test_claim_assign_and_the_buttons_of_a_queued_job(world, make_user, make_request):
    """The claim rule, who can be assigned, and the start button each person sees."""
    owner = world.users["owner_a"]
    staff, supervisor = world.users["staff"], world.users["supervisor"]
    colleague = make_user(Role.STAFF, full_name="Desainer Dua")
    gone = make_user(Role.STAFF, full_name="Desainer Lama")
    gone.active = False
    db.session.commit()
    queued = make_request(owner, status=Status.ACCEPTED, code="DESAIN-LABEL")
    theirs = make_request(owner, status=Status.ACCEPTED, code="DESAIN-LABEL", assignee=colleague)

    assert p.can_claim(staff, queued) and p.can_claim(colleague, theirs)
    assert not p.can_claim(staff, theirs)  # a colleague's job
    assert not p.can_claim(world.users["staff_other"], queued)  # another unit
    for role in ("owner_a", "supervisor", "admin"):
        assert not p.can_claim(world.users[role], queued), role
    assert p.can_assign(supervisor, queued) and not p.can_assign(staff, queued)

    names = [u.full_name for u in db.session.scalars(p.assignable_staff(queued.unit_id))]
    assert names == sorted(["Desainer Satu", "Desainer Dua"])  # active staff of the unit only
    assert p.is_assignable(colleague, queued) and not p.is_assignable(gone, queued)
    assert not p.is_assignable(supervisor, queued)
    assert not p.is_assignable(world.users["staff_other"], queued)

    def start(user, req):
        return next((a for a in actions_for(user, req) if a.name == "start_design"), None)

    mine = start(staff, queued)
    assert mine is not None and not mine.chooses_assignee and mine.internal_offered
    assert start(staff, theirs) is None
    chosen = start(supervisor, queued)
    assert chosen is not None and chosen.chooses_assignee
    assert [a.name for a in actions_for(owner, queued)] == ["cancel"]
    assert actions_for(owner, queued)[0].ending and not actions_for(owner, queued)[0].note_offered
    assert actions_for(world.users["admin"], queued) == []


def test_message_owner_is_for_the_units_staff(world):
    got = {role: p.can_message_owner(user, world.req) for role, user in _users(world).items()}
    assert got == {
        "anonymous": False,
        "owner_a": False,
        "owner_b": False,
        "staff": True,
        "staff_other": False,
        "supervisor": True,
        "admin": False,
    }


def test_person_checks_agree_with_the_matrix(world, make_user, other_unit):
    """/admin/users/<user_id> on `staff`; and what a supervisor of another unit may not see."""
    users = _users(world)
    staff = world.users["staff"]
    seen = _allowed("/admin/users/<int:user_id>", "GET", (200,))
    assert {role: p.can_see_person(u, staff) for role, u in users.items()} == seen
    managed = _allowed("/admin/users/<int:user_id>/disable", "POST", (400,))
    assert {role: p.can_manage_person(u, staff) for role, u in users.items()} == managed

    elsewhere = make_user(Role.SUPERVISOR, unit_=other_unit)
    supervisor, admin = world.users["supervisor"], world.users["admin"]
    assert not p.can_see_person(elsewhere, staff)
    assert not p.can_see_person(supervisor, admin) and not p.can_see_person(supervisor, elsewhere)
    assert not p.can_see_person(admin, world.users["owner_a"])  # owners are not listed
    assert p.can_see_person(supervisor, supervisor) and not p.can_manage_person(
        supervisor, supervisor
    )
    assert p.grantable_roles(admin) == (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
    assert p.grantable_roles(supervisor) == (Role.STAFF, Role.SUPERVISOR)
    assert p.grantable_roles(staff) == ()
