"""Indonesian identifiers and display formats (phone, NIB, P-IRT, BPOM, halal, rupiah).

Pure module (stdlib + ``phonenumbers``). Normalisers return the canonical stored form
or raise ``FormatError`` whose ``code`` the app translates into a message; nothing
here produces user-facing text.

Canonical forms
---------------
* phone: ``62`` + national number without the trunk 0, Indonesian mobile only
  (``6281234567890``).
* NIB: 13 digits.
* P-IRT: 15 digits (shown ``P-IRT No. 1234567890123-45``).
* BPOM food registration: ``MD``/``ML`` + 12 digits (``MD123456789012``).
* cosmetics notification: ``N`` + ``A``-``E`` + 11 digits (``NA18201200123``).
* halal certificate: BPJPH ``ID`` + 14-18 digits (``ID51110012345670623``; the
  numbers SIHALAL issues are ``ID`` + 17 digits), or a legacy LPPOM MUI certificate
  stored as its 14 digits (``00100012345678``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers
from phonenumbers import PhoneNumberType


class FormatError(ValueError):
    """A value that does not fit its format; ``code`` names the problem."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


MAX_INPUT = 80
# The mobile pattern of docs/domain.md (identifiers), applied to the cleaned string.
MOBILE_RE = re.compile(r"^(?:\+62|62|0)8[1-9]\d{6,10}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.()/]")
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
# Separators people type inside registration numbers; they carry no meaning.
_ID_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015:/_]")


def _text(raw: object, code: str) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_INPUT:
        raise FormatError(code)
    return raw.strip()


def _national_number(raw: object) -> str:
    """Return the national significant number (no trunk 0) of a phone input."""
    cleaned = _PHONE_SEPARATORS.sub("", _text(raw, "phone_invalid"))
    international = re.match(r"(?:\+|00)?62", cleaned)
    if international:
        nsn = cleaned[international.end() :]
        nsn = nsn.removeprefix("0")  # "+62 (0)812 …" is a common way of writing it
    elif cleaned.startswith("0"):
        nsn = cleaned[1:]
    else:
        nsn = cleaned  # "812…": national number typed without the trunk 0
    if not re.fullmatch(r"[0-9]{5,15}", nsn):
        raise FormatError("phone_invalid")
    return nsn


def normalize_phone(raw: str) -> str:
    """Return the canonical "62…" form of an Indonesian mobile number."""
    nsn = _national_number(raw)
    try:
        number = phonenumbers.parse("+62" + nsn, None)
    except phonenumbers.NumberParseException as exc:
        raise FormatError("phone_invalid") from exc
    if not phonenumbers.is_valid_number_for_region(number, "ID"):
        raise FormatError("phone_invalid")
    if not MOBILE_RE.match("0" + nsn) or phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise FormatError("phone_not_mobile")
    return "62" + nsn


def display_phone(canonical: str) -> str:
    """Return "0812-3456-7890": "0" + prefix as 4 digits, then groups of 4.

    A lone last digit joins the group before it: 10 digits show as 0811-2345-67,
    11 as 0812-3456-789, 12 as 0812-3456-7890, 13 as 0812-3456-78901.
    A value that is not canonical ("62" + digits) is returned unchanged.
    """
    if not isinstance(canonical, str) or not re.fullmatch(r"62[0-9]{4,13}", canonical):
        return canonical
    national = "0" + canonical[2:]
    rest = national[4:]
    groups = [rest[i : i + 4] for i in range(0, len(rest), 4)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        last = groups.pop()
        groups[-1] += last
    return "-".join([national[:4], *groups])


def phone_last4(canonical: str) -> str:
    """Return the last four digits of a phone number."""
    return re.sub(r"\D", "", canonical or "")[-4:]


def whatsapp_link(canonical: str, text: str = "") -> str:
    """Return a wa.me click-to-chat link with the text URL-encoded."""
    digits = re.sub(r"\D", "", canonical or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits:
        raise FormatError("phone_invalid")
    link = f"https://wa.me/{digits}"
    return f"{link}?text={quote(text, safe='')}" if text else link


def normalize_nib(raw: str) -> str:
    """Return the 13-digit NIB (spaces, dots, dashes and a "NIB" label ignored)."""
    compact = _ID_SEPARATORS.sub("", _text(raw, "nib_invalid")).upper()
    match = re.fullmatch(r"(?:NIB)?(?:NOMOR|NO)?([0-9]{13})", compact)
    if not match:
        raise FormatError("nib_invalid")
    return match.group(1)


def normalize_pirt(raw: str) -> str:
    """Return the 15 P-IRT digits of "P-IRT No. 1234567890123-45" or its bare forms."""
    compact = re.sub(r"[\s.:]", "", _text(raw, "pirt_invalid")).upper()
    match = re.fullmatch(r"(?:(?:SPP-?IRT|P-?IRT)(?:NOMOR|NO)?)?([0-9]{13})-?([0-9]{2})", compact)
    if not match:
        raise FormatError("pirt_invalid")
    return match.group(1) + match.group(2)


def display_pirt(digits15: str) -> str:
    """Return "P-IRT No. 1234567890123-45"; other values come back unchanged."""
    if not isinstance(digits15, str) or not re.fullmatch(r"[0-9]{15}", digits15):
        return digits15
    return f"P-IRT No. {digits15[:13]}-{digits15[13:]}"


def normalize_bpom(raw: str) -> str:
    """Return "MD…"/"ML…" + 12 digits from e.g. "BPOM RI MD 123456789012"."""
    compact = _ID_SEPARATORS.sub("", _text(raw, "bpom_invalid")).upper()
    match = re.fullmatch(r"(?:(?:BADANPOM|BPOM)(?:RI)?)?(?:NOMOR|NO)?(M[DL][0-9]{12})", compact)
    if not match:
        raise FormatError("bpom_invalid")
    return match.group(1)


def normalize_cosmetics(raw: str) -> str:
    """Return the cosmetics notification number: "N[A-E]" + 11 digits."""
    compact = _ID_SEPARATORS.sub("", _text(raw, "cosmetics_invalid")).upper()
    match = re.fullmatch(
        r"(?:(?:BADANPOM|BPOM)(?:RI)?)?(?:NOMOR|NO)?(?:NOTIFIKASI|NOTIF)?(?:NOMOR|NO)?"
        r"(N[A-E][0-9]{11})",
        compact,
    )
    if not match:
        raise FormatError("cosmetics_invalid")
    return match.group(1)


def normalize_halal(raw: str) -> str:
    """Return a BPJPH "ID" + 14-18 digits or a legacy LPPOM MUI 14-digit number.

    Accepted: "ID51110012345670623", "ID 5111 0012 3456 70623", "Sertifikat Halal No.
    ID…"; legacy "LPPOM-00100012345678", "LPPOM MUI 00100012345678",
    "00100012345678" (stored as the 14 digits).
    """
    compact = _ID_SEPARATORS.sub("", _text(raw, "halal_invalid")).upper()
    compact = re.sub(r"^(?:SERTIFIKATHALAL|HALAL)?(?:NOMOR|NO)?", "", compact)
    modern = re.fullmatch(r"ID[0-9]{14,18}", compact)
    if modern:
        return compact
    legacy = re.fullmatch(r"(?:LPPOM)?(?:MUI)?(?:LPPOM)?([0-9]{14})", compact)
    if legacy:
        return legacy.group(1)
    raise FormatError("halal_invalid")


def rupiah(amount: int) -> str:
    """Return "Rp1.500.000" (whole rupiah; negative amounts as "-Rp…")."""
    value = int(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{abs(value):,}".replace(",", ".")
