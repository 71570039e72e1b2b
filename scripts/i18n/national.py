"""Indonesian for the strings of issue 15 item 3 (the national overview, the admin's unit filter).

Apply with `python scripts/fill_catalogs.py scripts/i18n/national.py` after `make extract`.
"""

T = {
    "Median days to complete": "Median hari sampai selesai",
    "Open and overdue: now. Completed, median and IKM: requests completed and survey answers "
    "given in the period chosen. Median: calendar days from filing to completion. Every number "
    "opens the list of the requests it counts.": (
        "Terbuka dan terlambat: saat ini. Selesai, median dan IKM: permohonan yang selesai dan "
        "jawaban survei yang diberikan pada periode yang dipilih. Median: hari kalender dari "
        "pengajuan sampai selesai. Setiap angka membuka daftar permohonan yang dihitungnya."
    ),
}
