"""Comparison of two records field by field into discrete agreement levels.

Fellegi-Sunter needs each field's agreement as a small set of levels whose probabilities
among true matches (m) and non-matches (u) can be estimated. The levels below are ordered from
strongest disagreement to strongest agreement; -1 means the field is missing on either side
and carries no evidence.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA, DamerauLevenshtein, Hamming

from corridor.linkage.dates import BirthDate
from corridor.linkage.names import (
    ParsedName,
    coarse_key,
    looks_like_surname,
    other_given_names,
    same_father,
)
from corridor.linkage.translit import latin_key

MISSING = -1

NAME_LEVELS = (
    "disagree",
    "one word agrees",
    "similar",
    "words missing",
    "exact, common",
    "exact",
    "exact, rare",
    "close, with typos",
)
PATRONYMIC_LEVELS = ("disagree", "similar", "exact")
DATE_LEVELS = (
    "disagree",
    "same year, one side year only",
    "close",
    "day and month swapped",
    "exact",
    "day and month agree, year mistyped",
)
PHONE_LEVELS = ("disagree", "one digit apart", "exact")
PHONE_EXACT, PATRONYMIC_EXACT, DATE_EXACT = (
    levels.index("exact") for levels in (PHONE_LEVELS, PATRONYMIC_LEVELS, DATE_LEVELS)
)

FIELDS = ("name", "patronymic", "birth_date", "phone")
LEVEL_LABELS = (NAME_LEVELS, PATRONYMIC_LEVELS, DATE_LEVELS, PHONE_LEVELS)

NAME_DISAGREE, NAME_ONE_WORD, NAME_SIMILAR, NAME_SUBSET = 0, 1, 2, 3
NAME_EXACT_COMMON, NAME_EXACT, NAME_EXACT_RARE = 4, 5, 6
#: Appended after the others so that their numbers stay: every word of the shorter name is
#: a typo away from a word of the longer (at most one word dropped), or the two read the
#: same with the spaces removed (Алиха нХасанов). Weaker than "similar"; it links only with
#: a phone or a date beside it, and it keeps such a pair from counting as a contradiction.
NAME_CLOSE = 7
#: Names below this level are incompatible: no other evidence may link such records.
NAME_COMPATIBLE = NAME_SIMILAR

#: Relative frequency of a name above which an exact match is "common" or below "rare".
COMMON_NAME_SHARE = 1 / 2_000
RARE_NAME_SHARE = 1 / 50_000

_SIMILAR_WORD = 0.75
_SIMILAR_MEAN = 0.85
_ONE_WORD = 0.9

#: Appended after "exact" so that the older levels keep their numbers.
DATE_YEAR_MISTYPED = 5

Pattern = tuple[int, int, int, int]


def names_complementary(left: ParsedName, right: ParsedName) -> bool:
    """Whether two names that are not alike may be two halves of one name: the words each
    has and the other lacks are surnames on one side and none on the other (ALIEV
    Husejnovič, Apti Khuseynovich: a surname and a given name, each with the patronymic), not
    given names on both sides (brothers, twins: Иван and Пётр Петров) or two full names."""
    only_left = set(left.tokens) - set(right.tokens)
    only_right = set(right.tokens) - set(left.tokens)
    if not only_left or not only_right:
        return True
    left_surnames = [looks_like_surname(word) for word in only_left]
    right_surnames = [looks_like_surname(word) for word in only_right]
    return (all(left_surnames) and not any(right_surnames)) or (
        all(right_surnames) and not any(left_surnames)
    )


def name_exact_level(share: float) -> int:
    """The exact-agreement level for a name carried by this share of all records."""
    if share >= COMMON_NAME_SHARE:
        return NAME_EXACT_COMMON
    if share <= RARE_NAME_SHARE:
        return NAME_EXACT_RARE
    return NAME_EXACT


def _best_alignment(short: tuple[str, ...], long: tuple[str, ...]) -> list[float]:
    """Greedy one-to-one alignment of words by similarity, best pairs first."""
    scored = sorted(
        (
            (OSA.normalized_similarity(a, b), i, j)
            for i, a in enumerate(short)
            for j, b in enumerate(long)
        ),
        reverse=True,
    )
    used_short: set[int] = set()
    used_long: set[int] = set()
    best: list[float] = []
    for score, i, j in scored:
        if i in used_short or j in used_long:
            continue
        used_short.add(i)
        used_long.add(j)
        best.append(score)
    return best


def _joined_variants(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The word sets with two words written as one (Turpal Ali -> turpalali), either order."""
    variants = []
    for i, first in enumerate(words):
        for j, second in enumerate(words):
            if i != j:
                rest = [word for k, word in enumerate(words) if k not in (i, j)]
                variants.append(tuple(sorted([*rest, first + second])))
    return variants


