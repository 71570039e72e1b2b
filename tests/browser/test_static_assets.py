"""Static assets are versioned by content and cached for a year; text responses are compressed.

These run without a browser (the Flask test client), next to the browser tests that measure
the same things in Chromium.
"""

from __future__ import annotations

import gzip
import re

from rumah_kemasan.static_assets import asset_hash

IMMUTABLE = "public, max-age=31536000, immutable"


def _get(client, url, **headers):
    """GET and close the response (a static file stays open until its response is closed)."""
    with client.get(url, headers=headers) as resp:
        resp.get_data()
        return resp


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_assets_by_content_hash(client, app):
    html = client.get("/auth/login").get_data(as_text=True)
    urls = _asset_urls(html)
    assert any(u.startswith("/static/css/app.css?v=") for u in urls)
    assert any(u.startswith("/static/js/upload.js?v=") for u in urls)
    for url in urls:
        path, version = url.split("?v=")
        assert version == asset_hash(app.static_folder, path.removeprefix("/static/"))
        resp = _get(client, url)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == IMMUTABLE


def test_a_stale_or_missing_hash_is_revalidated_not_cached_for_a_year(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=00000000"):
        resp = _get(client, url)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_url(tmp_path):
    (tmp_path / "a.css").write_text("body{color:#000}")
    first = asset_hash(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("body{color:#111111}")
    assert asset_hash(str(tmp_path), "a.css") != first
    assert asset_hash(str(tmp_path), "missing.css") is None
    assert asset_hash(str(tmp_path), "../etc/passwd") is None


def test_html_css_and_js_are_gzipped_when_the_client_accepts_it(client):
    plain = client.get("/auth/register")
    assert "Content-Encoding" not in plain.headers
    html = client.get("/auth/register", headers={"Accept-Encoding": "gzip"})
    assert html.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in html.headers["Vary"]
    assert gzip.decompress(html.data) == plain.data
    assert len(html.data) < len(plain.data) / 2
    for url in _asset_urls(plain.get_data(as_text=True)):
        resp = _get(client, url, **{"Accept-Encoding": "gzip"})
        assert resp.headers["Content-Encoding"] == "gzip", url
        assert resp.headers["Cache-Control"] == IMMUTABLE
        assert gzip.decompress(resp.data) == _get(client, url).data


def test_a_revisit_with_the_etag_answers_304_without_a_body(client):
    url = next(u for u in _asset_urls(client.get("/auth/login").get_data(as_text=True)))
    first = _get(client, url, **{"Accept-Encoding": "gzip"})
    again = _get(client, url, **{"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
