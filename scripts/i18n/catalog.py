"""Indonesian for the strings of issue 15's service catalog per unit (catalog branch).

Usage after `make extract`: python scripts/fill_catalogs.py scripts/i18n/catalog.py
"""

T = {
    "%(n)s extra questions": "%(n)s pertanyaan tambahan",
    "%(n)s working days": "%(n)s hari kerja",
    "At most %(n)s questions per service.": "Paling banyak %(n)s pertanyaan per layanan.",
    "Enter a whole number.": "Masukkan bilangan bulat.",
    "Extra questions for the owner": "Pertanyaan tambahan untuk pemilik usaha",
    "Free revisions": "Revisi gratis",
    "From 0 to 20.": "Dari 0 sampai 20.",
    "From 1 to 365. The due date of a request counts from its acceptance.": (
        "Dari 1 sampai 365. Tenggat permohonan dihitung sejak permohonan diterima."
    ),
    "Line %(n)s: %(problem)s.": "Baris %(n)s: %(problem)s.",
    "National defaults: %(days)s working days, %(revisions)s free revisions.": (
        "Standar nasional: %(days)s hari kerja, %(revisions)s revisi gratis."
    ),
    "Nothing changed.": "Tidak ada yang berubah.",
    "Offered": "Tersedia",
    "One question per line: key | label (Indonesian) | label (English) | text, number or "
    "choice | required or empty | choices separated by ; For example: size | Ukuran kemasan | "
    "Package size | choice | required | 250 g; 500 g; 1 kg": (
        "Satu pertanyaan per baris: kunci | label (Indonesia) | label (Inggris) | teks, angka "
        "atau pilihan | wajib atau kosong | pilihan dipisah ; Contoh: ukuran | Ukuran kemasan | "
        "Package size | pilihan | wajib | 250 g; 500 g; 1 kg"
    ),
    "Only for %(service)s": "Hanya untuk %(service)s",
    "Owners of this unit can file only the services it offers, on the terms below. A change "
    "applies to requests filed after it; requests already filed keep their terms.": (
        "Pemilik usaha di unit ini hanya dapat mengajukan layanan yang tersedia, dengan "
        "ketentuan di bawah. Perubahan berlaku untuk permohonan yang diajukan sesudahnya; "
        "permohonan yang sudah diajukan tetap memakai ketentuannya."
    ),
    "Printing included": "Termasuk cetak",
    "Requests already filed keep the terms they were filed under.": (
        "Permohonan yang sudah diajukan tetap memakai ketentuan saat diajukan."
    ),
    "Required documents": "Dokumen yang diperlukan",
    "Saved. New requests for %(service)s get these terms; requests already filed keep theirs.": (
        "Tersimpan. Permohonan baru untuk %(service)s memakai ketentuan ini; permohonan yang "
        "sudah diajukan tetap memakai ketentuannya."
    ),
    "Service standard": "Standar pelayanan",
    "Service time (working days)": "Waktu layanan (hari kerja)",
    "Services": "Layanan",
    "Services of %(unit)s": "Layanan %(unit)s",
    "Services of %(unit)s and their terms": "Layanan %(unit)s dan ketentuannya",
    "Shown to owners on the filing form and the public page.": (
        "Ditampilkan kepada pemilik usaha di formulir permohonan dan halaman publik."
    ),
    "This packaging house does not offer this service. Choose another one.": (
        "Rumah kemasan ini tidak menyediakan layanan ini. Pilih layanan lain."
    ),
    "This packaging house offers no services yet.": (
        "Rumah kemasan ini belum menyediakan layanan."
    ),
    "This packaging house offers this service": "Rumah kemasan ini menyediakan layanan ini",
    "This service needs this answer.": "Layanan ini memerlukan jawaban ini.",
    "a choice needs its choices, separated by ;": "pilihan memerlukan daftar pilihan, dipisah ;",
    "at most 20 choices of at most 60 characters": (
        "paling banyak 20 pilihan, masing-masing paling banyak 60 karakter"
    ),
    "no": "tidak",
    "not set up yet": "belum diatur",
    "only a choice has choices": "hanya jenis pilihan yang memiliki daftar pilihan",
    "printing included": "termasuk cetak",
    "the key %(key)s is used twice": "kunci %(key)s dipakai dua kali",
    "the key must start with a lowercase letter and hold only lowercase letters, digits and _ "
    "(at most 30)": (
        "kunci harus diawali huruf kecil dan hanya berisi huruf kecil, angka dan _ "
        "(paling banyak 30)"
    ),
    "the kind must be text, number or choice": "jenisnya harus teks, angka atau pilihan",
    "too many parts (at most 6, separated by |)": (
        "terlalu banyak bagian (paling banyak 6, dipisah |)"
    ),
    'write "required" or leave it empty': 'tulis "wajib" atau biarkan kosong',
    "write the Indonesian label (at most 120 characters)": (
        "tulis label bahasa Indonesia (paling banyak 120 karakter)"
    ),
    "yes": "ya",
}
