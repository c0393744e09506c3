"""Panels other apps add to the case page (tasks, shelters, relocation, documentation).

Each module named in CASE_PANELS has `case_panel(request, case, bound) -> str`: HTML already
rendered and escaped with `render_to_string(..., request=request)`. The case page has
already fetched the case through `case_for_user`; each panel audits the reads it makes.
"""

from __future__ import annotations

import importlib

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


def case_panels_render(
    request: HttpRequest, case: Case, bound: dict[str, forms.Form] | None = None
) -> list[str]:
    """`bound`: a panel's form that failed, by name, shown again with what was typed."""
    return [
        importlib.import_module(name).case_panel(request, case, bound or {}) for name in CASE_PANELS
    ]
