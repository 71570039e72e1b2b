"""Browser tests: Debian's Chromium driven by Playwright against the app on loopback.

Skipped (and said so) when /usr/bin/chromium is missing, unless REQUIRE_BROWSER is set (CI),
in which case a missing browser fails the run.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


_BROWSER: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter):
    if _BROWSER:
        terminalreporter.write_line(f"browser tests: {_BROWSER['state']}")


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            _BROWSER["state"] = "REQUIRED but /usr/bin/chromium is missing (failed)"
            pytest.fail("REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        _BROWSER["state"] = "skipped, /usr/bin/chromium is not installed"
        pytest.skip("browser tests skipped: /usr/bin/chromium is not installed")
    _BROWSER["state"] = f"ran on {CHROMIUM}"
    return CHROMIUM


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Debian's Chromium, launched once per run (never a browser that Playwright downloads)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (own cookies and cache): one per person in a journey."""
    contexts = []

    def make(width=360, height=740, **kw):
        context = browser.new_context(viewport={"width": width, "height": height}, **kw)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page(360, 740)
