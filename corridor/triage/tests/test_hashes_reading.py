"""Keyed hashes built by an older reading of names and phones (decision 0045).

Every stored hash of a name or phone is of the value as the code of its day read it. When a
release reads a value into another key, the stored hashes stop meeting the new ones: a
watch-list name, a duplicate, a likely match are missed, and nothing says so. Each
compartment records the reading it was built with; a member of one built by an older reading
is told on the home page and the desk's inbox, and rebuilds it with one button.
"""

from __future__ import annotations

import hashlib
import random

import iuliia
import pytest
from django.test import Client

from conftest import login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.crosscheck import full_keys
from corridor.cases.search import full_name_key
from corridor.linkage import READING_VERSION, names
from corridor.linkage.blocking import blocking_keys
from corridor.linkage.features import Request, features_extract, handle_normalise
from corridor.linkage.phones import phone_normalise
from corridor.triage.actions import watch_entry_add
from corridor.triage.flags import WATCH
from corridor.triage.identifiers import email_normalise, identifiers_of
from corridor.triage.models import SubmissionTerm, WatchEntry, WatchKind
from corridor.triage.terms import WATCH_NORMALISERS, name_keys, watch_digest
from corridor.vault.actions import compartment_index_rebuild, membership_revoke
from corridor.vault.fields import normalise_text
from corridor.vault.keyring import NotAMember, keyring_activated
from corridor.vault.models import Compartment

from .conftest import Desk
from .test_flags import _codes, _flags

#: The digest of every key the sample below reads into, for each reading. A change to how
#: names, phones, dates or handles are read changes it: raise READING_VERSION in
#: corridor/linkage/__init__.py and add the new digest as its own line.
READINGS = {
    1: "d399090f55f4624d0da5eb30d13efc000c812c3f75685ed21b2a83a1ac9ef7c9",
    2: "657d3382f0e171f55fb9af08134b4f95b5174b73d4fd6f4ab000986a285fd6f9",
}

_WORDS = [
    "Магомед",
    "Ахмед",
    "Хусейн",
    "Зарема",
    "Малика",
    "Седа",
    "Ислам",
    "Рамзан",
    "Абдул-Керим",
    "Ибрагим",
    "Луиза",
    "Хава",
    "Умаров",
    "Исаев",
    "Хасанова",
    "Дудаев",
    "Магомадова",
    "Абубакаров",
    "Закриев",
    "Висаитов",
    "Идрисова",
    "Басаев",
    "Русланович",
    "Ахмедовна",
    "Магомедович",
    "Исламовна",
    "Джамбулатович",
    "Умарович",
    # Turkic names and patronymics (reading 2): Azerbaijani Latin, Kazakh Cyrillic, markers.
    "Məmməd",
    "Əliyev",
    "Şamil",
    "Қайрат",
    "оглы",
    "қызы",
    # Names of a group that begin like a compound prefix (reading 2).
    "Александр",
    "Абдулла",
]
_SCHEMES = (iuliia.ICAO_DOC_9303, iuliia.MVD_310, iuliia.MVD_782, iuliia.ALA_LC, iuliia.GOST_7034)
_QWERTY = str.maketrans("йцукенгшщзхъфывапролджэячсмитьбю", "qwertyuiop[]asdfghjkl;'zxcvbnm,.")


def _sample_names(count: int = 400) -> list[str]:
    """Names as requests write them: both scripts, five transliterations, any order and
    case, the wrong keyboard layout, words run together, a space typed a letter early."""
    rng = random.Random(2017)
    found = []
    for _ in range(count):
        words = rng.sample(_WORDS, rng.choice((1, 2, 3)))
        roll = rng.random()
        if roll < 0.35:
            words = [str(rng.choice(_SCHEMES).translate(word)) for word in words]
        elif roll < 0.45:
            words = [word.lower().translate(_QWERTY) for word in words]
        text = " ".join(words)
        roll = rng.random()
        if roll < 0.15:
            text = text.lower()
        elif roll < 0.25:
            text = text.upper()
        elif roll < 0.35 and " " in text:
            i = text.index(" ")
            text = text[: i - 1] + " " + text[i - 1] + text[i + 1 :]
        elif roll < 0.4:
            text = text.replace(" ", "")
        found.append(text)
    return found


_PHONES = (
    "8 (928) 123-45-67", "+7 928 1234567", "89281234567", "928-123-45-67", "+49 30 1234567",
    "0049 30 1234567", "+995 599 123456", "+90 532 123 45 67", "8 800 555 35 35", "12345",
)  # fmt: skip
_DATES = ("27.10.1979", "27.10.79", "10/27/1979", "1979-10-27", "27 октября 1979", "1979", "")
_EMAILS = ("Ruslan.95@Mail.ru", " RUSLAN@gmail.com ", "ruslan+help@proton.me", "ｒｕｓｌａｎ@ya.ru")
_TEXTS = ("звоните +7 928 1234567 вечером или @Ruslan_95", "пишите на Ruslan.95@Mail.ru")


