"""Indonesian for the strings of issue 13 items 3-5 (outbox, e-mail choices, daily digest).

Apply with `python scripts/fill_catalogs.py scripts/i18n/outbox.py` after `make extract`.
"""

T = {
    "%(code)s: the owner answered.": "%(code)s: pemilik sudah menjawab.",
    "A job given to you": "Pekerjaan yang diberikan kepada Anda",
    "Choose which e-mails you get, and how, on your account page:": (
        "Pilih e-mail mana yang Anda terima, dan caranya, di halaman akun Anda:"
    ),
    "Daily digest: %(count)s updates": "Ringkasan harian: %(count)s kabar",
    "E-mail immediately": "E-mail segera",
    "E-mail notifications": "Notifikasi e-mail",
    "In the daily digest": "Dalam ringkasan harian",
    "New requests in your unit": "Permohonan baru di unit Anda",
    "No e-mail": "Tanpa e-mail",
    "Other status changes of your job": "Perubahan status lain pada pekerjaan Anda",
    "Questions and comments about your request": "Pertanyaan dan komentar tentang permohonan Anda",
    "Save e-mail choices": "Simpan pilihan e-mail",
    "Status changes of your request": "Perubahan status permohonan Anda",
    "The owner's answer on your job": "Jawaban pemilik pada pekerjaan Anda",
    "The owner's decision on a proof of your job": (
        "Keputusan pemilik atas desain untuk disetujui pada pekerjaan Anda"
    ),
    "You always see notifications in the app. Choose for each kind whether you also get an "
    "e-mail at once, one daily digest, or none.": (
        "Notifikasi di aplikasi selalu Anda terima. Pilih untuk setiap jenis apakah Anda juga "
        "menerima e-mail segera, satu ringkasan harian, atau tidak sama sekali."
    ),
    "Your daily digest: %(count)s updates since the last one.": (
        "Ringkasan harian Anda: %(count)s kabar sejak ringkasan terakhir."
    ),
    "Your e-mail choices are saved.": "Pilihan e-mail Anda sudah disimpan.",
    "… and %(count)s more: see your notifications in the app.": (
        "… dan %(count)s lainnya: lihat notifikasi Anda di aplikasi."
    ),
}
