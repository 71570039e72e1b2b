"""Indonesian for the strings added by issue 12 items 2-3 (input hygiene).

Usage after `make extract`: python scripts/fill_catalogs.py scripts/i18n/input.py
"""

T = {
    "The text contains characters that are not allowed.": (
        "Teks berisi karakter yang tidak diizinkan."
    ),
    "Enter a whole number from %(minimum)s to %(maximum)s.": (
        "Masukkan bilangan bulat dari %(minimum)s sampai %(maximum)s."
    ),
}
