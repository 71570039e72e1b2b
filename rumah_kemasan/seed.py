"""`flask seed demo`: a realistic Denpasar unit with owners and requests in every status.

Passwords are generated per database and written to instance/demo-logins.txt (git-ignored),
so nothing usable on a real deployment is ever in the code.
"""

from __future__ import annotations

import io
import random
import secrets
from datetime import timedelta
from pathlib import Path

from faker import Faker
from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from .accounts.models import Area, Business, BusinessScale, ProductCategory, Unit, User
from .database import utcnow
from .designs import checklists
from .designs import services as designs
from .designs.models import DesignKind
from .extensions import db
from .reference_data import load_all
from .roles import Role
from .service_requests import catalog, sla
from .service_requests.calendars import calendar_for
from .service_requests.models import (
    EventKind,
    RequestCounter,
    RequestEvent,
    ServiceRequest,
    TargetMarket,
    Visibility,
)
from .service_requests.workflow import Status

PRODUCTS = {
    ProductCategory.PANGAN: [
        ("Keripik Singkong Bumbu Bali", "Warung"),
        ("Sambal Matah Botol", "Dapur"),
        ("Kopi Bali Kintamani", "Kopi"),
        ("Pie Susu", "Oleh-oleh"),
        ("Kacang Disco", "Camilan"),
        ("Arak Gula Aren", "Usaha"),
        ("Loloh Cemcem", "Minuman"),
        ("Jaja Bali Kering", "Jaje"),
        ("Brem Bali", "Brem"),
        ("Minyak Kelapa Tandusan", "Minyak"),
    ],
    ProductCategory.FASHION: [
        ("Kain Endek Motif Cepuk", "Tenun"),
        ("Songket Sidemen", "Songket"),
        ("Kemeja Endek Pria", "Busana"),
        ("Udeng Batik", "Udeng"),
    ],
    ProductCategory.KERAJINAN: [
        ("Anting Perak Celuk", "Perak"),
        ("Tas Ate Anyaman", "Anyaman"),
        ("Ukiran Kayu Garuda", "Ukir"),
        ("Sandal Kulit Tangan", "Sandal"),
    ],
    ProductCategory.HERBAL_KOSMETIK: [
        ("Boreh Bali", "Spa"),
        ("Minyak Urut Cendana", "Herbal"),
        ("Lulur Bali", "Lulur"),
        ("Sabun Kopi Alami", "Sabun"),
    ],
    ProductCategory.AGRO: [
        ("Garam Kusamba", "Garam"),
        ("Salak Gula Pasir", "Kebun"),
        ("Madu Kele", "Madu"),
    ],
}
FIRST = ["Made", "Wayan", "Nyoman", "Ketut", "Putu", "Kadek", "Komang", "Gede", "Luh", "Ayu"]
LAST = [
    "Sudarsana",
    "Artawan",
    "Suastika",
    "Wirawan",
    "Yuliani",
    "Sukerti",
    "Astiti",
    "Mahendra",
    "Pradnyani",
    "Widiastuti",
    "Suryawan",
    "Kusuma",
    "Ariani",
    "Darmawan",
]

PATHS = {
    Status.SUBMITTED: [Status.SUBMITTED],
    Status.NEEDS_INFO: [Status.SUBMITTED, Status.NEEDS_INFO],
    Status.ACCEPTED: [Status.SUBMITTED, Status.ACCEPTED],
    Status.IN_DESIGN: [Status.SUBMITTED, Status.ACCEPTED, Status.IN_DESIGN],
    Status.AWAITING_APPROVAL: [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_DESIGN,
        Status.AWAITING_APPROVAL,
    ],
    Status.APPROVED: [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_DESIGN,
        Status.AWAITING_APPROVAL,
        Status.APPROVED,
    ],
    Status.IN_PRODUCTION: [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_DESIGN,
        Status.AWAITING_APPROVAL,
        Status.APPROVED,
        Status.IN_PRODUCTION,
    ],
    Status.READY: [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_DESIGN,
        Status.AWAITING_APPROVAL,
        Status.APPROVED,
        Status.IN_PRODUCTION,
        Status.READY,
    ],
    Status.COMPLETED: [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_DESIGN,
        Status.AWAITING_APPROVAL,
        Status.APPROVED,
        Status.COMPLETED,
    ],
    Status.REJECTED: [Status.SUBMITTED, Status.REJECTED],
    Status.CANCELLED: [Status.SUBMITTED, Status.CANCELLED],
}
NOTES = {
    Status.NEEDS_INFO: "Mohon kirim foto kemasan lama dari depan dan belakang.",
    Status.REJECTED: "Produk di luar cakupan program (bukan usaha mikro/kecil di Kota Denpasar).",
    Status.CANCELLED: "Dibatalkan atas permintaan pemilik.",
}


