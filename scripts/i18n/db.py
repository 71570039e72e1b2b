"""Indonesian for the strings added on the db branch (concurrency, timeouts, outage pages).

Fill the catalogs with `python scripts/fill_catalogs.py scripts/i18n/db.py` after `make extract`.
"""

T = {
    "Many people are saving at this moment and your change could not be written. Nothing was "
    "saved; please send it again in a few seconds.": (
        "Banyak orang sedang menyimpan pada saat ini sehingga perubahan Anda belum dapat "
        "ditulis. Tidak ada yang tersimpan; silakan kirim lagi dalam beberapa detik."
    ),
    "The request changed while the files were being checked.": (
        "Permohonan ini berubah ketika berkas sedang diperiksa."
    ),
}
