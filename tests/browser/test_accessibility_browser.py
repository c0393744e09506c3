"""Accessibility of every page: axe-core at WCAG 2.0/2.1 A and AA, no sideways scrolling at
360 px, and the keyboard path through the public form and the case page (issue 16, decision
0027).

The pages come from the role matrix (`tests/test_role_matrix.py`): every view a member of
each role reaches with a GET that answers 200, and every POST the matrix expects to be
shown again with its errors (the form's error state), so a new view is checked as soon as
it has its matrix rows. One test per role walks them in Russian and in English, each at 360
and 1366 px, in one logged-in browser context (the matrix world's own sessions), and
collects every violation into one failure message. axe-core comes from the installed
`axe-playwright-python` (vendored `axe.min.js`), never fetched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from test_role_matrix import MATRIX, PUBLIC, _world_build

from matrix_support import ROLES, World

from .conftest import BROWSER_LOCALE

pytestmark = pytest.mark.browser

LANGUAGES = ("ru", "en")
WIDTHS = (360, 1366)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
AXE_SCRIPT = Axe().axe_script
ERROR_TITLE = {"ru": "Ошибка:", "en": "Error:"}

# Every aria-describedby/-labelledby token must name an element of the page.
DANGLING_REFERENCES = """() => {
  const missing = [];
  for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
    for (const attr of ['aria-describedby', 'aria-labelledby']) {
      for (const id of (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) missing.push(`${el.tagName.toLowerCase()}[${attr}=${id}]`);
      }
    }
  }
  return missing;
}"""

# Post `data` to `path` as the page's own form would (with its CSRF token, if it has one).
POST_FORM = """([path, data]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = path;
  const token = document.querySelector('input[name=csrfmiddlewaretoken]');
  const fields = Object.entries(data);
  if (token) fields.push(['csrfmiddlewaretoken', token.value]);
  for (const [name, value] of fields) {
    for (const one of Array.isArray(value) ? value : [value]) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = String(one);
      form.appendChild(input);
    }
  }
  document.body.appendChild(form);
  form.submit();
}"""


@dataclass(frozen=True)
class Visit:
    """One page to check: a GET, or a POST that shows the form again with its errors."""

    label: str
    path: str
    data: dict[str, Any] | None = None  # None: a GET; else posted from `start`
    start: str = ""

    @property
    def failed_form(self) -> bool:
        return self.data is not None


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    pages: int = 0  # page x language x width combinations checked

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")


def _staff_visits(world: World, role: str) -> list[Visit]:
    visits: list[Visit] = []
    gets = {row.path(world) for row in MATRIX if row.method == "GET" and role in row.roles}
    for row in MATRIX:
        if role not in row.roles or row.status != 200:
            continue
        path = row.path(world)
        if row.method == "GET":
            data = row.data(world)
            visits.append(Visit(row.id, path + (f"?{urlencode(data, doseq=True)}" if data else "")))
        else:
            start = path if path in gets else reverse("core:home")
            visits.append(Visit(row.id, path, data=row.data(world), start=start))
    return visits


def _public_visits() -> list[Visit]:
    visits = []
    for row in PUBLIC:
        path = reverse(row.name, kwargs=row.kwargs)
        if row.status == 200:
            data = row.data if row.method == "POST" else None
            visits.append(Visit(row.id, path, data=data, start=path))
    return visits


def _axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(f"axe.run(document, {json.dumps(AXE_OPTIONS)})")
    return list(result["violations"])


def _open(page: Page, visit: Visit) -> bool:
    """Load the visit's page; False for a download (not a page)."""
    try:
        if visit.data is None:
            page.goto(visit.path)
        else:
            page.goto(visit.start)
            with page.expect_navigation():
                page.evaluate(POST_FORM, [visit.path, visit.data])
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return False
        raise
    return True


