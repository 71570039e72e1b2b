"""Indonesian identifier normalisers and display formats."""

import pytest

from rumah_kemasan.formats import (
    FormatError,
    display_phone,
    display_pirt,
    normalize_bpom,
    normalize_cosmetics,
    normalize_halal,
    normalize_nib,
    normalize_phone,
    normalize_pirt,
    phone_last4,
    rupiah,
    whatsapp_link,
)


def assert_refused(func, raw, code):
    with pytest.raises(FormatError) as info:
        func(raw)
    assert info.value.code == code


def test_format_error_is_a_value_error_with_a_code():
    error = FormatError("nib_invalid")
    assert isinstance(error, ValueError)
    assert error.code == "nib_invalid"


# --- phone --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0812 3456 7890",
        "+62-812-3456-7890",
        "81234567890",
        "6281234567890",
        "+6281234567890",
        "0812.3456.7890",
        "(0812) 3456-7890",
        "+62 (0)812 3456 7890",
        "  0812-3456-7890  ",
    ],
)
def test_phone_variants_share_one_canonical_form(raw):
    assert normalize_phone(raw) == "6281234567890"


def test_phone_twelve_digit_national_number():
    # "812345678901" is 0812-3456-78901, a different (13-digit) number.
    assert normalize_phone("812345678901") == "62812345678901"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("0857-1234-5678", "6285712345678"),  # Indosat
        ("0895 1234 56789", "62895123456789"),  # Tri
        ("0811-234-567", "62811234567"),  # short Telkomsel
    ],
)
def test_phone_other_operators(raw, canonical):
    assert normalize_phone(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    ["0361-234567", "+62 361 234567", "(0361) 234567", "021 5080 0000"],
)
def test_landlines_are_not_mobile(raw):
    assert_refused(normalize_phone, raw, "phone_not_mobile")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "0812",
        "0812-3456-7890 ext",
        "08123456789012345",
        "+44 20 7946 0958",
        "0812345",
        None,
        6281234567890,
        "0" * 200,
    ],
)
def test_garbage_phone_is_invalid(raw):
    assert_refused(normalize_phone, raw, "phone_invalid")


@pytest.mark.parametrize(
    ("canonical", "shown"),
    [
        ("6281234567890", "0812-3456-7890"),
        ("628123456789", "0812-3456-789"),
        ("62811234567", "0811-2345-67"),
        ("62812345678901", "0812-3456-78901"),
    ],
)
def test_display_phone(canonical, shown):
    assert display_phone(canonical) == shown


def test_display_phone_leaves_other_values_alone():
    assert display_phone("not a phone") == "not a phone"


def test_phone_last4():
    assert phone_last4("6281234567890") == "7890"


def test_whatsapp_link_encodes_text():
    link = whatsapp_link("6281234567890", "Halo, RK-2026-00042 & status?")
    assert link == "https://wa.me/6281234567890?text=Halo%2C%20RK-2026-00042%20%26%20status%3F"


def test_whatsapp_link_without_text():
    assert whatsapp_link("6281234567890", "") == "https://wa.me/6281234567890"


def test_whatsapp_link_needs_a_number():
    assert_refused(lambda n: whatsapp_link(n, "x"), "", "phone_invalid")


# --- NIB ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["1234567890123", " 1234 5678 90123 ", "NIB: 1234567890123", "NIB 1234-5678-90123"],
)
def test_nib_accepted(raw):
    assert normalize_nib(raw) == "1234567890123"


@pytest.mark.parametrize(
    "raw",
    [
        "123456789012",
        "12345678901234",
        "12345678901a3",
        "NIB",
        "",
        None,
        "١٢٣٤٥٦٧٨٩٠١٢٣",
    ],
)
def test_nib_refused(raw):
    assert_refused(normalize_nib, raw, "nib_invalid")


# --- P-IRT --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "P-IRT No. 2065171010123-28",
        "2065171010123-28",
        "206517101012328",
        "PIRT 2065171010123-28",
        "p-irt no.2065171010123-28",
        "SPP-IRT No: 2065171010123-28",
        "P-IRT Nomor 2065171010123 - 28",
    ],
)
def test_pirt_accepted(raw):
    assert normalize_pirt(raw) == "206517101012328"


@pytest.mark.parametrize(
    "raw",
    [
        "20651710101232",  # 14 digits
        "2065171010123288",  # 16 digits
        "2065171010123-2",
        "206517101012-328",  # dash in the wrong place
        "20651710101232-8",
        "P-IRT No. ABCDEFGHIJKLM-NO",
        "MD 123456789012",
        "P-IRT",
        "",
    ],
)
def test_pirt_refused(raw):
    assert_refused(normalize_pirt, raw, "pirt_invalid")


def test_display_pirt():
    assert display_pirt("206517101012328") == "P-IRT No. 2065171010123-28"
    assert display_pirt("1234567890123-45") == "1234567890123-45"


# --- BPOM, cosmetics ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("BPOM RI MD 123456789012", "MD123456789012"),
        ("MD 1234 5678 9012", "MD123456789012"),
        ("md123456789012", "MD123456789012"),
        ("BPOM RI ML 123456789012", "ML123456789012"),
        ("Badan POM RI MD 123456789012", "MD123456789012"),
    ],
)
def test_bpom_accepted(raw, stored):
    assert normalize_bpom(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "MD 12345678901",
        "MD 1234567890123",
        "TR 123456789012",
        "BPOM RI",
        "123456789012",
    ],
)
def test_bpom_refused(raw):
    assert_refused(normalize_bpom, raw, "bpom_invalid")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("NA18201200123", "NA18201200123"),
        ("na 1820 1200 123", "NA18201200123"),
        ("BPOM NA18201200123", "NA18201200123"),
        ("No. Notifikasi: NE18201200123", "NE18201200123"),
    ],
)
def test_cosmetics_accepted(raw, stored):
    assert normalize_cosmetics(raw) == stored


@pytest.mark.parametrize("raw", ["NF18201200123", "NA1820120012", "NA182012001234", "18201200123"])
def test_cosmetics_refused(raw):
    assert_refused(normalize_cosmetics, raw, "cosmetics_invalid")


# --- halal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("ID51110012345670623", "ID51110012345670623"),
        ("id 5111 0012 3456 70623", "ID51110012345670623"),
        ("Sertifikat Halal No. ID51110012345670623", "ID51110012345670623"),
        ("ID5111001234567062", "ID5111001234567062"),
        ("LPPOM-00100012345678", "00100012345678"),
        ("LPPOM MUI 00100012345678", "00100012345678"),
        ("00100012345678", "00100012345678"),
    ],
)
def test_halal_accepted(raw, stored):
    assert normalize_halal(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "ID123",
        "ID5111001234567062312",  # too long
        "IDX1110012345670623",
        "halal",
        "0010001234567",  # 13 digits
        "MUI-LPPOM-2016001234",
        "",
    ],
)
def test_halal_refused(raw):
    assert_refused(normalize_halal, raw, "halal_invalid")


# --- rupiah -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (1500000, "Rp1.500.000"),
        (0, "Rp0"),
        (999, "Rp999"),
        (1000, "Rp1.000"),
        (-2500, "-Rp2.500"),
    ],
)
def test_rupiah(amount, shown):
    assert rupiah(amount) == shown
