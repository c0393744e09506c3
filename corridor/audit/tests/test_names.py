"""Every audit action code written anywhere in the code has a name in English and Russian
(decision 0037); the log page shows the names beside the codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps
from django.utils import translation

from corridor.audit.names import ACTION_NAMES, action_name, action_name_or_none
from corridor.evidence.models import CustodyAction
from corridor.shelters.models import Decision

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"[a-z_]+\.[a-z_]+")


def _written_codes() -> dict[str, str]:
    """code -> file of every string handed to an audit call: an `action=` or `audit_action=`
    argument (each branch of a conditional), or any argument of a function named *audit*."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            values: list[ast.AST] = []
            if isinstance(node, ast.keyword) and node.arg in ("action", "audit_action"):
                values = [node.value]
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if "audit" in name.lower():
                    values = list(node.args)
            for value in values:
                for leaf in ast.walk(value):
                    if (
                        isinstance(leaf, ast.Constant)
                        and isinstance(leaf.value, str)
                        and CODE.fullmatch(leaf.value)
                    ):
                        found.setdefault(leaf.value, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_codes_it_should() -> None:
    codes = _written_codes()
    assert len(codes) > 100
    assert {"case.create", "doc_event.create", "duty.clear", "user.age_recipient"} <= set(codes)


def test_every_code_written_in_the_source_has_a_name() -> None:
    unnamed = {c: f for c, f in _written_codes().items() if action_name_or_none(c) is None}
    assert not unnamed, f"give these audit actions a name in corridor/audit/names.py: {unnamed}"


def test_the_codes_built_at_run_time_have_names() -> None:
    built = [f"evidence_item.{a}" for a in CustodyAction.values]
    built += [f"placement_request.{d}" for d in Decision.values if d != Decision.PENDING]
    for model in apps.get_models():  # f"{object_type}.read" / ".list" of the audited records
        for object_type, _field in getattr(model, "AUDIT_AS", ()) or ():
            if "." not in object_type:
                built += [f"{object_type}.read", f"{object_type}.list"]
    assert [c for c in built if action_name_or_none(c) is None] == []


def test_every_name_is_translated_to_russian() -> None:
    with translation.override("en"):
        english = {c: action_name(c) for c in _written_codes()}
    with translation.override("ru"):
        russian = {c: action_name(c) for c in _written_codes()}
    same = [c for c in english if english[c] == russian[c]]
    assert not same, same
    assert russian["doc_event.create"] == "Создание: задокументированное событие"


def test_an_unknown_code_is_shown_as_itself() -> None:
    assert action_name("something.new") == "something.new"
    assert "case.read" in ACTION_NAMES