def _check(page: Page, visit: Visit, language: str, findings: Findings) -> None:
    if not _open(page, visit):
        return
    where = f"{visit.label} [{language}] {page.url}"
    if visit.failed_form:
        title, shown = page.title(), page.evaluate("document.documentElement.lang")
        if not title.startswith(ERROR_TITLE[shown]):
            findings.add(
                where, f"failed form without {ERROR_TITLE[shown]!r} in the title: {title!r}"
            )
        if page.locator(".error-summary[role=alert]").count() != 1:
            findings.add(where, "failed form without one error summary")
    for dangling in page.evaluate(DANGLING_REFERENCES):
        findings.add(where, f"reference to a missing id: {dangling}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        findings.pages += 1
        for violation in _axe(page):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            findings.add(
                f"{where} @{width}",
                f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}",
            )
        if width == 360:
            wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if wide[0] > wide[1]:
                findings.add(f"{where} @360", f"page is {wide[0]} px wide at {wide[1]} px")


def _context(browser: Browser, base_url: str, language: str) -> BrowserContext:
    context = browser.new_context(locale=BROWSER_LOCALE, base_url=base_url)
    context.set_default_timeout(20_000)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    )
    return context


def _report(findings: Findings) -> str:
    return f"{len(findings.problems)} problems on {findings.pages} checks:\n" + "\n".join(
        findings.problems
    )


@pytest.fixture
def matrix_world(live_server: Any, settings: Any) -> Iterator[World]:
    """The role matrix's world, committed for the live server (flushed after the test)."""
    from corridor.vault import actions as vault_actions

    settings.CORRIDOR_AUDIT_SIGNING_KEY = "ab" * 32
    cheap = override_settings(
        CORRIDOR_KDF_OPSLIMIT=1,
        CORRIDOR_KDF_MEMLIMIT=8192,
        PASSWORD_HASHERS=["corridor.accounts.tests.hashers.CheapArgon2PasswordHasher"],
    )
    with cheap, pytest.MonkeyPatch.context() as patch:
        patch.setattr(vault_actions, "RECOVERY_KDF_OPSLIMIT", 1)
        patch.setattr(vault_actions, "RECOVERY_KDF_MEMLIMIT", 8192)
        yield _world_build()


@pytest.mark.parametrize("role", ROLES)
def test_it_passes_axe_on_every_page_a_role_reaches(
    browser: Browser, live_server: Any, matrix_world: World, role: str
) -> None:
    # Given a verified member of `role` (the matrix world's own session), in each language
    findings = Findings()
    visits = _staff_visits(matrix_world, role)
    for language in LANGUAGES:
        context = _context(browser, live_server.url, language)
        cookies = matrix_world.cookies[(role, True)]
        context.add_cookies(
            [
                {"name": name, "value": morsel.value, "url": live_server.url}
                for name, morsel in cookies.items()
                if name != settings.LANGUAGE_COOKIE_NAME
            ]
        )
        page = context.new_page()
        # When each page the matrix lets them reach, and each form's error state, is shown
        for visit in visits:
            _check(page, visit, language, findings)
        context.close()
    # Then axe finds no WCAG 2.0/2.1 A or AA violation, and no page scrolls sideways at 360 px
    assert findings.pages >= len(visits) * 2
    assert not findings.problems, _report(findings)


def test_it_passes_axe_on_every_public_page(
    browser: Browser, live_server: Any, matrix_world: World
) -> None:
    # Given a browser with no session, and one that typed its passphrase but not its code
    findings = Findings()
    for language in LANGUAGES:
        context = _context(browser, live_server.url, language)
        page = context.new_page()
        for visit in _public_visits():
            _check(page, visit, language, findings)
        context.close()
        half = _context(browser, live_server.url, language)
        half.add_cookies(
            [
                {"name": name, "value": morsel.value, "url": live_server.url}
                for name, morsel in matrix_world.unverified.items()
                if name != settings.LANGUAGE_COOKIE_NAME
            ]
        )
        page = half.new_page()
        code = reverse("accounts:login_otp")
        for visit in (Visit("login_otp-GET", code), Visit("login_otp-POST", code, {}, code)):
            _check(page, visit, language, findings)
        half.close()
    # Then axe finds nothing, and no page scrolls sideways at 360 px
    assert not findings.problems, _report(findings)
