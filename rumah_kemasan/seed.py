"""`flask seed demo`: two units (Denpasar in WITA, Sleman in WIB) with owners and requests in
every status, each with its own staff, catalog and day off.

Passwords are generated per database and written to instance/demo-logins.txt (git-ignored),
so nothing usable on a real deployment is ever in the code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import random
import secrets
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from .accounts.models import Area, AreaKind, Business, BusinessScale, ProductCategory, Unit, User
from .admin_calendar.services import HolidayRefused, add_day_off
from .database import utcnow
from .designs import checklists
from .designs import services as designs
from .designs.models import DesignKind
from .extensions import db
from .reference_data import load_all
from .roles import Role
from .service_requests import catalog, sla
from .service_requests.models import (
    EventKind,
    RequestCounter,
    RequestEvent,
    ServiceRequest,
    TargetMarket,
    Visibility,
)
from .service_requests.services import calendar_for
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


# The second unit of the demo: another province and another time zone (WIB), with a catalog
# that differs from Denpasar's and its own day off. Only the demo creates it: `flask data load`
# on a real deployment loads the data files, never this.
SLEMAN = {
    "slug": "sleman",
    "name": "Rumah Kemasan Kabupaten Sleman",
    "province": "Daerah Istimewa Yogyakarta",
    "city": "Kabupaten Sleman",
    "address": "Jl. Parasamya, Beran, Tridadi, Sleman",
    "whatsapp": "6281227100034",
    "email": "rumahkemasan@demo-sleman.id",
    "opening_hours": "Senin–Kamis 08.00–15.30\nJumat 08.00–14.00",
    "timezone": "Asia/Jakarta",
    "region_code": "34.04",
}
SLEMAN_AREAS = {
    ("34.04.07", "Mlati"): ["Sinduadi", "Sendangadi", "Tlogoadi", "Tirtoadi"],
    ("34.04.08", "Depok"): ["Caturtunggal", "Maguwoharjo", "Condongcatur"],
    ("34.04.09", "Berbah"): ["Tegaltirto", "Kalitirto", "Jogotirto"],
}
JAVANESE_FIRST = ["Sri", "Budi", "Wahyu", "Dwi", "Tri", "Endang", "Agus", "Siti", "Joko"]
JAVANESE_LAST = ["Rahayu", "Santoso", "Wibowo", "Lestari", "Purnomo", "Handayani", "Susilo"]
# Sleman offers no photo session nor legal-permit help, and promises labels in 7 working days.
SLEMAN_OFF = ("FOTO-PRODUK", "LEGALITAS")
SLEMAN_SLA = {"DESAIN-LABEL": 7}
# Local days off: Galungan for Denpasar (a Balinese holiday, not a national one), a cuti
# bersama for Sleman.
DAYS_OFF = {
    "denpasar": [
        (date(2026, 6, 17), "Hari Raya Galungan"),
        (date(2027, 1, 13), "Hari Raya Galungan"),
    ],
    "sleman": [(date(2026, 12, 24), "Cuti bersama Hari Raya Natal")],
}


def seed_demo(*, if_empty: bool, n_owners: int, n_requests: int, echo=print) -> None:
    """Create the demo data (two units in two time zones) and print a login per role."""
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
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    denpasar = db.session.scalars(select(Unit).where(Unit.slug == "denpasar")).one()
    sleman = _sleman()
    admin = _person(Role.ADMIN, "Admin TI", "admin@demo.rumahkemasan.id", "6281100000005", password)
    db.session.flush()
    _sleman_catalog(sleman, admin)
    for unit in (denpasar, sleman):
        for day, name in DAYS_OFF[unit.slug]:
            with contextlib.suppress(HolidayRefused):  # already a national holiday that year
                add_day_off(unit, day, name, admin)

    staff_of = {
        denpasar.id: (
            _person(
                Role.SUPERVISOR,
                "Ni Made Suartini",
                "kepala@demo.rumahkemasan.id",
                "6281100000001",
                password,
                denpasar,
            ),
            [
                _person(
                    Role.STAFF,
                    "I Gede Arya Wibawa",
                    "arya@demo.rumahkemasan.id",
                    "6281100000002",
                    password,
                    denpasar,
                ),
                _person(
                    Role.STAFF,
                    "Ni Putu Desi Lestari",
                    "desi@demo.rumahkemasan.id",
                    "6281100000003",
                    password,
                    denpasar,
                ),
                _person(
                    Role.STAFF,
                    "I Komang Adi Saputra",
                    "adi@demo.rumahkemasan.id",
                    "6281100000004",
                    password,
                    denpasar,
                ),
            ],
        ),
        sleman.id: (
            _person(
                Role.SUPERVISOR,
                "Sri Wahyuningsih",
                "kepala.sleman@demo.rumahkemasan.id",
                "6281100000011",
                password,
                sleman,
            ),
            [
                _person(
                    Role.STAFF,
                    "Bayu Aji Nugroho",
                    "bayu.sleman@demo.rumahkemasan.id",
                    "6281100000012",
                    password,
                    sleman,
                ),
                _person(
                    Role.STAFF,
                    "Rina Kartikasari",
                    "rina.sleman@demo.rumahkemasan.id",
                    "6281100000013",
                    password,
                    sleman,
                ),
            ],
        ),
    }
    # Three owners in four in Denpasar, the rest in Sleman; requests in the same shares.
    n_sleman_owners = max(1, n_owners // 4)
    n_sleman_requests = max(1, n_requests // 4)
    owners: dict[int, list[User]] = {denpasar.id: [], sleman.id: []}
    for i in range(n_owners):
        in_sleman = i >= n_owners - n_sleman_owners
        first, last = (JAVANESE_FIRST, JAVANESE_LAST) if in_sleman else (FIRST, LAST)
        honorific = "" if in_sleman else ("Ni " if i % 2 else "I ")
        name = f"{honorific}{rng.choice(first)} {rng.choice(last)}"
        email = f"pemilik{i + 1}@demo-umkm.id" if i % 3 else None
        owner = _person(Role.OWNER, name, email, f"62812{37000000 + i:08d}", password)
        owners[sleman.id if in_sleman else denpasar.id].append(owner)
    db.session.flush()

    year_counts: dict[int, int] = {}
    for unit, count in (
        (denpasar, n_requests - n_sleman_requests),
        (sleman, n_sleman_requests),
    ):
        supervisor, staff = staff_of[unit.id]
        _seed_unit(unit, owners[unit.id], count, supervisor, staff, rng, fake, year_counts)
    for year, count in year_counts.items():
        counter = db.session.scalar(select(RequestCounter).where(RequestCounter.year == year))
        if counter is None:
            db.session.add(RequestCounter(year=year, last=count))
        else:
            counter.last = max(counter.last, count)
    db.session.commit()

    lines = [f"Demo logins (password for every account: {password})"]
    for unit in (denpasar, sleman):
        supervisor, staff = staff_of[unit.id]
        zone = sla.zone_label(unit.timezone)
        lines.append(f"{unit.name} ({unit.city}, {zone}):")
        lines.append(f"  supervisor: {supervisor.email}")
        lines += [f"  staff:      {s.email}" for s in staff]
        with_email = next(o for o in owners[unit.id] if o.email)
        without_email = next((o for o in owners[unit.id] if not o.email), None)
        lines.append(f"  owner:      {with_email.email}  (or WhatsApp {with_email.phone})")
        if without_email is not None:
            lines.append(f"  owner:      WhatsApp {without_email.phone} (no e-mail)")
    lines.append(f"Every unit (admin, /admin): {admin.email}")
    logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    echo(
        f"seeded {n_owners} owners and {n_requests} requests in {denpasar.name} (WITA) "
        f"and {sleman.name} (WIB)"
    )
    echo("\n".join(lines))


def _person(role, name, email, phone, password, unit=None) -> User:
    user = User(
        role=role,
        full_name=name,
        email=email,
        phone=phone,
        unit=unit,
        consent_at=utcnow(),
        locale="id",
    )
    user.set_password(password)
    db.session.add(user)
    return user


def _sleman() -> Unit:
    """The demo's second unit with its kecamatan and desa."""
    unit = db.session.scalar(select(Unit).where(Unit.slug == SLEMAN["slug"]))
    if unit is None:
        unit = Unit(**SLEMAN)
        db.session.add(unit)
        db.session.flush()
    position = 0
    for (code, kecamatan), names in SLEMAN_AREAS.items():
        for name in names:
            position += 1
            db.session.add(
                Area(
                    unit_id=unit.id,
                    kecamatan=kecamatan,
                    kecamatan_code=code,
                    name=name,
                    kind=AreaKind.DESA,
                    position=position,
                )
            )
    db.session.flush()
    return unit


