"""Indonesian for the account-recovery strings (python scripts/fill_catalogs.py this file)."""

T = {
    "A recovery for this owner is already open.": "Pemulihan akun untuk pemilik ini sudah dibuka.",
    "Account recoveries": "Pemulihan akun",
    "Account recovery for %(name)s": "Pemulihan akun %(name)s",
    "Approve only if you trust the check: the owner's password will be replaced by one the "
    "owner chooses through a link that %(name)s hands over.": "Setujui hanya jika Anda "
    "memercayai pemeriksaan ini: kata sandi pemilik akan diganti dengan kata sandi yang dipilih "
    "pemilik melalui tautan yang diserahkan oleh %(name)s.",
    "Approve the recovery": "Setujui pemulihan",
    "Approved by %(name)s": "Disetujui oleh %(name)s",
    "Approved: %(name)s can now be given a set-password link.": "Disetujui: %(name)s sekarang "
    "dapat membuat tautan atur kata sandi.",
    "Confirm that you checked the document in person.": "Pastikan Anda sudah memeriksa dokumen "
    "itu secara langsung.",
    "Document checked": "Dokumen yang diperiksa",
    "For example: lost the password, no e-mail address on the account.": "Misalnya: lupa kata "
    "sandi, akun tidak memiliki alamat e-mail.",
    "Hello, this is Rumah Kemasan. Set a new password for your account with this link (it works "
    "once, within 30 minutes): %(link)s": "Halo, ini Rumah Kemasan. Atur kata sandi baru akun "
    "Anda dengan tautan ini (hanya sekali pakai, dalam 30 menit): %(link)s",
    "I saw the document in person and its name and photo match the owner.": "Saya melihat "
    "dokumen itu secara langsung, dan nama serta fotonya cocok dengan pemilik.",
    "Identity check for %(name)s": "Pemeriksaan identitas %(name)s",
    "KTP (identity card)": "KTP",
    "Kartu Keluarga": "Kartu Keluarga",
    "Last four digits of the document number": "Empat digit terakhir nomor dokumen",
    "Link made on %(date)s": "Tautan dibuat pada %(date)s",
    "Make the link only while the owner is with you: it works once, for 30 minutes.": "Buat "
    "tautan hanya saat pemilik ada di depan Anda: tautan hanya sekali pakai, selama 30 menit.",
    "Make the set-password link": "Buat tautan atur kata sandi",
    "No account recoveries yet.": "Belum ada pemulihan akun.",
    "Note (optional)": "Catatan (opsional)",
    "Owner lost the password? Check identity at the counter": "Pemilik lupa kata sandi? "
    "Periksa identitas di loket",
    "Passport": "Paspor",
    "Password reset on %(date)s": "Kata sandi diatur ulang pada %(date)s",
    "Record the check": "Catat pemeriksaan",
    "Recorded": "Dicatat",
    "Recorded by": "Dicatat oleh",
    "Refuse": "Tolak",
    "Refused by %(name)s": "Ditolak oleh %(name)s",
    "Refused: no link can be made for this check.": "Ditolak: tidak ada tautan yang dapat "
    "dibuat untuk pemeriksaan ini.",
    "SIM (driving licence)": "SIM",
    "State": "Keadaan",
    "The identity check is recorded. A supervisor of %(unit)s must approve it.": "Pemeriksaan "
    "identitas dicatat. Seorang supervisor %(unit)s harus menyetujuinya.",
    "The link works once and expires in 30 minutes. It is shown only now. When the owner uses "
    "it, every session of the account ends and the owner is told at the next sign-in who reset "
    "the password.": "Tautan hanya sekali pakai dan kedaluwarsa dalam 30 menit. Tautan hanya "
    "ditampilkan sekarang. Saat pemilik memakainya, semua sesi akun berakhir dan pemilik diberi "
    "tahu saat masuk berikutnya siapa yang mengatur ulang kata sandinya.",
    "The owner is at the counter and cannot get into the account. Check an identity document in "
    "person. A supervisor of the owner's unit must approve the check before you can make a "
    "set-password link; the link works once, for 30 minutes, and signs the owner out "
    "everywhere.": "Pemilik ada di loket dan tidak dapat masuk ke akunnya. Periksa dokumen "
    "identitas secara langsung. Seorang supervisor unit pemilik harus menyetujui pemeriksaan "
    "ini sebelum Anda dapat membuat tautan atur kata sandi; tautan hanya sekali pakai, selama "
    "30 menit, dan mengeluarkan pemilik dari semua perangkat.",
    "This owner has no business or request in any unit.": "Pemilik ini tidak memiliki usaha "
    "atau permohonan di unit mana pun.",
    "Type exactly four letters or digits.": "Ketik tepat empat huruf atau angka.",
    "Waiting for a supervisor of %(unit)s": "Menunggu supervisor %(unit)s",
    "Waiting for a supervisor of %(unit)s who did not record the check.": "Menunggu supervisor "
    "%(unit)s yang bukan pencatat pemeriksaan ini.",
    "Why the owner cannot recover the account alone": "Mengapa pemilik tidak dapat memulihkan "
    "akunnya sendiri",
    "Your password was reset by %(name)s of %(unit)s on %(date)s, after an identity check at "
    "the counter. If this was not you, contact the office at once.": "Kata sandi Anda diatur "
    "ulang oleh %(name)s dari %(unit)s pada %(date)s, setelah pemeriksaan identitas di loket. "
    "Jika itu bukan Anda, segera hubungi kantor.",
}