def _path_for(target: Status, printing: bool) -> list[Status]:
    if target is Status.COMPLETED and printing:
        return PATHS[Status.READY] + [Status.COMPLETED]
    return PATHS[target]


def seed_demo(*, if_empty: bool, n_owners: int, n_requests: int, echo=print) -> None:
    """Create the demo data and print the logins."""
    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    if if_empty and db.session.scalar(select(func.count()).select_from(ServiceRequest)):
        echo("demo data already present; logins:")
        if logins_file.exists():
            echo(logins_file.read_text(encoding="utf-8"))
        return
    rng = random.Random(2026)
    fake = Faker("id_ID")
    fake.seed_instance(2026)
    load_all()
    unit = db.session.scalars(select(Unit).where(Unit.slug == "denpasar")).one()
    areas = db.session.scalars(select(Area).where(Area.unit_id == unit.id)).all()
    offers = {o.service_type_id: o for o in catalog.offered_services(unit)}
    services = [o.service_type for o in offers.values()]
    password = "-".join(secrets.token_hex(3) for _ in range(3))

    def person(role, name, email=None, phone=None, with_unit=True):
        user = User(
            role=role,
            full_name=name,
            email=email,
            phone=phone,
            unit=unit if with_unit else None,
            consent_at=utcnow(),
            locale="id",
        )
        user.set_password(password)
        db.session.add(user)
        return user

    supervisor = person(
        Role.SUPERVISOR, "Ni Made Suartini", "kepala@demo.rumahkemasan.id", "6281100000001"
    )
    staff = [
        person(Role.STAFF, "I Gede Arya Wibawa", "arya@demo.rumahkemasan.id", "6281100000002"),
        person(Role.STAFF, "Ni Putu Desi Lestari", "desi@demo.rumahkemasan.id", "6281100000003"),
        person(Role.STAFF, "I Komang Adi Saputra", "adi@demo.rumahkemasan.id", "6281100000004"),
    ]
    admin = person(
        Role.ADMIN, "Admin TI", "admin@demo.rumahkemasan.id", "6281100000005", with_unit=False
    )
    owners = []
    for i in range(n_owners):
        name = f"{'Ni' if i % 2 else 'I'} {rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"pemilik{i + 1}@demo-umkm.id" if i % 3 else None
        owners.append(person(Role.OWNER, name, email, f"62812{37000000 + i:08d}", with_unit=False))
    db.session.flush()
    businesses = []
    for owner in owners:
        category = rng.choice(list(PRODUCTS))
        product, word = rng.choice(PRODUCTS[category])
        area = rng.choice(areas)
        businesses.append(
            Business(
                owner=owner,
                unit_id=unit.id,
                name=f"{word} {owner.full_name.split()[-1]}",
                category=category,
                scale=rng.choice(list(BusinessScale)),
                nib="".join(str(rng.randint(0, 9)) for _ in range(13))
                if rng.random() < 0.7
                else None,
                pirt=(
                    f"2{rng.randint(10, 99)}5171"
                    + f"{rng.randint(10**5, 10**6 - 1)}{rng.randint(27, 31)}"
                    if category is ProductCategory.PANGAN and rng.random() < 0.6
                    else None
                ),
                area=area,
                banjar=f"Banjar {fake.last_name()}",
                address=fake.street_address(),
                gallery_consent=rng.random() < 0.5,
            )
        )
    db.session.add_all(businesses)
    db.session.flush()

    cal = calendar_for(unit)
    now = utcnow()
    statuses = list(Status)
    year_counts: dict[int, int] = {}
    for i in range(n_requests):
        business = rng.choice(businesses)
        service = rng.choice(services)
        target = statuses[i % len(statuses)]
        if target in (Status.IN_PRODUCTION, Status.READY) and not service.includes_printing:
            service = next(s for s in services if s.includes_printing)
        path = _path_for(target, service.includes_printing)
        start = now - timedelta(days=rng.randint(len(path) * 2, 120), hours=rng.randint(0, 8))
        year = cal.local(start).year
        year_counts[year] = year_counts.get(year, 0) + 1
        product = rng.choice(PRODUCTS.get(business.category, PRODUCTS[ProductCategory.PANGAN]))[0]
        req = ServiceRequest(
            code=f"RK-{year}-{year_counts[year]:05d}",
            unit_id=unit.id,
            business_id=business.id,
            applicant_id=business.owner_id,
            service_type_id=service.id,
            product_name=product,
            product_category=business.category,
            brief=fake.paragraph(nb_sentences=3),
            target_market=rng.choice(list(TargetMarket)),
            quantity=rng.choice([100, 250, 500]) if service.includes_printing else None,
            packaging_type="Standing pouch 250 g" if service.includes_printing else None,
            status=Status.SUBMITTED,
            submitted_at=start,
            last_changed_at=start,
            last_changed_by_id=business.owner_id,
        )
        catalog.apply_terms(req, offers[service.id])
        db.session.add(req)
        db.session.flush()
        at = start
        designer = rng.choice(staff)
        previous = None
        for step in path:
            if previous is not None:
                at = at + timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 6))
            actor = _actor(step, business.owner, designer, supervisor)
            if step is Status.ACCEPTED:
                req.accepted_at = at
                req.due_at = sla.due_at(at, req.sla_days, 0, cal)
            if step is Status.IN_DESIGN:
                req.assignee_id = designer.id
            if step is Status.COMPLETED:
                req.completed_at = at
            db.session.add(
                RequestEvent(
                    request_id=req.id,
                    actor_id=actor.id,
                    kind=EventKind.STATUS,
                    from_status=previous,
                    to_status=step,
                    note=NOTES.get(step),
                    visibility=Visibility.PUBLIC,
                    created_at=at,
                )
            )
            previous = step
        req.status = target
        _demo_files(req, path, business.owner, designer, product, rng)
        if target.clock.value == "paused" and req.accepted_at is not None:
            req.paused_at = at
        req.last_changed_at = at
        req.last_changed_by_id = actor.id
    for year, count in year_counts.items():
        counter = db.session.scalar(select(RequestCounter).where(RequestCounter.year == year))
        if counter is None:
            db.session.add(RequestCounter(year=year, last=count))
        else:
            counter.last = max(counter.last, count)
    db.session.commit()
    lines = [
        f"Demo logins (password for every account: {password})",
        f"  supervisor: {supervisor.email}",
        *[f"  staff:      {s.email}" for s in staff],
        f"  admin:      {admin.email}",
        f"  owner:      {owners[1].email}  (or WhatsApp {owners[1].phone})",
        f"  owner:      WhatsApp {owners[0].phone} (no e-mail)",
    ]
    logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    echo(f"seeded {len(owners)} owners, {n_requests} requests in unit {unit.name}")
    echo("\n".join(lines))


