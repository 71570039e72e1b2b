"""Indonesian for the strings the lead added while joining the parts of issue 15."""

T = {
    "Contact, opening hours and time zone; kecamatan and desa; the services offered and their "
    "terms; holidays.": "Kontak, jam layanan dan zona waktu; kecamatan dan desa; layanan yang "
    "ditawarkan beserta ketentuannya; hari libur.",
    "Import a spreadsheet": "Impor spreadsheet",
    "Bring in the owners, businesses and requests an office kept in a spreadsheet.": "Masukkan "
    "pemilik, usaha dan permohonan yang selama ini dicatat kantor di spreadsheet.",
    "National overview": "Ringkasan nasional",
    "Every unit side by side: open, overdue, median days to complete, IKM.": "Semua unit "
    "berdampingan: terbuka, terlambat, median hari penyelesaian, IKM.",
    "Services and terms": "Layanan dan ketentuan",
    "Holidays": "Hari libur",
}
