"""Indonesian for /admin and /admin/users (python scripts/fill_catalogs.py this file)."""

T = {
    "%(inviter)s invited you to Rumah Kemasan. Open this link to choose your password (it works "
    "once, for %(days)s days):": "%(inviter)s mengundang Anda ke Rumah Kemasan. Buka tautan ini "
    "untuk memilih kata sandi Anda (berlaku sekali, selama %(days)s hari):",
    "%(name)s can sign in again.": "%(name)s dapat masuk lagi.",
    "%(name)s is disabled and signed out.": "Akun %(name)s dinonaktifkan dan dikeluarkan.",
    "A disabled account is signed out at once and cannot sign in. Its requests, timeline and "
    "files stay as they are.": "Akun yang dinonaktifkan langsung dikeluarkan dan tidak dapat "
    "masuk. Permohonan, riwayat, dan berkasnya tetap seperti semula.",
    "A new link replaces the one sent before, which stops working.": "Tautan baru menggantikan "
    "tautan sebelumnya, yang tidak berlaku lagi.",
    "Access": "Akses",
    "Active": "Aktif",
    "Administration": "Administrasi",
    "Administrator (every unit)": "Administrator (semua unit)",
    "Change role or unit": "Ubah peran atau unit",
    "Disable the account": "Nonaktifkan akun",
    "Disabled": "Nonaktif",
    "E-mail": "E-mail",
    "Enable the account": "Aktifkan akun",
    "every unit": "semua unit",
    "Enable the account before sending a new link.": "Aktifkan akun ini sebelum mengirim tautan "
    "baru.",
    "For example: left the office on 30 November.": "Misalnya: berhenti bekerja pada 30 November.",
    "Give a reason.": "Tuliskan alasannya.",
    "Give an e-mail or a WhatsApp number.": "Isi e-mail atau nomor WhatsApp.",
    "Hello %(name)s, you are invited to Rumah Kemasan. Choose your password with this link (it "
    "works once): %(link)s": "Halo %(name)s, Anda diundang ke Rumah Kemasan. Pilih kata sandi "
    "Anda melalui tautan ini (berlaku sekali): %(link)s",
    "Invite": "Undang",
    "Invite someone": "Undang seseorang",
    "Invite staff and supervisors, disable those who left, change a role or unit.": "Undang "
    "staf dan supervisor, nonaktifkan yang sudah keluar, ubah peran atau unit.",
    "Invited, no password yet": "Diundang, belum ada kata sandi",
    "Kept in the audit log with the change.": "Disimpan di log audit bersama perubahannya.",
    "Last sign-in": "Terakhir masuk",
    "Name": "Nama",
    "Name, e-mail or WhatsApp number": "Nama, e-mail, atau nomor WhatsApp",
    "Never": "Belum pernah",
    "No open jobs.": "Tidak ada pekerjaan terbuka.",
    "Nobody matches.": "Tidak ada yang cocok.",
    "None (administrators only)": "Tanpa unit (khusus administrator)",
    "Nothing to administer yet.": "Belum ada yang dapat diadministrasikan.",
    "Nothing to change: choose another role or unit.": "Tidak ada yang berubah: pilih peran atau "
    "unit lain.",
    "Only the first %(n)s are shown: search or choose a unit.": "Hanya %(n)s pertama yang "
    "ditampilkan: cari atau pilih unit.",
    "Open jobs": "Pekerjaan terbuka",
    "People": "Pengguna",
    "Reason (optional)": "Alasan (opsional)",
    "Reassign the open jobs listed below.": "Alihkan pekerjaan terbuka di bawah ini.",
    "Role": "Peran",
    "Save the change": "Simpan perubahan",
    "Search people": "Cari pengguna",
    "Send a new invitation link": "Kirim tautan undangan baru",
    "Staff (designer)": "Staf (desainer)",
    "Staff and supervisors belong to a unit: choose one.": "Staf dan supervisor termasuk dalam "
    "sebuah unit: pilih unitnya.",
    "Supervisor": "Supervisor",
    "The account is created without a password. The person chooses one through a one-time link: "
    "sent to the e-mail address, or, without one, shown to you once to send by WhatsApp.": "Akun "
    "dibuat tanpa kata sandi. Orang itu memilih kata sandinya melalui tautan sekali pakai: "
    "dikirim ke alamat e-mail, atau, tanpa e-mail, ditampilkan sekali kepada Anda untuk "
    "dikirim lewat WhatsApp.",
    "The invitation is sent to %(email)s. The link works once.": "Undangan dikirim ke "
    "%(email)s. Tautannya berlaku sekali.",
    "The link is sent here. Give an e-mail, a WhatsApp number, or both.": "Tautan dikirim ke "
    "sini. Isi e-mail, nomor WhatsApp, atau keduanya.",
    "The role and unit of %(name)s are saved.": "Peran dan unit %(name)s disimpan.",
    "Then sign in with this e-mail address and that password.": "Lalu masuk dengan alamat e-mail "
    "ini dan kata sandi tersebut.",
    "This WhatsApp number already belongs to an account.": "Nomor WhatsApp ini sudah dipakai "
    "akun lain.",
    "This account is already active.": "Akun ini sudah aktif.",
    "This account is already disabled.": "Akun ini sudah nonaktif.",
    "This account is disabled. If you still work here, ask your supervisor or the administrator "
    "to enable it.": "Akun ini dinonaktifkan. Jika Anda masih bekerja di sini, minta supervisor "
    "atau administrator untuk mengaktifkannya.",
    "This e-mail already belongs to an account.": "E-mail ini sudah dipakai akun lain.",
    "This is the last active administrator: make someone else administrator first.": "Ini "
    "administrator aktif terakhir: jadikan orang lain administrator terlebih dahulu.",
    "This is your own account: someone else changes its role, unit or access.": "Ini akun Anda "
    "sendiri: peran, unit, atau aksesnya diubah oleh orang lain.",
    "This link is shown only now. Send it to %(name)s yourself; it works once, for %(days)s days. "
    "A new invitation makes it void.": "Tautan ini hanya ditampilkan sekarang. Kirimkan sendiri "
    "kepada %(name)s; tautan berlaku sekali, selama %(days)s hari. Undangan baru membatalkannya.",
    "This person has already set a password. Someone who forgot it resets it from the sign-in "
    "page.": "Orang ini sudah mengatur kata sandi. Yang lupa kata sandi mengaturnya ulang dari "
    "halaman masuk.",
    "This person still has open jobs in this unit. Reassign them below, then change the unit.": (
        "Orang ini masih memiliki pekerjaan terbuka di unit ini. Alihkan pekerjaan itu di bawah, "
        "lalu ubah unitnya."
    ),
    "Without an e-mail, you are shown the link once to send it yourself.": "Tanpa e-mail, "
    "tautannya ditampilkan sekali kepada Anda untuk dikirim sendiri.",
    "You are invited to Rumah Kemasan": "Anda diundang ke Rumah Kemasan",
    "You may not give this role.": "Anda tidak boleh memberikan peran ini.",
    "You may only choose your own unit.": "Anda hanya boleh memilih unit Anda sendiri.",
}
