"""Design pages: uploads, permission-checked downloads and previews, checklist, handover,
side-by-side comparison and the public before/after gallery."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.forms import CATEGORY_LABELS
from ..audit.services import record
from ..database import without_write_lock, writes
from ..errors import Conflict
from ..extensions import db
from ..forms import refusal_message
from ..permissions import (
    can_record_handover,
    can_upload,
    can_view_file,
    get_file_or_404,
    get_request_or_404,
    is_owner_of,
    role_required,
)
from ..roles import Role
from ..security import arg_int, arg_text
from . import checklists, queries, services, storage
from .forms import KIND_LABELS, ChecklistForm, HandoverForm, UploadForm
from .models import DesignFile, DesignKind
from .validation import UploadRejected

bp = Blueprint("designs", __name__)

REJECTION_MESSAGES = {
    "empty": _("the file is empty."),
    "unknown_type": _("this is not a JPEG, PNG or WebP photo, a PDF or a design source file."),
    "wrong_type": _("this kind of file cannot be added here."),
    "not_an_image": _("the photo cannot be read."),
    "damaged": _("the photo is damaged or incomplete; send it again."),
    "too_many_pixels": _("the photo has too many pixels; send a smaller one."),
    "pdf_active": _("the PDF contains scripts, actions or embedded files; save it as plain PDF."),
    "pdf_encrypted": _("the PDF is password-protected; send it without a password."),
    "pdf_damaged": _("the PDF cannot be read."),
    "file_too_big": _("the file is larger than 20 MB."),
    "request_quota": _("this request already holds as many files as allowed."),
    "storage_failed": _("the file could not be stored (the server's disk may be full)."),
}
# Sandbox anything a browser might still try to render from a download.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _message(code: str) -> str:
    return _(REJECTION_MESSAGES[code]) if code in REJECTION_MESSAGES else code


def upload_kinds(req) -> list[tuple[str, str]]:
    """The kinds of file the current user may add to `req` now, for the upload form."""
    return [
        (kind.value, str(label))
        for kind, label in KIND_LABELS.items()
        if can_upload(current_user, req, kind)
    ]


@bp.route("/requests/<code>/files", methods=["POST"])
@login_required
def upload(code: str):
    # Checked and cleaned (the slow part: decoding, renditions) before the write lock is
    # taken; what was decided from the request before is checked again once it is held.
    with without_write_lock():
        req = get_request_or_404(code)
        form = UploadForm()
        form.kind.choices = upload_kinds(req)
        back = redirect(url_for("requests.detail", code=req.code, _anchor="files"), 303)
        if not form.validate_on_submit():
            if not form.kind.choices:
                abort(403)
            flash(_("Choose what you are adding and the files."), "error")
            return back
        kind = DesignKind(form.kind.data)
        uploads = [
            f for f in request.files.getlist(form.files.name) if f and f.filename is not None
        ]
        if not uploads:
            flash(_("Choose at least one file."), "error")
            return back
        inspected, refused = [], []
        for item in uploads:
            data = item.read()
            name = item.filename or ""
            try:
                inspected.append((services.inspect(kind, name, data), len(data)))
            except UploadRejected as exc:
                refused.append(_("%(name)s: %(why)s", name=_shown(name), why=_message(exc.code)))
    req = get_request_or_404(code)
    if not can_upload(current_user, req, kind):
        raise Conflict(req, _("The request changed while the files were being checked."))
    added = []
    for result, size in inspected:
        try:
            design_file = services.store(req, current_user, kind, result, size)
        except UploadRejected as exc:
            if exc.code == "storage_failed":
                db.session.rollback()  # drops every file stored in this request
                flash(_("Nothing was saved: %(why)s", why=_message(exc.code)), "error")
                return back
            refused.append(
                _("%(name)s: %(why)s", name=_shown(result.display_name), why=_message(exc.code))
            )
            continue
        added.append(design_file.display_name)
    db.session.commit()
    if added:
        flash(_("Added: %(names)s", names=", ".join(added)), "success")
    for line in refused:
        flash(_("Not added, %(line)s", line=line), "error")
    return back


def refused_line(raw_name: str, code: str) -> str:
    """The line naming a refused file and why, as the upload and filing forms say it."""
    return _("%(name)s: %(why)s", name=_shown(raw_name), why=_message(code))


def _shown(raw: str) -> str:
    """The name of a refused file as the user chose it, without paths, controls or bidi tricks."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    return name[:80]


