"""Translations for issue 15, part "tz": each unit's time zone and its holidays page."""

T: dict[str, str] = {
    # reports
    "Dates and weeks in %(zone)s.": "Tanggal dan minggu dalam %(zone)s.",
    # the holidays page
    "Holidays of %(unit)s": "Hari libur %(unit)s",
    "Due dates count working days: Monday to Friday, except the days marked closed below. "
    "Times are in %(zone)s.": "Tenggat dihitung dalam hari kerja: Senin sampai Jumat, kecuali "
    "hari yang ditandai tutup di bawah ini. Waktu dalam %(zone)s.",
    "Days off in %(year)s": "Hari libur tahun %(year)s",
    "National holiday: closed": "Libur nasional: tutup",
    "Worked by this unit": "Unit ini tetap buka",
    "National holiday, but this unit is open": "Libur nasional, tetapi unit ini buka",
    "Local day off": "Libur setempat",
    "Closed in this unit only": "Tutup hanya di unit ini",
    "Open on this day": "Buka pada hari ini",
    "Restore the holiday": "Kembalikan hari libur",
    "Remove this day off": "Hapus hari libur ini",
    "No holidays listed for this year.": "Tidak ada hari libur untuk tahun ini.",
    "Add a local day off": "Tambah libur setempat",
    "Open requests due on or after a changed day get their due date counted again.": (
        "Permohonan terbuka yang tenggatnya pada atau setelah hari yang diubah dihitung ulang "
        "tenggatnya."
    ),
    "Add the day off": "Tambahkan hari libur",
    # the form
    "Date": "Tanggal",
    "A weekday the office is closed.": "Hari kerja (Senin–Jumat) saat kantor tutup.",
    "Name": "Nama",
    "For example Galungan, Kuningan or Cuti bersama Idul Fitri.": (
        "Misalnya Galungan, Kuningan atau Cuti bersama Idul Fitri."
    ),
    "Enter a date such as 2026-11-25.": "Isi tanggal seperti 2026-11-25.",
    # refusals and messages
    "That day is a Saturday or Sunday: the office is closed anyway.": (
        "Hari itu Sabtu atau Minggu: kantor memang tutup."
    ),
    "That day is already a day off for this unit.": "Hari itu sudah menjadi hari libur unit ini.",
    "That day is already a national holiday.": "Hari itu sudah hari libur nasional.",
    "That day is a national holiday this unit works: restore the holiday instead.": (
        "Hari itu libur nasional yang unit ini tetap buka: kembalikan hari liburnya saja."
    ),
    "That day is not a national holiday.": "Hari itu bukan hari libur nasional.",
    "This unit already works that day.": "Unit ini sudah buka pada hari itu.",
    "This unit has no change on that day.": "Unit ini tidak punya perubahan pada hari itu.",
    "Choose a day from the list.": "Pilih hari dari daftar.",
    "%(name)s on %(date)s is now a day off for %(unit)s.": (
        "%(name)s pada %(date)s kini hari libur %(unit)s."
    ),
    "%(unit)s works on %(date)s (%(name)s).": "%(unit)s buka pada %(date)s (%(name)s).",
    "The change on %(date)s (%(name)s) was undone.": (
        "Perubahan pada %(date)s (%(name)s) dibatalkan."
    ),
}
