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
from playwright.sync_api import Browser, BrowserContext, Page, expect
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

# The innermost elements that stick out on the right, to name in an overflow failure.
STICKING_OUT = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    if (el.getBoundingClientRect().right > window.innerWidth + 1
        && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
      let scrolled = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') { scrolled = true; break; }
      }
      if (!scrolled) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
        ' in ' + (el.parentElement ? el.parentElement.tagName.toLowerCase() : ''));
    }
  }
  return out.slice(0, 4);
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


# Answers that are not pages: a file to download (Chromium aborts the navigation), an SVG
# chart served for an <img> (its page, the charts page, is checked with it scaled to fit)
NOT_PAGES = {
    "reports:donor_export-POST",
    "reports:chart_svg-GET",
    "evidence:package_export-POST",
    "evidence:package_export_plain-POST",
}


def _open(page: Page, visit: Visit) -> bool:
    """Load the visit's page; False for a download (not a page)."""
    if visit.label in NOT_PAGES:
        return False
    try:
        if visit.data is None:
            response = page.goto(visit.path)
            # an image served for an <img> (the working copy of evidence) is not a page: its
            # page, the item's, is checked with it
            if response is not None and "html" not in response.headers.get("content-type", ""):
                return False
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
    shows_errors = page.locator(".errorlist, [aria-invalid=true]").count() > 0
    if shows_errors or page.locator(".error-summary").count():
        title, shown = page.title(), page.evaluate("document.documentElement.lang")
        if not title.startswith(ERROR_TITLE[shown]):
            findings.add(
                where, f"failed form without {ERROR_TITLE[shown]!r} in the title: {title!r}"
            )
        if page.locator(".error-summary[role=alert]").count() != 1:
            findings.add(where, "errors shown without one error summary")
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
                culprits = page.evaluate(STICKING_OUT)
                findings.add(
                    f"{where} @360", f"page is {wide[0]} px wide at {wide[1]} px: {culprits}"
                )


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


# --- the keyboard ---------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), cls: el.className, id: el.id,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def _tab(page: Page) -> dict[str, Any]:
    page.keyboard.press("Tab")
    return dict(page.evaluate(FOCUSED))


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A 360 px browser with JavaScript off: what the public pages must work with."""
    context = browser.new_context(
        locale=BROWSER_LOCALE,
        java_script_enabled=False,
        viewport={"width": 360, "height": 640},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_it_walks_the_help_form_by_keyboard_and_focuses_the_error_summary(
    org: Any, phone: Page
) -> None:
    from corridor.intake.actions import intake_desk_create
    from corridor.vault.keyring import keyring_activated

    member = org.staff("triager", "triage", ("Intake desk",))
    with keyring_activated(member.keyring):
        intake_desk_create(actor_id=member.user.pk, compartment=org.compartment("Intake desk"))
    # Given the public form on a phone, with no script
    phone.goto("/help/en/")
    # When a person tabs into the page
    first = _tab(phone)
    # Then the first stop is the skip link, and its focus is visible
    assert "skip-link" in first["cls"] and first["outline"], first
    # And it leads to the main content (the next stop is inside it, past the quick exit)
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
    inside = _tab(phone)
    assert phone.evaluate("document.activeElement.closest('main') !== null"), inside
    # When they send the form with a contact but no message
    phone.fill("[name=contact]", "Signal +7 900 000 00 00")
    phone.locator("main button[type=submit]").press("Enter")
    phone.wait_for_load_state()
    # Then the page says so in its title, focuses the summary that links to the field, keeps
    # what was typed, and ties the error to the field
    assert phone.title().startswith("Error:")
    summary = phone.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator("a[href='#id_message']")).to_have_count(1)
    expect(phone.locator("[name=contact]")).to_have_value("Signal +7 900 000 00 00")
    message = phone.locator("#id_message")
    expect(message).to_have_attribute("aria-invalid", "true")
    described = (message.get_attribute("aria-describedby") or "").split()
    assert "id_message_error" in described
    for ref in described:
        expect(phone.locator(f"#{ref}")).to_have_count(1)
    assert _tab(phone)["outline"], "the next stop after the summary shows its focus"


def test_it_walks_the_case_page_by_keyboard_and_keeps_a_failed_task_open(
    org: Any, browser: Browser, live_server: Any
) -> None:
    from corridor.cases.actions import case_create
    from corridor.vault.keyring import keyring_activated

    # Given a caseworker logged in, on the case page at 360 px
    worker = org.staff("worker", "caseworker", ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name="Keyboard Case"
        )
    context = _context(browser, live_server.url, "en")
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/accounts/login/")
    expect(page.locator("[name=username]")).to_have_attribute("autocomplete", "username")
    expect(page.locator("[name=passphrase]")).to_have_attribute("autocomplete", "current-password")
    page.fill("[name=username]", worker.user.username)
    page.fill("[name=passphrase]", worker.passphrase)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/login/code/**")
    expect(page.locator("[name=token]")).to_have_attribute("autocomplete", "one-time-code")
    page.fill("[name=token]", worker.code())
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(f"/cases/{case.pk}/")
    # When they tab into it: the skip link first, then the header, each stop visibly focused
    first = _tab(page)
    assert "skip-link" in first["cls"] and first["outline"], first
    for _stop in range(3):
        assert _tab(page)["outline"]
    # And the skip link takes them past the header
    page.keyboard.press("Shift+Tab")
    page.goto(f"/cases/{case.pk}/")
    _tab(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # When they add a task with a title but no due date
    details = page.locator("#tasks details").first
    details.locator("summary").click()
    details.locator("[name=task-title]").fill("Buy a SIM card")
    details.locator("[name=task-due_on]").fill("")
    details.locator("button[type=submit]").press("Enter")
    page.wait_for_load_state()
    # Then the summary has the focus and names the field, the form is open again with the
    # title kept, and the page is no wider than the screen
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_task-due_on']")).to_have_count(1)
    expect(page.locator("#tasks details").first).to_have_attribute("open", "")
    expect(page.locator("[name=task-title]")).to_have_value("Buy a SIM card")
    expect(page.locator("#id_task-due_on")).to_have_attribute("aria-invalid", "true")
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], wide
    context.close()
