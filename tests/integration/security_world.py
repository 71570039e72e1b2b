"""A realistic little world for the security suites: two owners, staff of two units, a
supervisor and an admin; owner A's request with a before photo, a published proof, an unsent
draft and a final file; a completed request of owner A in the public gallery; a notification;
a reset token. Built once per test function (the app fixture gives a clean database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from rumah_kemasan.accounts.models import AccountRecovery, IdentityDocument, TokenPurpose, User
from rumah_kemasan.database import utcnow
from rumah_kemasan.designs.models import DesignFile
from rumah_kemasan.extensions import db
from rumah_kemasan.roles import Role
from rumah_kemasan.service_requests.models import ServiceRequest
from rumah_kemasan.service_requests.workflow import Status

ROLES = ("anonymous", "owner_a", "owner_b", "staff", "staff_other", "supervisor", "admin")


@dataclass
class World:
    users: dict[str, User | None]
    req: ServiceRequest  # owner A's, approved, assigned to `staff`, with files
    done: ServiceRequest  # owner A's, completed, consented to the gallery
    req_b: ServiceRequest  # owner B's own request
    before: DesignFile
    proof: DesignFile  # a draft sent to the owner as a proof
    hidden: DesignFile  # a newer draft not yet sent: the owner must not reach it
    final: DesignFile
    notification_id: int
    token: str  # a valid one-time reset token (owner B's)
    recovery_id: int  # owner A's account recovery, recorded by `staff`, awaiting a supervisor
    files: list[DesignFile] = field(default_factory=list)


def build_world(make_user, make_request, make_business, add_file, other_unit) -> World:
    from rumah_kemasan.accounts.services import issue_token
    from rumah_kemasan.notifications.models import NotificationKind
    from rumah_kemasan.notifications.services import notify

    owner_a = make_user(Role.OWNER, full_name="Ni Made Ayu")
    owner_b = make_user(Role.OWNER, full_name="I Wayan Bagus")
    staff = make_user(Role.STAFF, full_name="Desainer Satu")
    staff_other = make_user(Role.STAFF, unit_=other_unit, full_name="Desainer Badung")
    supervisor = make_user(Role.SUPERVISOR, full_name="Kepala Rumah Kemasan")
    admin = make_user(Role.ADMIN, full_name="Operator TI")

    req = make_request(owner_a, code="DESAIN-LABEL", product_name="Keripik Ayu")
    before = add_file(req, "before", user=owner_a, name="kemasan-lama.png")
    now = utcnow()
    req.status, req.assignee_id = Status.IN_DESIGN, staff.id
    req.accepted_at, req.due_at = now - timedelta(days=2), now + timedelta(days=8)
    db.session.commit()
    proof = add_file(req, "draft", user=staff, name="draf-1.png", proof=True)
    hidden = add_file(req, "draft", user=staff, name="draf-2.png")
    req.status = Status.APPROVED
    db.session.commit()
    final = add_file(req, "final", user=staff, name="final.png")

    gallery_business = make_business(owner_a, name="Dapur Ayu", gallery_consent=True)
    done = make_request(owner_a, business=gallery_business, status=Status.COMPLETED, assignee=staff)
    done_before = add_file(done, "before", user=owner_a, name="sebelum.png")
    done_final = add_file(done, "final", user=staff, name="sesudah.png")
    done.completed_at = utcnow()
    db.session.commit()

    req_b = make_request(owner_b, product_name="Arak Bagus")
    notification = notify(owner_a, NotificationKind.STATUS, req, Status.APPROVED)
    token = issue_token(owner_b, TokenPurpose.RESET)
    recovery = AccountRecovery(
        owner_id=owner_a.id,
        unit_id=req.unit_id,
        request_id=req.id,
        recorded_by_id=staff.id,
        document=IdentityDocument.KTP,
        document_last4="1234",
        reason="Lupa kata sandi",
    )
    db.session.add(recovery)
    db.session.commit()
    return World(
        users={
            "anonymous": None,
            "owner_a": owner_a,
            "owner_b": owner_b,
            "staff": staff,
            "staff_other": staff_other,
            "supervisor": supervisor,
            "admin": admin,
        },
        req=req,
        done=done,
        req_b=req_b,
        before=before,
        proof=proof,
        hidden=hidden,
        final=final,
        notification_id=notification.id,
        token=token,
        recovery_id=recovery.id,
        files=[before, proof, hidden, final, done_before, done_final],
    )


def fill(rule: str, world: World, overrides: dict | None = None) -> str:
    """Turn a url_map rule into a concrete URL for `world`'s objects."""
    values = {
        "code": world.req.code,
        "file_id": world.before.id,
        "business_id": world.req.business_id,
        "notification_id": world.notification_id,
        "request_id": world.done.id,
        "side": "before",
        "token": world.token,
        "recovery_id": world.recovery_id,
        "filename": "css/app.css",
        "unit_id": world.req.unit_id,
    } | (overrides or {})
    if rule == "/lang/<code>":
        values["code"] = "id"

    def one(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return str(values[name])

    return re.sub(r"<([^>]+)>", one, rule)


def rule_methods(app) -> set[tuple[str, str]]:
    """Every (rule, method) the app answers, without the automatic HEAD and OPTIONS."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def snapshot(ignore=None) -> dict[str, list[tuple]]:
    """Every row of every table (the data set is small): any insert, update or delete shows.

    `ignore(table, row_mapping)` may drop rows that are allowed to appear (named exceptions).
    """
    db.session.rollback()
    out: dict[str, list[tuple]] = {}
    for table in db.metadata.sorted_tables:
        pk = [c for c in table.primary_key.columns] or list(table.columns)
        rows = db.session.execute(select(table).order_by(*pk)).mappings().all()
        out[table.name] = [
            tuple(str(v) for v in row.values())
            for row in rows
            if ignore is None or not ignore(table.name, row)
        ]
    db.session.rollback()
    return out


def diff(before: dict, after: dict) -> list[str]:
    return [
        f"{name}: {len(before.get(name, []))} -> {len(after.get(name, []))} rows"
        + ("" if len(before.get(name, [])) != len(after.get(name, [])) else " (changed)")
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


# --- valid form data, shared by the CSRF and injection suites ----------------------------------

SURVEY_PROFILE = {
    "gender": "p",
    "age_group": "30_39",
    "education": "sma",
    "occupation": "wirausaha",
}


def survey_form(suggestion: str = "") -> dict:
    return SURVEY_PROFILE | {f"u{i}": "4" for i in range(1, 10)} | {"suggestion": suggestion}


def business_form(area_id: int, **kw) -> dict:
    return {"name": "Usaha Baru", "category": "pangan", "scale": "mikro", "area_id": area_id} | kw


def request_form(business_id: int, service_type_id: int, **kw) -> dict:
    return {
        "business_id": business_id,
        "service_type_id": service_type_id,
        "product_name": "Sambal Matah",
        "product_category": "pangan",
        "brief": "Label baru untuk botol 150 ml",
        "target_market": "lokal",
    } | kw


def checklist_form(category: str = "pangan", reason: str = "Tidak berlaku") -> dict:
    """Every checklist item answered: the first not applicable (with `reason`), the rest pass."""
    from rumah_kemasan.designs.checklists import items_for

    data = {}
    for i, item in enumerate(items_for(category)):
        data[f"result-{item.code}"] = "na" if i == 0 else "pass"
        data[f"reason-{item.code}"] = reason if i == 0 else ""
    return data
