"""Panels other apps add to the case page (tasks, shelters, relocation, documentation).

Each module named in CASE_PANELS has:
- `SECTION = (anchor, title)`: the panel's id on the page and its name in the page's list of
  sections;
- `case_panel(request, case, bound) -> str`: HTML already rendered and escaped with
  `render_to_string(..., request=request)`, or "" when this user sees nothing of it. The case
  page has already fetched the case through `case_for_user`; each panel audits the reads it
  makes;
- optionally `case_summary(request, case) -> list[tuple[str, str]]`: facts for the summary at
  the top of the page (label, text), from operational columns only, so they cost no key and
  no audit entry (issue 13: who, where, stage, risks, next check-in, open tasks on one screen).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest

from corridor.cases.models import Case

CASE_PANELS = [
    "corridor.tasks.panels",
    "corridor.shelters.panels",
    "corridor.relocation.panels",
    "corridor.documentation.panels",
    "corridor.reports.panels",  # who read or changed the case: coordinators only
]


@dataclass(frozen=True)
class Panel:
    anchor: str
    title: str
    html: str

    def __str__(self) -> str:
        return self.html


def case_panels_render(
    request: HttpRequest, case: Case, bound: dict[str, forms.Form] | None = None
) -> list[Panel]:
    """The panels this user sees. `bound`: a panel's form that failed, by name, shown again
    with what was typed."""
    panels = []
    for name in CASE_PANELS:
        module = importlib.import_module(name)
        html = module.case_panel(request, case, bound or {})
        if html:
            anchor, title = module.SECTION
            panels.append(Panel(anchor, str(title), html))
    return panels


def case_summary_facts(request: HttpRequest, case: Case) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    for name in CASE_PANELS:
        summary = getattr(importlib.import_module(name), "case_summary", None)
        if summary is not None:
            facts.extend(summary(request, case))
    return facts