@lru_cache(maxsize=1_000_000)
def name_similarity_level(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    """Level of two differing word sets (the exact case is handled by the caller).

    A compound name written apart on one side and as one word on the other (Турпал-Али,
    Turpal Ali, ТурпалАли) is at best "similar": joining is tried only when the plain
    comparison finds less, and only on the side with more words (joining on the other
    side leaves one word that "Али Хан" shares with "Алихан Дудаев": decision 0028).
    """
    level = _word_set_level(left, right)
    short, long = (left, right) if len(left) <= len(right) else (right, left)
    if level >= NAME_SIMILAR or len(long) < 2 or len(long) == len(short) or len(long) > 4:
        return level
    joined = max(_word_set_level(short, variant) for variant in _joined_variants(long))
    return max(level, min(joined, NAME_SIMILAR))


def _word_set_level(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    short, long = (left, right) if len(left) <= len(right) else (right, left)
    if set(short) <= set(long):
        return NAME_SUBSET
    if OSA.normalized_similarity("".join(short), "".join(long)) >= _SIMILAR_MEAN:
        return NAME_SIMILAR
    best = _best_alignment(short, long)
    if min(best) >= _SIMILAR_WORD and sum(best) / len(best) >= _SIMILAR_MEAN:
        return NAME_SIMILAR if len(short) >= 2 or len(long) == 1 else NAME_SUBSET
    if max(best) >= _ONE_WORD:
        return NAME_ONE_WORD
    return NAME_DISAGREE


def _words_close(left: str, right: str) -> bool:
    """One typo apart (two in long words), or one glued to another word (see `_glued`)."""
    shortest = min(len(left), len(right))
    if shortest < 3:
        return left == right
    limit = 2 if shortest >= 6 else 1
    return OSA.distance(left, right, score_cutoff=limit) <= limit or _glued(left, right)


#: Shortest word that may be found glued to another in one word (ТимуровнаАхмадова).
_GLUED_MIN = 4
_GLUE_SUFFIXES = ("ovich", "evich", "ovna", "evna", "ovitch", "owitsch", "ewitsch", "owna")


def _glued(left: str, right: str) -> bool:
    """One word begins or ends the other, and what remains is a word of its own (five
    letters or more, not a patronymic ending: Ramzan is not glued in Ramzanovich)."""
    short, long = (left, right) if len(left) <= len(right) else (right, left)
    if len(short) < _GLUED_MIN or len(long) - len(short) < 5:
        return False
    if long.startswith(short):
        rest = long[len(short) :]
    elif long.endswith(short):
        rest = long[: -len(short)]
    else:
        return False
    return not rest.endswith(_GLUE_SUFFIXES)


def _aligned_close(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Every word of `short` is close to its own word of `long`: one typo apart (two in
    words of six letters or more), or glued to another word (see `_glued`). Two letters
    swapped are one typo, beside another too (AZREMA, Zgarema: Damerau-Levenshtein, where
    the restricted distance counts three)."""
    free = list(long)
    for word in short:
        if len(word) < 3:
            if word not in free:
                return False
            free.remove(word)
            continue
        limit = 2 if len(word) >= 6 else 1
        found = process.extractOne(
            word, free, scorer=DamerauLevenshtein.distance, score_cutoff=limit
        )
        if found is None or (limit == 2 and len(found[0]) < 6 and found[1] > 1):
            glued = next((j for j, other in enumerate(free) if _glued(word, other)), None)
            if glued is None:
                return False
            free.pop(glued)
            continue
        free.pop(found[2])
    return True


def _run_together(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """The names read the same with the spaces removed, in the typed order or with the
    first or last word moved to the other end (surname first or last)."""
    joined = "".join(left)
    if len(joined) < 8:
        return False
    orders = {right, right[1:] + right[:1], right[-1:] + right[:-1]}
    return any(
        OSA.normalized_similarity(joined, "".join(order), score_cutoff=_SIMILAR_MEAN)
        for order in orders
    )


def _lengths_close(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    a, b = sum(map(len, left)), sum(map(len, right))
    return abs(a - b) <= (1 - _SIMILAR_MEAN) * max(a, b)


@lru_cache(maxsize=200_000)
def name_close(
    typed_a: tuple[str, ...],
    typed_b: tuple[str, ...],
    coarse_a: tuple[str, ...],
    coarse_b: tuple[str, ...],
    aligned: bool = True,
) -> bool:
    """Whether two names are close enough for NAME_CLOSE (see there).

    The word-by-word test runs only when `aligned` (the caller found one word agreeing):
    names with every word mistyped are too rare among true pairs to pay for testing all
    the random pairs that estimate u.
    """
    if _lengths_close(typed_a, typed_b) and (
        _run_together(typed_a, typed_b) or _run_together(coarse_a, coarse_b)
    ):
        return True
    if not aligned or min(len(typed_a), len(typed_b)) < 2 or abs(len(typed_a) - len(typed_b)) > 1:
        return False
    for first, second in ((typed_a, typed_b), (coarse_a, coarse_b)):
        short, long = (first, second) if len(first) <= len(second) else (second, first)
        if _aligned_close(short, long):
            return True
    return False


def name_level(
    left: ParsedName, right: ParsedName, exact_level: int, same_phone: bool = False
) -> int:
    """The names' level. With `same_phone` (both give the same number), the word-by-word
    test for NAME_CLOSE runs even when no word agrees exactly (Junzsova Luiza, Luisa
    Junussowa): two mistakes in one name, a typo beside a German spelling, are common among
    requests from one phone, and such pairs are few, so testing them all costs little."""
    if not left.tokens or not right.tokens:
        return MISSING
    if left.tokens == right.tokens:
        return exact_level
    level = name_similarity_level(left.tokens, right.tokens)
    if other_given_names(left, right):
        # Sisters, brothers or twins on one phone: Madina and Malika Isaeva read alike
        # (typos in one word), and so do Алиев Ислам and Алиев Адам Хусейнович with the
        # spaces removed, but two different given names are two people.
        return min(level, NAME_ONE_WORD)
    if level < NAME_SUBSET and left.spelled and right.spelled:
        level = max(level, name_similarity_level(left.spelled, right.spelled))
    if level == NAME_SUBSET and _lone_word_with_patronymic(left, right):
        return NAME_CLOSE
    if level < NAME_SIMILAR and name_close(
        left.typed,
        right.typed,
        left.coarse,
        right.coarse,
        aligned=level == NAME_ONE_WORD or same_phone,
    ):
        return NAME_CLOSE
    return level


def _lone_word_with_patronymic(left: ParsedName, right: ParsedName) -> bool:
    """One side is a single name word and a patronymic (Ruslan Beslanovich): that it is
    among the other side's words says little on its own, since every Ruslan has it."""
    return any(len(name.tokens) == 1 and name.patronymic for name in (left, right))


def patronymic_level(left: str, right: str, typed_left: str = "", typed_right: str = "") -> int:
    """Patronymics compared on their keys and, failing that, on their typed spellings, in
    which a swapped pair of letters is still one typo (the folding may hide it), and on the
    typed spellings folded, in which a German spelling reads as the passport's, so that one
    typo beside it is one edit (Achmedowitsch, Akhmeovich; not two: Akhmedovich and
    Makhmudovich are two apart)."""
    if not left or not right:
        return MISSING
    if left == right:
        return 2
    if OSA.normalized_similarity(left, right) >= _SIMILAR_MEAN:
        return 1
    if left.endswith(right) or right.endswith(left):
        return 1  # glued to a name word (ZaremaArtemovna) or split (Магом едович)
    if typed_left and typed_right:
        if _words_close(typed_left, typed_right):
            return 1
        folded_left, folded_right = latin_key(typed_left), latin_key(typed_right)
        if OSA.distance(folded_left, folded_right, score_cutoff=1) <= 1:
            return 1  # one typo beside a German spelling: Achmedowitsch, Akhmeovich
    if coarse_key(left) == coarse_key(right):
        return 1  # German spelling: Dshambulatowitsch
    if same_father(left, right):
        return 1  # Мамед оглы, Мамедович
    return 0


def date_level(left: BirthDate, right: BirthDate) -> int:
    if not left.year or not right.year:
        return MISSING
    years_apart = abs(left.year - right.year)
    if not left.is_full or not right.is_full:
        if years_apart > 1 and _years_close(left.year, right.year):
            return MISSING  # 14.02.87 and 1977: a digit apart, no evidence either way
        return {0: 1, 1: 2}.get(years_apart, 0)
    if left.month == right.month and left.day == right.day:
        if not years_apart:
            return 4
        return DATE_YEAR_MISTYPED if _years_close(left.year, right.year) else 0
    if (
        years_apart
        and set(left.readings()) & set(right.readings())
        and _years_close(left.year, right.year)
    ):
        return DATE_YEAR_MISTYPED  # 3/11/1973 and 11/3/72: one reading agrees
    if not years_apart and (left.month, left.day) == (right.day, right.month):
        return 3
    if not years_apart and set(left.readings()) & set(right.readings()):
        return 3
    if not years_apart and any(
        a_month == b_month or a_day == b_day
        for a_month, a_day in left.readings()
        for b_month, b_day in right.readings()
    ):
        return 2
    return 0


def _years_close(left: int, right: int) -> bool:
    """A year off by one, by a decade or by one mistyped digit."""
    return abs(left - right) in (1, 10) or _one_digit_apart(str(left), str(right))


def _one_digit_apart(left: str, right: str) -> bool:
    return len(left) == len(right) and Hamming.distance(left, right, score_cutoff=1) == 1


def phone_level(left: str, right: str) -> int:
    if not left or not right:
        return MISSING
    if left == right:
        return 2
    return 1 if _one_digit_apart(left, right) else 0


def compare(
    name_a: ParsedName,
    name_b: ParsedName,
    exact_level: int,
    birth_a: BirthDate,
    birth_b: BirthDate,
    phone_a: str,
    phone_b: str,
) -> Pattern:
    """The comparison vector of two records."""
    return (
        name_level(name_a, name_b, exact_level, same_phone=bool(phone_a) and phone_a == phone_b),
        patronymic_level(
            name_a.patronymic, name_b.patronymic, name_a.typed_patronymic, name_b.typed_patronymic
        ),
        date_level(birth_a, birth_b),
        phone_level(phone_a, phone_b),
    )
