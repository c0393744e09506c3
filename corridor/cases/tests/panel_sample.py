"""A panel module for the panel tests (not a test module)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.html import format_html

from corridor.cases.models import Case

SECTION = ("sample", "Sample section")


def case_summary(request: HttpRequest, case: Case) -> list[tuple[str, str]]:
    return [("Sample fact", f"stage {case.stage}")]


def case_panel(request: HttpRequest, case: Case, bound: object = None) -> str:
    return format_html('<section class="card" data-testid="sample-panel">{}</section>', case.stage)