def _send(design_file: DesignFile, key: str, content_type: str, *, attachment: bool) -> Response:
    with storage.get_storage().open(key) as fh:
        body = fh.read()
    response = Response(body, mimetype=content_type)
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    if attachment:
        response.headers.set("Content-Disposition", "attachment", **_filename(design_file))
    return response


def _filename(design_file: DesignFile) -> dict[str, str]:
    """Content-Disposition parameters: an ASCII name, plus RFC 5987 UTF-8 when it differs.

    A header value must be Latin-1 (the WSGI server refuses anything else with a 500), so a
    name such as "логотип.png" is sent as filename="berkas.png"; filename*=UTF-8''%D0%BB….
    """
    name = design_file.display_name
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        stem, dot, ext = fallback.rpartition(".")
        if not stem.strip(" ._-"):
            fallback = f"berkas.{ext}" if dot else "berkas"
        return {"filename": fallback, "filename*": "UTF-8''" + quote(name, safe="!#$&+^`|")}
    return {"filename": name}


@bp.route("/files/<int:file_id>")
@writes  # someone else's photo or document: the download is audited
@login_required
def download(file_id: int):
    design_file = get_file_or_404(file_id)
    owners_own = design_file.kind in (DesignKind.BEFORE, DesignKind.DOCUMENT)
    if owners_own and current_user.id != design_file.request.applicant_id:
        # Anyone but the owner opening an owner's photo or document is on the record.
        record(
            current_user,
            "file.download",
            f"request:{design_file.request.code}",
            {"file_id": design_file.id, "kind": design_file.kind.value},
        )
        db.session.commit()
    content_type = (
        design_file.content_type
        if design_file.content_type.startswith("image/") or design_file.content_type.endswith("pdf")
        else "application/octet-stream"
    )
    return _send(design_file, design_file.storage_key, content_type, attachment=True)


@bp.route("/files/<int:file_id>/preview")
@login_required
def preview(file_id: int):
    """Our own JPEG rendition, cached by the browser keyed on the file's content."""
    design_file = get_file_or_404(file_id)
    # Only two sizes exist; anything else is the preview (and never reaches the ETag, where
    # a quote in it would be an error).
    size = "thumb" if request.args.get("size") == "thumb" else "preview"
    key = design_file.thumb_key if size == "thumb" else design_file.preview_key
    if key is None:
        abort(404)
    etag = f"{design_file.sha256[:32]}-{size}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = _send(design_file, key, "image/jpeg", attachment=False)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


def preview_url(design_file: DesignFile, size: str = "preview") -> str:
    """The preview address; the content hash in it makes a new version a new URL."""
    return url_for("designs.preview", file_id=design_file.id, size=size, v=design_file.sha256[:12])


@bp.route("/requests/<code>/checklist/<int:file_id>", methods=["GET", "POST"])
@login_required
@role_required(Role.STAFF, Role.SUPERVISOR)
def checklist(code: str, file_id: int):
    req = get_request_or_404(code)
    draft = get_file_or_404(file_id)
    if draft.request_id != req.id or draft.kind is not DesignKind.DRAFT:
        abort(404)
    if draft.proof_published_at is not None and request.method == "POST":
        # The owner decided on this version with this checklist: it is a record now.
        abort(409)
    items = checklists.items_for(req.product_category.value)
    # Stored answers, or the ones just submitted (their reasons are "" rather than None).
    answers: Mapping[str, tuple[str, str | None]] = services.checklist_answers(draft)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = ChecklistForm.for_items(items)
        if form.validate_on_submit():
            services.save_checklist(draft, current_user, form.answers)
            db.session.commit()
            flash(_("Checklist saved for version %(v)s.", v=draft.version), "success")
            return redirect(url_for("requests.detail", code=req.code, _anchor="files"), 303)
        if "csrf_token" in form.errors:
            abort(400)
        answers, errors = form.answers, form.item_errors
    return render_template(
        "designs/checklist.html",
        req=req,
        draft=draft,
        items=items,
        answers=answers,
        errors=errors,
    ), (400 if errors else 200)


@bp.route("/requests/<code>/handover", methods=["POST"])
@login_required
@role_required(Role.STAFF, Role.SUPERVISOR)
def handover(code: str):
    req = get_request_or_404(code)
    if not can_record_handover(current_user, req):
        abort(409)  # the role is checked above: what is left is "not ready yet"
    form = HandoverForm()
    if not form.validate_on_submit():
        flash(refusal_message(form, _("Write who received the results.")), "error")
        return redirect(url_for("requests.detail", code=req.code), 303)
    services.record_handover(
        req, current_user, form.received_by.data, form.quantity.data, form.note.data
    )
    db.session.commit()
    flash(_("Handover recorded."), "success")
    return redirect(url_for("requests.detail", code=req.code), 303)


