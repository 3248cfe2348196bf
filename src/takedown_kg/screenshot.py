"""A PNG of the HTML page, taken by headless Chromium (Debian's package) through Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import InputError, UsageError

#: Flags that let Debian's Chromium run headless as root with no network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def take(page_file: Path, target: Path, *, width: int = 1500, height: int = 900, search: str | None = None) -> bytes:
    """Open `page_file`, wait until the layout has settled, optionally search, and return the PNG."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UsageError("a screenshot needs Playwright: pip install 'takedown-kg[test]'") from None
    executable = chromium_path()
    if executable is None:
        raise UsageError("a screenshot needs Chromium: apt-get install chromium fonts-noto-core")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_file.resolve().as_uri())
            page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=120_000)
            if search:
                page.fill("#search", search)
                page.press("#search", "Enter")
            return page.screenshot(type="png")
        except Exception as error:  # Playwright's own errors: report one line
            raise InputError(f"{target}: the screenshot failed: {str(error).splitlines()[0]}") from None
        finally:
            browser.close()