def _sleman_catalog(unit: Unit, admin: User) -> None:
    """Sleman's own catalog: the national one, less two services, labels in 7 days."""
    catalog.offer_national_defaults(unit)
    for service, offer in catalog.catalog_of(unit):
        if offer is None:
            continue
        terms = catalog.terms_of(offer)
        if service.code in SLEMAN_OFF:
            terms = dataclasses.replace(terms, enabled=False)
        if service.code in SLEMAN_SLA:
            terms = dataclasses.replace(terms, sla_days=SLEMAN_SLA[service.code])
        catalog.set_terms(admin, unit, service, terms)


def _seed_unit(unit, owners, n_requests, supervisor, staff, rng, fake, year_counts) -> None:
    """One unit's businesses and requests in every status, on the unit's own calendar."""
    areas = db.session.scalars(select(Area).where(Area.unit_id == unit.id)).all()
    offers = {o.service_type_id: o for o in catalog.offered_services(unit)}
    services = [o.service_type for o in offers.values()]
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
                banjar=f"Banjar {fake.last_name()}" if unit.slug == "denpasar" else None,
                address=fake.street_address(),
                gallery_consent=rng.random() < 0.5,
            )
        )
    db.session.add_all(businesses)
    db.session.flush()

    cal = calendar_for(unit)
    now = utcnow()
    statuses = list(Status)
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