@bp.route("/requests/<code>/compare")
@login_required
def compare(code: str):
    """Two versions side by side (by default the first before photo and the newest design)."""
    req = get_request_or_404(code)
    files = [f for f in services.files_of(req) if f.is_image and _visible(f)]
    by_id = {f.id: f for f in files}
    left_id, right_id = arg_int("a"), arg_int("b")
    left = by_id.get(left_id) if left_id is not None else None
    right = by_id.get(right_id) if right_id is not None else None
    if left is None:
        left = next((f for f in files if f.kind is DesignKind.BEFORE), files[0] if files else None)
    if right is None:
        finals = [f for f in files if f.kind in (DesignKind.FINAL, DesignKind.DRAFT)]
        right = finals[-1] if finals else (files[-1] if files else None)
    return render_template("designs/compare.html", req=req, files=files, left=left, right=right)


def _visible(design_file: DesignFile) -> bool:
    return can_view_file(current_user, design_file)


# --- the public gallery ----------------------------------------------------------------------


@bp.route("/gallery")
def gallery():
    category = arg_text("category", 40) or None
    kecamatan = arg_text("kecamatan", 120) or None
    pairs = queries.gallery_pairs(category=category, kecamatan=kecamatan)
    return render_template(
        "designs/gallery.html",
        pairs=pairs,
        category=category,
        kecamatan=kecamatan,
        kecamatans=queries.gallery_kecamatans(),
        category_labels=[(c.value, label) for c, label in CATEGORY_LABELS.items()],
    )


@bp.route("/gallery/<int:request_id>")
def gallery_item(request_id: int):
    pair = queries.gallery_pair(request_id)
    if pair is None:
        abort(404)
    return render_template("designs/gallery_item.html", pair=pair)


@bp.route("/gallery/<int:request_id>/<side>.jpg")
def gallery_image(request_id: int, side: str):
    """The public rendition of a consented before/after pair (nothing else is public)."""
    pair = queries.gallery_pair(request_id)
    if pair is None or side not in ("before", "after"):
        abort(404)
    design_file = pair.before if side == "before" else pair.after
    # Only two sizes exist; anything else is the preview (and never reaches the ETag, where
    # a quote in it would be an error).
    size = "thumb" if request.args.get("size") == "thumb" else "preview"
    key = design_file.thumb_key if size == "thumb" else design_file.preview_key
    if key is None:
        abort(404)
    response = _send(design_file, key, "image/jpeg", attachment=False)
    response.set_etag(f"{design_file.sha256[:32]}-{size}")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def files_context(req, snap: services.DesignSnapshot | None = None) -> dict:
    """What the request page needs to show files, proofs and the upload form."""
    snap = snap or services.snapshot(req)
    files = [f for f in snap.files if _visible(f)]
    proof = snap.proof
    if proof is not None and not _visible(proof):
        proof = None
    form = UploadForm()
    form.kind.choices = upload_kinds(req)
    newest = snap.newest_draft
    befores = [f for f in files if f.kind is DesignKind.BEFORE]
    return {
        "files": files,
        "befores": befores,
        # The owner is asked for a photo of the current packaging while none exists.
        "photo_prompt": not befores
        and is_owner_of(current_user, req)
        and can_upload(current_user, req, DesignKind.BEFORE),
        "documents": [f for f in files if f.kind is DesignKind.DOCUMENT],
        "drafts": [f for f in files if f.kind is DesignKind.DRAFT],
        "finals": [f for f in files if f.kind is DesignKind.FINAL],
        "sources": [f for f in files if f.kind is DesignKind.SOURCE],
        "proof": proof,
        "approved": snap.decision,
        "newest_draft": newest,
        "checklist_items": checklists.items_for(req.product_category.value),
        "proof_answers": snap.answers_for(proof),
        "newest_answers": snap.answers_for(newest),
        "upload_form": form,
        "handover_form": HandoverForm(),
        "preview_url": preview_url,
        "kind_labels": {kind.value: label for kind, label in KIND_LABELS.items()},
        "needs_checklist": req.service_type.needs_label_checklist,
    }
