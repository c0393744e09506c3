"""Repair of text typed in the wrong script or on the wrong keyboard layout.

People on the web form switch keyboards mid-word, paste from messengers that mix Latin and
Cyrillic look-alikes, or type their Russian name with the English layout still active
("Vfujvtl" for "Магомед"). Both make the same person look like a stranger, so they are undone
before any comparison.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from corridor.linkage.name_corpus import CYRILLIC_NAME_CORPUS
from corridor.linkage.translit import SUPPORTED_SCHEMES

_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,."
_JCUKEN = "ёйцукенгшщзхъфывапролджэячсмитьбю"
_QWERTY_TO_JCUKEN = str.maketrans(_QWERTY, _JCUKEN)
_JCUKEN_TO_QWERTY = str.maketrans(_JCUKEN, _QWERTY)

# Letters that look alike in both scripts, keyed by the script they are moved into.
_LATIN_LOOKALIKES = "AaBCcEeHKkMOoPpTXxYy"
_CYRILLIC_LOOKALIKES = "АаВСсЕеНКкМОоРрТХхУу"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)

#: Names shorter than this are never retyped: two letters read well in any layout.
LAYOUT_MIN_LETTERS = 4

#: How much more likely, in nats per character, the other layout's reading must be before a
#: token is retyped. Chosen so that no name of the training corpus is ever retyped.
LAYOUT_MARGIN = 1.0


def letter_script(ch: str) -> str:
    """'cyrillic', 'latin' or '' for a character."""
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if ch.isascii() and ch.isalpha():
        return "latin"
    if ch.isalpha():
        name = unicodedata.name(ch, "")
        return "latin" if name.startswith("LATIN") else ""
    return ""


@lru_cache(maxsize=200_000)
def mixed_script_repair(token: str) -> str:
    """Move look-alike letters of a mixed Latin/Cyrillic token into its majority script."""
    if token.isascii():
        return token
    counts = Counter(letter_script(ch) for ch in token)
    if not counts["cyrillic"] or not counts["latin"]:
        return token
    if counts["cyrillic"] >= counts["latin"]:
        return token.translate(_TO_CYRILLIC)
    return token.translate(_TO_LATIN)


class BigramModel:
    """Letter-bigram log-likelihood of words in one script, trained on a name corpus."""

    def __init__(self, words: Iterable[str]) -> None:
        pairs: Counter[tuple[str, str]] = Counter()
        firsts: Counter[str] = Counter()
        alphabet: set[str] = set()
        for word in words:
            padded = f"^{word}$"
            alphabet.update(padded)
            for left, right in zip(padded, padded[1:], strict=False):
                pairs[(left, right)] += 1
                firsts[left] += 1
        self._pairs = pairs
        self._firsts = firsts
        self._size = len(alphabet) + 1

    def mean_log_likelihood(self, word: str) -> float:
        """Average log-probability per letter transition, add-one smoothed."""
        padded = f"^{word}$"
        total = 0.0
        for left, right in zip(padded, padded[1:], strict=False):
            count = self._pairs.get((left, right), 0)
            total += math.log((count + 1) / (self._firsts.get(left, 0) + self._size))
        return total / (len(padded) - 1)


def _latin_corpus() -> list[str]:
    words: list[str] = []
    for scheme in SUPPORTED_SCHEMES.values():
        words.extend(str(scheme.translate(word)).casefold() for word in CYRILLIC_NAME_CORPUS)
    return words


_CYRILLIC_MODEL = BigramModel(CYRILLIC_NAME_CORPUS)
_LATIN_MODEL = BigramModel(_latin_corpus())


def name_log_likelihood(word: str) -> float:
    """Log-probability of a word as a name in its own script (Cyrillic or Latin letters)."""
    lowered = word.casefold()
    cyrillic = any(letter_script(ch) == "cyrillic" for ch in lowered)
    model = _CYRILLIC_MODEL if cyrillic else _LATIN_MODEL
    return model.mean_log_likelihood(lowered) * (len(lowered) + 1)


@lru_cache(maxsize=100_000)
def _layout_gain(token: str) -> tuple[float, str]:
    """How much likelier the token reads after switching layout, and that reading."""
    if all(letter_script(ch) != "cyrillic" for ch in token):
        retyped = token.translate(_QWERTY_TO_JCUKEN)
        if retyped == token:
            return 0.0, token
        gain = _CYRILLIC_MODEL.mean_log_likelihood(retyped)
        return gain - _LATIN_MODEL.mean_log_likelihood(token), retyped
    retyped = token.translate(_JCUKEN_TO_QWERTY)
    if retyped == token or any(letter_script(ch) == "cyrillic" for ch in retyped):
        return 0.0, token
    gain = _LATIN_MODEL.mean_log_likelihood(retyped)
    return gain - _CYRILLIC_MODEL.mean_log_likelihood(token), retyped


def keyboard_layout_repair(tokens: list[str]) -> list[str]:
    """Retype the whole name on the other layout if it then reads clearly better.

    The decision is taken for the name as a whole, weighted by token length, because a short
    token alone ("Ali") can read well in both layouts.
    """
    lowered = [token.casefold() for token in tokens]
    gains = [_layout_gain(token) for token in lowered]
    letters = sum(len(token) for token in lowered)
    if letters < LAYOUT_MIN_LETTERS:
        return tokens
    weighted = sum(gain * len(token) for (gain, _), token in zip(gains, lowered, strict=True))
    if weighted / letters <= LAYOUT_MARGIN:
        return tokens
    return [retyped for _, retyped in gains]
