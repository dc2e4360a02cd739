"""A real headless browser for tests of server-rendered pages: Debian's Chromium driven by Playwright.

Playwright's own browser download is never used: the system `chromium` (installed by `make browser`,
which `make test` runs) is launched through `executable_path`. Without it the browser tests are
skipped with the reason, except under CI (`CI=true`), where a missing browser is a failure: a green
CI must mean the pages were really exercised.

Use the fixtures from a test package's conftest:

    from chasqui_testing.browser import browser, page  # noqa: F401  (pytest fixtures)

`CHASQUI_SCREENSHOTS=<directory>` (e.g. `docs/images`) makes `screenshot(page, name)` save
`<directory>/console-<name>.png`; otherwise it does nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CHROMIUM_NAMES = ("chromium", "chromium-browser")
"""Executables searched on PATH (Debian's package installs /usr/bin/chromium)."""
SCREENSHOTS_ENV = "CHASQUI_SCREENSHOTS"
VIEWPORT = {"width": 1280, "height": 900}
ACTION_TIMEOUT_MS = 15_000


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def chromium_executable() -> str | None:
    """The browser to drive: CHASQUI_CHROMIUM if set, else the first of CHROMIUM_NAMES on PATH."""
    configured = os.environ.get("CHASQUI_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_unavailable(reason: str) -> NoReturn:
    """Skip the test with `reason`, or fail it under CI, where every browser test must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the session (each test gets its own context through `page`)."""
    executable = chromium_executable()
    if executable is None:
        browser_unavailable(
            "no Chromium found (looked for CHASQUI_CHROMIUM, then chromium and chromium-browser on PATH); "
            "install Debian's package with `make browser` (apt-get install chromium)"
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (`make setup` installs the dev group)")
    async with async_playwright() as driver:
        # --lang: Chromium's own words and date fields in Spanish, as the clerks' machines have them.
        launched = await driver.chromium.launch(
            executable_path=executable, headless=True, args=["--lang=es-PE"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page in its own context (no cookies shared between tests), Spanish (Peru) locale."""
    from playwright.async_api import expect

    context = await browser.new_context(locale="es-PE", viewport=VIEWPORT)  # type: ignore[arg-type]
    # Generous waits (actions and `expect`): two cores shared by a test run and its services.
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> Path | None:
    """Save a full-page `console-<name>.png` when CHASQUI_SCREENSHOTS names a directory."""
    directory = os.environ.get(SCREENSHOTS_ENV)
    if not directory:
        return None
    path = Path(directory) / f"console-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path


# An axe-like audit of the rules a server-rendered form page most often breaks (WCAG 2.2 AA): the
# page's language, one h1, unique ids, a label for every control, a name for every button and link,
# alt text for images, and text contrast against the background it is drawn on (1.4.3: 4.5:1, or
# 3:1 for large text). It reads the rendered page, so it checks what the browser really shows.
_AUDIT = r"""
() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '');
  const lang = document.documentElement.getAttribute('lang') || '';
  if (!lang.trim()) problems.push('html has no lang attribute');
  if (document.querySelectorAll('h1').length !== 1)
    problems.push('expected one h1, found ' + document.querySelectorAll('h1').length);
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen.has(el.id)) problems.push('duplicate id ' + el.id);
    seen.set(el.id, true);
  }
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') ||
      el.getAttribute('aria-labelledby') || el.getAttribute('title');
    if (!named) problems.push('control without a label: ' + describe(el));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    const name = (el.innerText || el.textContent || '').trim() || el.getAttribute('aria-label') ||
      el.getAttribute('title');
    if (!name) problems.push('button or link without a name: ' + describe(el));
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) problems.push('image without alt: ' + describe(el));
  }
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of el.getAttribute('aria-describedby').split(/\s+/)) {
      if (!document.getElementById(id)) problems.push('aria-describedby names a missing id ' + id);
    }
  }
  const rgb = (text) => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const parts = m[1].split(',').map((p) => parseFloat(p));
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = (c) => {
    const ch = [c.r, c.g, c.b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c && c.a >= 0.99) return c;
      if (getComputedStyle(node).backgroundImage !== 'none') return null;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const checked = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || checked.has(el) || !node.textContent.trim() || !visible(el)) continue;
    if (el.closest('svg, option, .visually-hidden')) continue;
    checked.add(el);
    const style = getComputedStyle(el);
    const fg = rgb(style.color);
    const bg = background(el);
    if (!fg || !bg) continue;
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5))
      problems.push('contrast ' + ratio.toFixed(2) + ':1 for "' + node.textContent.trim().slice(0, 40) +
        '" in ' + describe(el));
  }
  return problems;
}
"""


async def accessibility_problems(page: Page) -> list[str]:
    """What the page breaks of the audit above (an empty list when it passes)."""
    found: list[str] = await page.evaluate(_AUDIT)
    return found
