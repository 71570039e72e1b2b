"""The label checklist per product category (docs/domain.md). Pure data and rules, no Flask.

Food: PerBPOM 31/2018 as amended by 20/2021, halal logo per Kep. BPJPH 40/2022, nutrition
facts per PerBPOM 22/2019 (UMK format PerBPOM 16/2020). Cosmetics: the notification rules.
Non-food goods: the Indonesian-label basics. Every item must be answered for a draft before
the proof goes out; for completion, every mandatory item must pass or be marked not applicable
with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Item:
    code: str
    label: object  # a lazy string
    mandatory: bool = True


FOOD = (
    Item("nama_produk", _l("Product name")),
    Item("komposisi", _l("List of ingredients (komposisi)")),
    Item("berat_bersih", _l("Net weight or net volume")),
    Item("produsen", _l("Name and address of the producer")),
    Item("izin_edar", _l("Distribution permit number (P-IRT or BPOM MD/ML)")),
    Item("halal", _l("Halal logo with the certificate number, only when certified"), False),
    Item("kode_produksi", _l("Production date and code")),
    Item("kedaluwarsa", _l('Best before ("Baik digunakan sebelum …")')),
    Item("asal_bahan", _l("Origin of certain ingredients"), False),
    Item("peringatan", _l("Warnings (sweeteners, allergens, alcohol, pork)"), False),
    Item("gizi", _l("Nutrition facts, where required"), False),
    Item("bahasa", _l("Text in Bahasa Indonesia and legible")),
)
COSMETICS = (
    Item("nama_produk", _l("Product name")),
    Item("kegunaan", _l("Purpose and directions for use")),
    Item("komposisi_inci", _l("Ingredients (INCI)")),
    Item("negara", _l("Country of manufacture")),
    Item("pemilik_notifikasi", _l("Name and address of the notification holder")),
    Item("nomor_bets", _l("Batch number")),
    Item("netto", _l("Net content")),
    Item("kedaluwarsa", _l("Expiry date")),
    Item("nomor_notifikasi", _l("Notification number (NA…)")),
    Item("peringatan", _l("Warnings"), False),
)
GOODS = (
    Item("label_indonesia", _l("Label in Bahasa Indonesia")),
    Item("produsen", _l("Name and address of the producer")),
    Item("bahan", _l("Material")),
    Item("made_in", _l('"Made in Indonesia"')),
)
BY_CATEGORY: Mapping[str, tuple[Item, ...]] = {
    "pangan": FOOD,
    "agro": FOOD,
    "herbal_kosmetik": COSMETICS,
    "fashion": GOODS,
    "kerajinan": GOODS,
    "lainnya": GOODS,
}


def items_for(category: str) -> tuple[Item, ...]:
    return BY_CATEGORY.get(category, GOODS)


def is_complete(category: str, answers: Mapping[str, tuple[str, str | None]]) -> bool:
    """Every item answered (pass, fail, or not applicable with a reason)."""
    for item in items_for(category):
        result, reason = answers.get(item.code, (None, None))
        if result not in ("pass", "fail", "na") or (result == "na" and not (reason or "").strip()):
            return False
    return True


def is_passed(category: str, answers: Mapping[str, tuple[str, str | None]]) -> bool:
    """Every mandatory item passes or is not applicable with a reason."""
    for item in items_for(category):
        if not item.mandatory:
            continue
        result, reason = answers.get(item.code, (None, None))
        if result == "pass":
            continue
        if result == "na" and (reason or "").strip():
            continue
        return False
    return True
