"""Codenames: the requester's only way back to their thread (T7).

A codename is seven words drawn at random from a list of 7,776 (Russian or English; the two
lists have the same size and a word's position is what counts, so the same codename can be
typed in either language). Only positions whose words are safe in *both* languages are drawn:
a codename may be read on a phone searched at a checkpoint, so words about death, illness,
sex, drugs, violence, politics or religion are screened out (`wordlists/excluded-*.txt`,
decision 0031). Every position still *reads*, so codenames given out before the screening keep
working. `entropy_bits()` states what is drawn (about 88 bits): nobody guesses it, online or
offline, whatever the hash costs (docs/decisions/0009-intake.md).

The server never stores the codename. From its normalised form (the word positions) it
derives, with Argon2id under a salt taken from the pepper, 64 bytes: the first half, keyed
with the pepper, is the stored lookup hash; the second half seeds an X25519 key pair whose
public half is stored, so replies are sealed to the requester and open only while the
requester types the codename on the status page.
"""

from __future__ import annotations

import functools
import math
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

from corridor.vault import crypto

WORDS = 7
LANGUAGES = ("ru", "en")
WORDLIST_DIR = Path(__file__).resolve().parent / "wordlists"
# Argon2id cost of one codename derivation. Fixed, not a setting: changing it (or the pepper)
# orphans every codename already given out. Chosen so the public form keeps its load aim;
# the entropy, not this cost, is what protects the hash (decision 0009).
KDF_OPSLIMIT = 1
KDF_MEMLIMIT = 2 * 1024 * 1024
SCHEME = b"corridor|intake-codename|v1"
DEMO_PEPPER = "corridor-demo-intake-pepper-not-secret"


class CodenameInvalid(ValidationError):
    """What was typed is not a codename at all (wrong length, a word not in the lists)."""


@functools.cache
def wordlist(language: str) -> tuple[str, ...]:
    """The vendored list of `language` (see wordlists/README.md for sources and licences)."""
    if language not in LANGUAGES:
        raise ValueError(f"no codename word list for {language!r}")
    text = (WORDLIST_DIR / f"{language}.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def word_normalise(word: str) -> str:
    """Case, ё/е, compatibility forms and dash variants do not matter when a word is typed."""
    folded = unicodedata.normalize("NFKC", word).casefold().replace("ё", "е")
    return folded.replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")


@functools.cache
def _positions() -> dict[str, int]:
    positions: dict[str, int] = {}
    aliases: dict[str, int] = {}
    for language in LANGUAGES:
        for position, word in enumerate(wordlist(language)):
            key = word_normalise(word)
            if positions.setdefault(key, position) != position:
                raise ImproperlyConfigured(f"codename word {word!r} is ambiguous")
            if "-" in key:  # "t-shirt" may be typed "tshirt", unless that is a word too
                aliases[key.replace("-", "")] = position
    for alias, position in aliases.items():
        positions.setdefault(alias, position)
    return positions


def list_size() -> int:
    """Words every position may take: the smaller list (both have 7,776)."""
    return min(len(wordlist(language)) for language in LANGUAGES)


@functools.cache
def excluded(language: str) -> dict[str, str]:
    """The words of `language`'s list a codename must never show, with their topic.

    Raises ImproperlyConfigured if the file names a word that is not in the list (a typo
    would leave the real word drawable).
    """
    if language not in LANGUAGES:
        raise ValueError(f"no codename word list for {language!r}")
    text = (WORDLIST_DIR / f"excluded-{language}.txt").read_text(encoding="utf-8")
    known = set(wordlist(language))
    topics: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _sep, topic = line.partition("\t")
        if word not in known:
            raise ImproperlyConfigured(f"excluded-{language}.txt: {word!r} is not in the list")
        topics[word] = topic.strip()
    return topics


@functools.cache
def drawable_positions() -> tuple[int, ...]:
    """Positions whose word is safe in every language (a codename is shown in two)."""
    return tuple(
        position
        for position in range(list_size())
        if not any(wordlist(language)[position] in excluded(language) for language in LANGUAGES)
    )


def entropy_bits() -> float:
    """Bits of a generated codename: seven independent, uniform draws of a safe position."""
    return WORDS * math.log2(len(drawable_positions()))


def codename_generate(language: str) -> str:
    words = wordlist(language)
    drawable = drawable_positions()
    return " ".join(words[drawable[secrets.randbelow(len(drawable))]] for _ in range(WORDS))


def codename_positions(text: str) -> tuple[int, ...]:
    """The word positions of a typed codename, in either language or a mix of both.

    Raises CodenameInvalid with a message for the requester if it cannot be a codename.
    """
    separators = str.maketrans(dict.fromkeys(",.;:/|\u00a0\t\r\n", " "))
    tokens = [t for t in unicodedata.normalize("NFKC", text).translate(separators).split() if t]
    if len(tokens) != WORDS:
        raise CodenameInvalid(
            _("A codename has %(count)d words; this has %(typed)d."),
            params={"count": WORDS, "typed": len(tokens)},
            code="codename_length",
        )
    positions = _positions()
    found: list[int] = []
    for token in tokens:
        position = positions.get(word_normalise(token))
        if position is None or position >= list_size():
            raise CodenameInvalid(
                _("The word “%(word)s” is not in the codename lists: check its spelling."),
                params={"word": token[:40]},
                code="codename_word",
            )
        found.append(position)
    return tuple(found)


def codename_in(positions: tuple[int, ...], language: str) -> str:
    """The same codename written with `language`'s words."""
    words = wordlist(language)
    return " ".join(words[p] for p in positions)


def pepper() -> bytes:
    """The 32-byte key derived from CORRIDOR_INTAKE_PEPPER (a fixed demo value outside production)."""
    value = settings.CORRIDOR_INTAKE_PEPPER
    if not value:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                "CORRIDOR_INTAKE_PEPPER (or _FILE) must be set in production."
            )
        value = DEMO_PEPPER
    return crypto.digest(SCHEME + b"|pepper|" + value.encode("utf-8"))


@dataclass(frozen=True)
class CodenameKeys:
    lookup_hash: bytes  # stored in Submission.codename_hash
    reply_public_key: bytes  # stored in Submission.reply_public_key
    reply_private_key: bytes  # never stored: opens replies while the codename is typed


def codename_keys(positions: tuple[int, ...]) -> CodenameKeys:
    """Derive the lookup hash and reply key pair of a codename (one Argon2id run).

    The salt is fixed per organisation (derived from the pepper), because the hash must be
    found again from the codename alone; a per-row salt would need the row first.
    """
    key = pepper()
    canonical = SCHEME + b"|" + ".".join(str(p) for p in positions).encode("ascii")
    salt = crypto.keyed_hash(key, SCHEME + b"|salt", crypto.SALT_BYTES)
    derived = crypto.argon2id_derive(
        canonical, salt, size=64, opslimit=KDF_OPSLIMIT, memlimit=KDF_MEMLIMIT
    )
    lookup = crypto.keyed_hash(key, SCHEME + b"|lookup|" + derived[:32], 32)
    public, private = crypto.keypair_from_seed(derived[32:])
    return CodenameKeys(lookup_hash=lookup, reply_public_key=public, reply_private_key=private)
