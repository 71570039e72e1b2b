"""An owner registers, adds a business and files a request on a phone-sized screen."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_owner_registers_and_files_a_request(app, live_server, page, tmp_path):
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("one backend is enough for the browser journey")
    page.goto(live_server + "/auth/register")
    page.get_by_label("Nama lengkap").fill("Ni Kadek Ayu")
    page.get_by_label("Nomor WhatsApp").fill("0812 3333 4444")
    page.get_by_label("Kata sandi", exact=True).fill("pouch-cantik-2026")
    page.get_by_label("Ulangi kata sandi").fill("pouch-cantik-2026")
    page.locator("#consent").check()
    page.get_by_role("button", name=re.compile("Buat akun")).click()
    page.wait_for_url(re.compile("/account/businesses/new"))
    page.get_by_label("Kecamatan").select_option("Denpasar Selatan")
    page.locator("main form button[type=submit]").click()
    page.get_by_label("Nama usaha", exact=True).fill("Loloh Cemcem Bu Kadek")
    page.locator("#area_id").select_option(label="Panjer")
    page.get_by_role("button", name=re.compile("Simpan")).click()
    page.wait_for_url(re.compile("/requests/new"))
    page.get_by_label("Nama produk", exact=True).fill("Loloh Cemcem 250 ml")
    page.locator("#brief").fill("Label botol yang lebih menarik")
    page.screenshot(path=str(tmp_path / "new-request.png"))
    page.get_by_role("button", name=re.compile("Kirim permohonan")).click()
    page.wait_for_url(re.compile(r"/requests/RK-\d{4}-\d{5}"))
    assert "Diajukan" in page.content()
    assert page.viewport_size["width"] == 360
    # Nothing scrolls sideways on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