def _readings() -> str:
    lines = []
    for i, name in enumerate(_sample_names()):
        parsed = names.name_parse(name)
        phone, date = _PHONES[i % len(_PHONES)], _DATES[i % len(_DATES)]
        features = features_extract(Request(str(i), name, phone, date, ("@Ruslan_95",)))
        lines.append(
            repr(
                (
                    parsed.tokens,
                    parsed.patronymic,
                    name_keys(name),
                    name_keys(name, min_words=1),
                    full_name_key(name),
                    full_keys(name),
                    WATCH_NORMALISERS[WatchKind.NAME](name),
                    sorted(blocking_keys(features)),
                )
            )
        )
    lines += [repr((phone, phone_normalise(phone))) for phone in _PHONES]
    lines += [repr(identifiers_of({"name": "", "contact": text})) for text in _TEXTS]
    lines += [handle_normalise("@Ruslan_95"), handle_normalise("Ｒｕｓｌａｎ ９５")]
    lines += [email_normalise(email) for email in _EMAILS]
    # The vault's own reading of text fields (a case's name as typed, decision 0011).
    lines += [normalise_text(name) for name in _sample_names()[:100]]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_a_change_to_the_reading_raises_its_version() -> None:
    digest = _readings()
    assert max(READINGS) == READING_VERSION, "add the new reading's digest to READINGS"
    assert digest == READINGS[READING_VERSION], (
        f"The reading of names, phones, dates or handles changed (digest {digest}): stored "
        "hashes no longer meet the new ones. Raise READING_VERSION in "
        "corridor/linkage/__init__.py and add the digest to READINGS (decision 0045)."
    )


def _older_reading_digest(monkeypatch: pytest.MonkeyPatch, value: str) -> bytes:
    """The watch-list digest an older reading stored for `value`: one that read two words
    typed without a space (ИбрагимПровокатор) as one word, as Corridor did before it split
    them at their capitals."""
    with monkeypatch.context() as patched:
        patched.setattr(names, "_camel_split", lambda word: [word])
        names.name_parse.cache_clear()
        names.name_parse_as_typed.cache_clear()
        digest = watch_digest("name", value)
    names.name_parse.cache_clear()
    names.name_parse_as_typed.cache_clear()
    assert digest is not None
    return digest


def test_it_asks_to_rebuild_hashes_an_older_reading_built_and_finds_the_watch_entry_again(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a name on the watch list, typed without its space, as a database built by an
    # older reading stored it: the compartment records no reading
    typed = "ИбрагимПровокатор"
    with keyring_activated(desk.first.keyring):
        entry = watch_entry_add(actor_id=desk.first.user.pk, kind="name", value=typed)
        WatchEntry.objects.filter(pk=entry.pk).update(
            digest=_older_reading_digest(monkeypatch, typed)
        )
    compartment = desk.desk.compartment
    Compartment.objects.filter(pk=compartment.pk).update(hashes_reading=0)
    # And a request from that name, written right
    request = desk.submit(name="Провокатор Ибрагим")
    # Then the stale hash misses it
    assert WATCH not in _codes(_flags(desk, request))
    # And a desk member is told, on the home page and in the inbox, with a button
    client = login(Client(), desk.first)
    rebuild = f"/accounts/compartments/{compartment.pk}/rebuild-hashes/"
    for page in ("/", "/triage/"):
        shown = client.get(page).content.decode()
        assert "need rebuilding" in shown and f'action="{rebuild}"' in shown
    # And someone outside the compartment cannot rebuild it
    outsider = login(Client(), desk.outsider)
    assert outsider.post(rebuild).status_code == 404
    assert Compartment.objects.get(pk=compartment.pk).hashes_reading == 0
    # When the member rebuilds
    response = client.post(rebuild, {"next": "/triage/"})
    assert response.status_code == 302 and response["Location"] == "/triage/"
    # Then the entry is found again, the notice is gone, and the rebuild is audited
    assert WATCH in _codes(_flags(desk, request))
    assert Compartment.objects.get(pk=compartment.pk).hashes_reading == READING_VERSION
    assert "need rebuilding" not in client.get("/triage/").content.decode()
    rebuilt = AuditEntry.objects.filter(
        action="vault.index_rebuild", object_id=str(compartment.pk), actor_id=desk.first.user.pk
    )
    assert rebuilt.count() == 1
    # And pressing it again rebuilds nothing: a member cannot rerun it at will
    again = client.post(rebuild, follow=True).content.decode()
    assert "up to date" in again and rebuilt.count() == 1


def test_a_compartment_created_now_needs_no_rebuild(desk: Desk) -> None:
    assert not desk.desk.compartment.hashes_outdated
    assert "need rebuilding" not in login(Client(), desk.first).get("/").content.decode()


def test_a_rebuild_read_before_a_rekey_writes_nothing_under_the_retired_key(desk: Desk) -> None:
    # Given the desk compartment as a member's rebuild read it, and indexed requests
    leaver = desk.org.staff("leaver", Role.TRIAGE, ("Desk",))
    read_before = Compartment.objects.get(pk=desk.desk.compartment_id)
    _flags(desk, desk.submit(name="Ислам Дадаев", contact="+7 928 111-11-11"))
    # And a re-key (someone leaves the desk) that lands before the rebuild writes
    membership_revoke(
        keyring=desk.first.keyring,
        actor_id=desk.first.user.pk,
        compartment=Compartment.objects.get(pk=desk.desk.compartment_id),
        user_id=leaver.user.pk,
    )
    stored = sorted(bytes(d) for d in SubmissionTerm.objects.values_list("digest", flat=True))
    assert stored
    # When the rebuild goes on with the key version it read
    with pytest.raises(NotAMember):
        compartment_index_rebuild(
            keyring=desk.first.keyring, compartment=read_before, actor_id=desk.first.user.pk
        )
    # Then it wrote nothing: the hashes are the re-key's, under the new index key
    assert sorted(bytes(d) for d in SubmissionTerm.objects.values_list("digest", flat=True)) == (
        stored
    )
