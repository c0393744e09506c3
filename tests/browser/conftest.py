"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Playwright's own browser downloads are never used: the tests launch `/usr/bin/chromium`
(`make browser-deps` installs it) with a throwaway profile and every background service that
could phone home switched off. Each test gets a fresh browser context (no cookies shared
between tests) that records the address of every request its pages make, so a test can prove
that nothing left the live server's origin (T8).

Set CORRIDOR_BROWSER_SCREENSHOTS=/some/dir to keep screenshots of key pages for a look by eye.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A language Corridor does not offer: the browser expresses no usable preference, so the
# server's own default decides.
BROWSER_LOCALE = "de-DE"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop registered on the test thread for as
        # long as it runs, and Django then refuses every ORM call from that thread
        # (SynchronousOnlyOperation), fixtures and database flushes included. These tests
        # are synchronous; the loop only carries Playwright's own messages. Allowed for
        # this package only, and only while Playwright runs.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()


@dataclass
class Browsing:
    """One browser context on the live server, with every request it made."""

    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base_url + "/")]

    def screenshot(self, name: str) -> None:
        folder = os.environ.get("CORRIDOR_BROWSER_SCREENSHOTS")
        if folder:
            self.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def browsing(browser: Browser, live_server: Any) -> Iterator[Browsing]:
    context = browser.new_context(locale=BROWSER_LOCALE)
    context.set_default_timeout(10_000)
    session = Browsing(page=context.new_page(), base_url=live_server.url)
    context.on("request", lambda request: session.requests.append(request.url))
    yield session
    context.close()
