"""The browser fixture: Debian's Chromium through Playwright, skipped outside CI only."""

from __future__ import annotations

from pathlib import Path

import pytest
from chasqui_testing import browser as browser_module
from chasqui_testing.browser import accessibility_problems, screenshot
from playwright.async_api import Page


def test_a_missing_browser_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        browser_module.browser_unavailable("no Chromium found")


def test_a_missing_browser_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        browser_module.browser_unavailable("no Chromium found")


def test_chasqui_chromium_names_the_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setenv("CHASQUI_CHROMIUM", str(fake))
    assert browser_module.chromium_executable() == str(fake)
    monkeypatch.setenv("CHASQUI_CHROMIUM", str(tmp_path / "absent"))
    assert browser_module.chromium_executable() is None


async def test_the_page_is_a_real_chromium_in_spanish(page: Page) -> None:
    await page.set_content("<html lang='es'><body><label for=d>Documento</label><input id=d></body></html>")
    await page.get_by_label("Documento").fill("10117410")
    assert await page.get_by_label("Documento").input_value() == "10117410"
    assert await page.evaluate("navigator.language") == "es-PE"
    assert "Chrome/" in await page.evaluate("navigator.userAgent")


async def test_screenshots_only_when_asked(
    page: Page, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await page.set_content("<html lang='es'><body><h1>Hola</h1></body></html>")
    monkeypatch.delenv("CHASQUI_SCREENSHOTS", raising=False)
    assert await screenshot(page, "vacio") is None
    monkeypatch.setenv("CHASQUI_SCREENSHOTS", str(tmp_path / "images"))
    saved = await screenshot(page, "hola")
    assert saved == tmp_path / "images" / "console-hola.png"
    assert saved.read_bytes().startswith(b"\x89PNG")


async def test_the_audit_finds_what_a_page_breaks(page: Page) -> None:
    await page.set_content(
        "<html><body><h1>A</h1><h1>B</h1><input id=x><button></button>"
        "<p style='color:#999;background:#fff'>gris claro</p><img src=''></body></html>"
    )
    problems = await accessibility_problems(page)
    assert "html has no lang attribute" in problems
    assert "expected one h1, found 2" in problems
    assert "control without a label: input#x" in problems
    assert "button or link without a name: button" in problems
    assert "image without alt: img" in problems
    assert any(p.startswith("contrast 2.85:1") for p in problems), problems


async def test_the_audit_passes_a_labelled_page_with_contrast(page: Page) -> None:
    await page.set_content(
        "<html lang='es'><body><h1>Buscar</h1><label for=d>Documento</label><input id=d>"
        "<button style='background:#00703c;color:#fff'>Buscar</button></body></html>"
    )
    assert await accessibility_problems(page) == []
