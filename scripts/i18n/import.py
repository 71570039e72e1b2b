"""Translations for the import branch (issue 15, item 4: onboarding from an office's spreadsheet).

Column headers are also read back from uploaded files in either language
(onboarding/validation.read_header), so the Indonesian header of a column must stay unique.
"""

T: dict[str, str] = {
    # columns (template headers) and what to write in them
    "Original number": "Nomor asal",
    "Owner name": "Nama pemilik",
    "Mobile number": "Nomor HP",
    "E-mail": "E-mail",
    "Category": "Kategori",
    "Scale": "Skala",
    "Desa/kelurahan": "Desa/kelurahan",
    "Service code": "Kode layanan",
    "Submitted on": "Tanggal masuk",
    "Closed on": "Tanggal selesai",
    "Your own number for the request (from your register); with it, a re-import recognises the "
    "request.": "Nomor permohonan menurut catatan Anda (dari buku register); dengan nomor ini, "
    "impor ulang mengenali permohonan itu.",
    "The owner's full name.": "Nama lengkap pemilik.",
    "The owner's mobile (WhatsApp) number, e.g. 0812-3456-7890: it identifies the owner.": (
        "Nomor HP (WhatsApp) pemilik, mis. 0812-3456-7890: nomor ini mengenali pemilik."
    ),
    "Used only for an owner who is new here.": "Hanya dipakai untuk pemilik yang baru di sini.",
    "The business's name.": "Nama usaha.",
    "13 digits; when given, it identifies the business.": (
        "13 angka; bila diisi, NIB ini mengenali usaha."
    ),
    "pangan, fashion, kerajinan, herbal_kosmetik, agro or lainnya.": (
        "pangan, fashion, kerajinan, herbal_kosmetik, agro, atau lainnya."
    ),
    "mikro, kecil or menengah.": "mikro, kecil, atau menengah.",
    "A kecamatan of the unit (with the desa/kelurahan, or leave both empty).": (
        "Kecamatan di wilayah unit (bersama desa/kelurahan, atau kosongkan keduanya)."
    ),
    "A desa or kelurahan of that kecamatan.": "Desa atau kelurahan di kecamatan itu.",
    "A service code from the list, e.g. DESAIN-LABEL.": (
        "Kode layanan dari daftar, mis. DESAIN-LABEL."
    ),
    "The product the request is for.": "Produk yang dimohonkan.",
    "What was asked for.": "Apa yang diminta.",
    "The date the request came in, e.g. 2026-03-15 or 15/03/2026.": (
        "Tanggal permohonan masuk, mis. 2026-03-15 atau 15/03/2026."
    ),
    "Submitted, Needs information, Accepted, queued, Ready for pickup, Completed, Rejected or "
    "Cancelled, in either language.": "Diajukan, Perlu Dilengkapi, Diterima, Dalam Antrean, "
    "Siap Diambil, Selesai, Ditolak, atau Dibatalkan, dalam bahasa Indonesia atau Inggris.",
    "The date it was completed (required for a completed request), rejected or cancelled.": (
        "Tanggal permohonan selesai (wajib untuk permohonan yang selesai), ditolak, atau "
        "dibatalkan."
    ),
    # problems, by row and column
    "Fill in this column.": "Kolom ini wajib diisi.",
    "A request in design, awaiting approval, approved or in production cannot be imported (it "
    "needs a designer and its files): import it as “Accepted, queued” and let a designer claim "
    "it on the desk.": "Permohonan yang sedang didesain, menunggu persetujuan, disetujui, atau "
    "sedang diproduksi tidak dapat diimpor (perlu desainer dan berkasnya): impor sebagai "
    "“Diterima, Dalam Antrean” lalu biarkan desainer mengambilnya di meja kerja.",
    "This column appears twice (also column %(letter)s).": (
        "Kolom ini muncul dua kali (juga kolom %(letter)s)."
    ),
    "This column is missing from the header row.": "Kolom ini tidak ada di baris judul.",
    "Too long: at most %(n)s characters.": "Terlalu panjang: paling banyak %(n)s karakter.",
    "Not an e-mail address.": "Bukan alamat e-mail.",
    "Unknown category; use one of: %(names)s.": (
        "Kategori tidak dikenal; pakai salah satu: %(names)s."
    ),
    "Unknown scale; use one of: %(names)s.": "Skala tidak dikenal; pakai salah satu: %(names)s.",
    "This unit has no kecamatan “%(name)s”.": "Unit ini tidak punya kecamatan “%(name)s”.",
    "Kecamatan %(kecamatan)s has no desa or kelurahan “%(name)s”.": (
        "Kecamatan %(kecamatan)s tidak punya desa atau kelurahan “%(name)s”."
    ),
    "Fill in both the kecamatan and the desa/kelurahan, or neither.": (
        "Isi kecamatan dan desa/kelurahan sekaligus, atau kosongkan keduanya."
    ),
    "Unknown service; use one of the codes: %(names)s.": (
        "Layanan tidak dikenal; pakai salah satu kode: %(names)s."
    ),
    "Unknown status; use one of: %(names)s.": "Status tidak dikenal; pakai salah satu: %(names)s.",
    "Not a date; write it like 2026-03-15 or 15/03/2026.": (
        "Bukan tanggal; tulis seperti 2026-03-15 atau 15/03/2026."
    ),
    "This date is in the future.": "Tanggal ini belum terjadi.",
    "This date is too long ago.": "Tanggal ini terlalu lama.",
    "A completed request needs the date it was completed.": (
        "Permohonan yang selesai perlu tanggal selesainya."
    ),
    "Only a completed, rejected or cancelled request has this date.": (
        "Hanya permohonan yang selesai, ditolak, atau dibatalkan yang punya tanggal ini."
    ),
    "This date is before the submitted date.": "Tanggal ini sebelum tanggal masuk.",
    "This number belongs to a staff account.": "Nomor ini milik akun petugas.",
    "This e-mail belongs to another account.": "E-mail ini milik akun lain.",
    "Row %(row)s gives this e-mail to another owner.": (
        "Baris %(row)s memberikan e-mail ini kepada pemilik lain."
    ),
    "Row %(row)s gives this NIB to another owner.": (
        "Baris %(row)s memberikan NIB ini kepada pemilik lain."
    ),
    "This NIB belongs to another owner's business.": "NIB ini milik usaha pemilik lain.",
    "This NIB belongs to a business of another unit.": "NIB ini milik usaha di unit lain.",
    "The same original number as row %(row)s.": "Nomor asal sama dengan baris %(row)s.",
    "The same request as row %(row)s (business, service, product and date); give each an "
    "original number if both are real.": "Permohonan sama dengan baris %(row)s (usaha, "
    "layanan, produk, dan tanggal); beri masing-masing nomor asal bila keduanya memang ada.",
    # the file as a whole
    "The file is empty.": "Berkas ini kosong.",
    "The file could not be read: save it as an Excel workbook (.xlsx) or as CSV (UTF-8).": (
        "Berkas tidak dapat dibaca: simpan sebagai buku kerja Excel (.xlsx) atau CSV (UTF-8)."
    ),
    "The file has more than 5,000 rows: split it into several files.": (
        "Berkas ini lebih dari 5.000 baris: bagi menjadi beberapa berkas."
    ),
    "The file has a header row but no requests below it.": (
        "Berkas ini punya baris judul tetapi tidak ada permohonan di bawahnya."
    ),
    "The file is larger than 5 MB: split it into several files.": (
        "Berkas ini lebih dari 5 MB: bagi menjadi beberapa berkas."
    ),
    "Choose the file to import.": "Pilih berkas yang akan diimpor.",
    "Imported from the office's records (import #%(batch)s).": (
        "Diimpor dari catatan kantor (impor #%(batch)s)."
    ),
    # the page
    "Import from a spreadsheet": "Impor dari lembar kerja",
    "Bring in the owners, businesses and requests (open and closed) your office keeps in a "
    "spreadsheet today. One row is one request, as in a register: repeat the owner and the "
    "business on each of their requests.": "Masukkan pemilik, usaha, dan permohonan (yang "
    "masih berjalan maupun yang sudah selesai) yang selama ini dicatat kantor Anda di lembar "
    "kerja. Satu baris adalah satu permohonan, seperti di buku register: ulangi pemilik dan "
    "usaha pada setiap permohonannya.",
    "An owner is recognised by the mobile number, a business by its NIB (or, without one, by its "
    "owner and name), a request by your original number (or, without one, by business, service, "
    "product and date). Importing the same file again creates nothing twice.": "Pemilik "
    "dikenali dari nomor HP, usaha dari NIB (atau, bila tidak ada, dari pemilik dan namanya), "
    "permohonan dari nomor asal Anda (atau, bila tidak ada, dari usaha, layanan, produk, dan "
    "tanggal). Mengimpor berkas yang sama lagi tidak membuat apa pun dua kali.",
    "Requests keep their dates and status, so the reports count them in the months they "
    "happened. Owners get an account without a password (as at the counter) and no message is "
    "sent.": "Permohonan tetap memakai tanggal dan statusnya, sehingga laporan menghitungnya "
    "pada bulan kejadiannya. Pemilik mendapat akun tanpa kata sandi (seperti di loket) dan "
    "tidak ada pesan yang dikirim.",
    "Nothing is saved until the whole file is correct: you see every problem by row and column, "
    "or what will be created, before you confirm.": "Tidak ada yang disimpan sebelum seluruh "
    "berkas benar: Anda melihat setiap masalah per baris dan kolom, atau apa yang akan dibuat, "
    "sebelum Anda mengonfirmasi.",
    "The file was not imported": "Berkas tidak diimpor",
    "Problems found: %(num)s, in %(rows)s rows of %(file)s. Correct the file and upload it "
    "again; nothing was saved.": "Ditemukan %(num)s masalah, di %(rows)s baris %(file)s. "
    "Perbaiki berkas lalu unggah lagi; belum ada yang disimpan.",
    "Row": "Baris",
    "Column": "Kolom",
    "What is wrong": "Masalahnya",
    "Only the first 500 problems are listed.": "Hanya 500 masalah pertama yang ditampilkan.",
    "Ready to import %(file)s into %(unit)s": "Siap mengimpor %(file)s ke %(unit)s",
    "To create": "Akan dibuat",
    "Already here": "Sudah ada",
    "Owners": "Pemilik",
    "Columns not used: %(names)s.": "Kolom yang tidak dipakai: %(names)s.",
    "Import now": "Impor sekarang",
    "Everything in this file is already here: there is nothing to import.": (
        "Semua isi berkas ini sudah ada: tidak ada yang perlu diimpor."
    ),
    "Check a file": "Periksa berkas",
    "Check the file": "Periksa berkas",
    "Spreadsheet": "Lembar kerja",
    "The filled template: Excel (.xlsx) or CSV, at most 5 MB.": (
        "Templat yang sudah diisi: Excel (.xlsx) atau CSV, paling besar 5 MB."
    ),
    "The template": "Templat",
    "Download the Excel template (.xlsx)": "Unduh templat Excel (.xlsx)",
    "Download the CSV template": "Unduh templat CSV",
    "The Excel template offers the allowed values in dropdowns and lists them on its second "
    "sheet. Column headers may be in Indonesian or English; other columns are ignored.": (
        "Templat Excel menawarkan nilai yang boleh dalam daftar pilihan dan mencantumkannya di "
        "lembar kedua. Judul kolom boleh dalam bahasa Indonesia atau Inggris; kolom lain "
        "diabaikan."
    ),
    "What to write": "Yang diisi",
    "optional": "tidak wajib",
    "Service codes": "Kode layanan",
    "Statuses": "Status",
    "Kecamatan and desa/kelurahan of %(unit)s": "Kecamatan dan desa/kelurahan %(unit)s",
    "This unit has no areas yet: leave both columns empty.": (
        "Unit ini belum punya wilayah: kosongkan kedua kolom."
    ),
    "There is no unit to import into yet.": "Belum ada unit untuk tujuan impor.",
    "No checked file is waiting (it is saved for an hour): upload it again.": (
        "Tidak ada berkas yang menunggu (berkas disimpan satu jam): unggah lagi."
    ),
    "Someone imported these requests at the same moment: check the list.": (
        "Ada yang mengimpor permohonan ini pada saat yang sama: periksa daftarnya."
    ),
    "Imported (import #%(batch)s): %(owners)s owners, %(businesses)s businesses and "
    "%(requests)s requests created; %(existing)s requests were already here.": (
        "Diimpor (impor #%(batch)s): %(owners)s pemilik, %(businesses)s usaha, dan "
        "%(requests)s permohonan dibuat; %(existing)s permohonan sudah ada."
    ),
    # the template's sheets
    "Requests": "Permohonan",
    "Lists": "Daftar",
    "Instructions": "Petunjuk",
    "One row per request. Repeat the owner and the business on each of their requests.": (
        "Satu baris per permohonan. Ulangi pemilik dan usaha pada setiap permohonannya."
    ),
    "Nothing is saved until the whole file is correct; importing it again creates nothing "
    "twice.": "Tidak ada yang disimpan sebelum seluruh berkas benar; mengimpornya lagi tidak "
    "membuat apa pun dua kali.",
}
