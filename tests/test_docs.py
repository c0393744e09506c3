"""docs/SECURITY.md names the test behind each claim: every file and test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`((?:corridor|tests|bench)/[^`:]+?\.py)?(?:::(test_\w+))?`")


def _references(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) for each reference; `::test` alone refers to the last file named."""
    found: list[tuple[str, str | None]] = []
    for line in text.splitlines():
        current = None
        for match in REFERENCE.finditer(line):
            path, test = match.groups()
            current = path or current
            if current is not None and (path or test):
                found.append((current, test))
    return found


def test_it_names_only_tests_that_exist_in_the_security_account() -> None:
    references = _references((ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(references) > 40  # the account is read, not skipped
    missing = [
        (path, test)
        for path, test in references
        if not (ROOT / path).exists()
        or (test is not None and f"def {test}(" not in (ROOT / path).read_text(encoding="utf-8"))
    ]
    assert not missing, f"docs/SECURITY.md names tests that do not exist: {missing}"


def test_it_catches_a_reference_to_a_missing_test() -> None:
    line = "| x | y | `tests/test_docs.py::test_it_does_not_exist`, `::test_it_catches_a_reference_to_a_missing_test` |"
    assert _references(line) == [
        ("tests/test_docs.py", "test_it_does_not_exist"),
        ("tests/test_docs.py", "test_it_catches_a_reference_to_a_missing_test"),
    ]