def _picture(text: str, colour: tuple[int, int, int], size=(900, 675)) -> bytes:
    """A simple label-like picture with the product name, as a PNG."""

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((w // 8, h // 4, w * 7 // 8, h * 3 // 4), outline=(255, 255, 255), width=8)
    draw.text((w // 6, h // 2 - 10), text, fill=(255, 255, 255), font_size=42)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _demo_files(req, path, owner, designer, product, rng) -> None:
    """Before photos, proofs, finals, checklists and handovers matching the request's path."""

    if Status.SUBMITTED in path and rng.random() < 0.8:
        designs.upload(
            req, owner, DesignKind.BEFORE, "kemasan-lama.png", _picture(product, (120, 110, 100))
        )
    if Status.AWAITING_APPROVAL not in path:
        return
    colour = rng.choice([(11, 110, 79), (160, 60, 40), (30, 70, 140), (120, 40, 110)])
    draft = designs.upload(
        req, designer, DesignKind.DRAFT, "desain-v1.png", _picture(product, colour)
    )
    items = checklists.items_for(req.product_category.value)
    designs.save_checklist(
        draft,
        designer,
        {i.code: ("pass", None) if i.mandatory else ("na", "Tidak relevan") for i in items},
    )
    draft.proof_published_at = req.last_changed_at
    if Status.APPROVED in path:
        designs.record_decision(req, owner, True, None, draft.sha256)
        designs.upload(
            req, designer, DesignKind.FINAL, "desain-final.png", _picture(product, colour)
        )
    if Status.READY in path and Status.COMPLETED in path:
        designs.record_handover(req, designer, owner.full_name, req.quantity, None)


def _actor(step: Status, owner: User, designer: User, supervisor: User) -> User:
    if step in (Status.SUBMITTED, Status.APPROVED, Status.CANCELLED):
        return owner
    if step in (Status.REJECTED,):
        return supervisor
    if step in (Status.ACCEPTED, Status.NEEDS_INFO, Status.IN_DESIGN):
        return designer
    return designer
