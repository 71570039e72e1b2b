"""Translations for the photo branch (issue 13, item 5): "before" photos on the filing form,
the "no photo yet" badge for staff and the owner's prompt to add one."""

T = {
    "Photos of the packaging you use now (optional)": (
        "Foto kemasan yang Anda pakai sekarang (tidak wajib)"
    ),
    "Take or choose one or more photos of the current packaging (JPEG, PNG or WebP, at most "
    "20 MB each). They help the designer start sooner.": (
        "Ambil atau pilih satu foto atau lebih dari kemasan saat ini (JPEG, PNG atau WebP, "
        "paling besar 20 MB per foto). Foto membantu desainer mulai lebih cepat."
    ),
    "Your text is kept; choose the photos again.": (
        "Isian Anda tetap tersimpan di formulir; pilih fotonya lagi."
    ),
    "no photo yet": "belum ada foto",
    "There is no photo of your current packaging yet. Add one with the form below: it helps "
    "the designer start sooner.": (
        "Belum ada foto kemasan Anda saat ini. Tambahkan dengan formulir di bawah: foto "
        "membantu desainer mulai lebih cepat."
    ),
}
