"""Light pages: content-hashed static URLs cached for a year, and compressed text responses.

`url_for('static', filename=...)` gets `?v=<first 8 hex digits of the file's sha256>`, so a
changed file is a new URL. A request that carries the current hash is answered with
`Cache-Control: public, max-age=31536000, immutable`; one without it, or with a stale hash,
must revalidate (`no-cache`), so an old page never pins an old file for a year.

Text responses (HTML, CSS, JS, JSON, SVG) are compressed by Flask-Compress when the client
accepts it. BREACH (secrets in compressed pages that also reflect attacker input) needs the
victim's browser to send many cross-site requests with its cookies; our session cookie is
SameSite=Lax, so cross-site subresource requests carry no session and see no CSRF token.
CSV and XLSX exports are downloads and are left as they are (they stream).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress
from werkzeug.security import safe_join

YEAR = 31_536_000
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
]

_lock = threading.Lock()
_hashes: dict[str, tuple[tuple[int, int], str]] = {}


def asset_hash(static_folder: str, filename: str) -> str | None:
    """The first 8 hex digits of the sha256 of a static file, or None if there is no such file.

    Cached per path and revalidated by modification time and size, so an edited file (in
    development) gets a new hash without a restart.
    """
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        st = Path(path).stat()
    except OSError:
        return None
    key = (st.st_mtime_ns, st.st_size)
    cached = _hashes.get(path)
    if cached and cached[0] == key:
        return cached[1]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]
    with _lock:
        _hashes[path] = (key, digest)
    return digest


def init_app(app: Flask) -> None:
    """Version static URLs, cache versioned assets for a year, compress text responses."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # Flask-Compress's streaming mode does not close the wrapped file of a send_file response
    # (a ResourceWarning per asset); our assets are small, so they are read whole below instead.
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)

    @app.url_defaults
    def _version_static_urls(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = asset_hash(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _cache_static(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        if response.status_code == 200 and response.mimetype in COMPRESSED_TYPES:
            response.direct_passthrough = False
            response.make_sequence()  # read the small file now (closed at the end) to compress it
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if version and version == asset_hash(app.static_folder, filename):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response
