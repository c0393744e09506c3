"""Every screen is in Russian and English, Russian by default.

The Russian catalogue must be complete: no untranslated or fuzzy entry, and no translatable
string in the source that is missing from it. The completeness check runs `makemessages` on a
temporary copy of the source tree, so adding a string without translating it fails here.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "corridor"
PO = SOURCE / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

RUSSIAN_PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
# The files `makemessages` reads for the django domain (its default extensions).
SCANNED = (".py", ".html", ".txt")

Key = tuple[str, str, str]  # (msgctxt, msgid, msgid_plural)


def _unquote(chunk: str) -> str:
    """The value of a run of "..." lines, with C escapes undone."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def parse_po(text: str) -> dict[Key, dict[str, Any]]:
    """The live (not obsolete) entries of a .po file: key -> msgstr forms and flags.

    Enough of the PO format for what makemessages writes: keywords at the start of a line,
    continuation lines in quotes, obsolete entries prefixed with "#~".
    """
    entries: dict[Key, dict[str, Any]] = {}
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#~") for line in lines):
            continue
        flags = {
            flag.strip() for line in lines if line.startswith("#,") for flag in line[2:].split(",")
        }
        fields: dict[str, str] = {}
        keyword = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(.*)$", line)
            if match:
                keyword = match.group(1)
                fields[keyword] = match.group(2)
            elif keyword is not None:
                fields[keyword] += "\n" + line
        values = {k: _unquote(v) for k, v in fields.items()}
        key = (values.get("msgctxt", ""), values["msgid"], values.get("msgid_plural", ""))
        msgstrs = [v for k, v in sorted(values.items()) if k.startswith("msgstr")]
        entries[key] = {"msgstr": msgstrs, "flags": flags}
    return entries


def _catalogue() -> dict[Key, dict[str, Any]]:
    assert PO.exists(), f"{PO} is missing: run makemessages -l ru from corridor/"
    return parse_po(PO.read_text(encoding="utf-8"))


def test_catalogue_compiles_cleanly_with_every_entry_translated() -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip()
    assert re.fullmatch(r"\d+ translated messages?\.", stats), (
        f"untranslated or fuzzy entries in {PO.name}: {stats}"
    )


def test_catalogue_header_is_russian_with_three_plural_forms() -> None:
    header = _catalogue()[("", "", "")]
    text = header["msgstr"][0]
    assert "Language: ru\n" in text
    assert f"Plural-Forms: {RUSSIAN_PLURAL_FORMS}\n" in text
    assert "charset=UTF-8" in text
    assert "fuzzy" not in header["flags"]


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|\{\w*\}")
    problems = []
    for (_, msgid, plural), entry in _catalogue().items():
        if not msgid:
            continue
        wanted = sorted(set(placeholder.findall(msgid)) | set(placeholder.findall(plural)))
        forms = entry["msgstr"]
        if plural:
            assert len(forms) == 3, f"{msgid!r} needs 3 Russian plural forms"
        for form in forms:
            if not form.strip():
                problems.append(f"{msgid!r}: empty translation")
            elif sorted(set(placeholder.findall(form))) != wanted:
                problems.append(f"{msgid!r}: {form!r} does not keep {wanted}")
    assert not problems, "\n".join(problems)


def _copy_sources(dst: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        """Keep folders, the files makemessages scans, and the committed catalogue."""
        hidden = {name for name in names if name == "__pycache__" or name.startswith(".")}
        unscanned = {
            name
            for name in names
            if not (Path(folder) / name).is_dir()
            and not name.endswith(SCANNED)
            and Path(folder) / name != PO
        }
        return hidden | unscanned

    shutil.copytree(SOURCE, dst, ignore=ignore)


def test_catalogue_has_every_translatable_string_in_the_source(tmp_path: Path) -> None:
    """Re-run makemessages on a copy of corridor/ and compare the msgids with the catalogue."""
    copy = tmp_path / "src" / "corridor"
    _copy_sources(copy)
    # makemessages writes to LOCALE_PATHS[0]; point it at the copy so the real catalogue is
    # never touched, keeping every other setting (and so the same extraction) as the project's.
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "i18n_check_settings.py").write_text(
        "from corridor.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(copy / 'locale')!r}]\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "ru",
            "--no-location",
            "--settings=i18n_check_settings",
            f"--pythonpath={conf}",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    committed = set(_catalogue())
    extracted = set(parse_po((copy / PO.relative_to(SOURCE)).read_text(encoding="utf-8")))
    new = sorted(extracted - committed)
    stale = sorted(committed - extracted)
    assert not new, (
        "Strings in the source missing from the Russian catalogue; run "
        "`cd corridor && ../.venv/bin/python ../manage.py makemessages -l ru --no-location` "
        "and translate them:\n" + "\n".join(repr(key[1]) for key in new)
    )
    assert not stale, "Catalogue entries no longer in the source (re-run makemessages):\n" + (
        "\n".join(repr(key[1]) for key in stale)
    )


@pytest.fixture
def compiled_catalogue() -> None:
    """The .mo Django loads is compiled from the current .po (`make messages` does this)."""
    hint = f"{MO} is missing or stale: run `make messages` (compilemessages) before the tests"
    assert MO.exists(), hint
    with MO.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    for (context, msgid, plural), entry in _catalogue().items():
        if not msgid:
            continue
        if plural:
            # 1, 2 and 5 select the three Russian forms through the compiled Plural-Forms.
            got = [
                compiled.npgettext(context, msgid, plural, n)
                if context
                else compiled.ngettext(msgid, plural, n)
                for n in (1, 2, 5)
            ]
        else:
            got = [compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)]
        assert got == entry["msgstr"], f"{msgid!r}: {hint}"


@pytest.mark.django_db
def test_login_page_is_russian_by_default_and_english_on_request(
    compiled_catalogue: None,
) -> None:
    assert settings.LANGUAGE_CODE == "ru"
    client = Client()

    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="ru">' in body
    assert "<h1>Войти</h1>" in body
    assert "Парольная фраза" in body
    assert "Log in" not in body

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body
    assert "<h1>Log in</h1>" in body
    assert "Passphrase" in body
    assert "Войти" not in body

    client.post("/i18n/setlang/", {"language": "ru", "next": "/accounts/login/"})
    assert "<h1>Войти</h1>" in client.get("/accounts/login/").content.decode()
