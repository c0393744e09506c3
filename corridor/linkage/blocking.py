"""Blocking keys: the few values two records must share before they are compared at all.

Comparing every pair is quadratic; comparing only pairs that share a key keeps the work near
linear. A pair is compared if it shares a phone, or its name with the birth year, or its name
with the day and month (a year typo), or one name word with the whole date or the year (a
typo in another word), or its name with the patronymic, or its name with the phone but for
the last digits (a typo in the number), or a name that is rare enough on its own. Keys are
plain strings so that the app can store them only as keyed hashes (see
`corridor.linkage.online`).
"""

from __future__ import annotations

from corridor.linkage.features import Features

#: Largest block whose pairs are compared. A key shared by more records than this (a common
#: name alone, a name with a popular year) carries too little evidence to be worth the pairs;
#: such records are still compared through their other keys. At a million records, name-year
#: 30, name-day 40 and word-date 60 (from 60, 100 and 100), with the phone-head key narrowed
#: to the name, took the key-sharing pairs from 15.5 to 10.0 million (before removing
#: duplicates) for 0.001 of F1 at 100,000: a common name with a year alone cannot reach the
#: link threshold at that scale anyway.
BLOCK_LIMITS = {
    "phone": 100,
    "name-year": 30,
    "name-day": 40,
    "word-date": 60,
    "name": 40,
    "name-patronymic": 40,
    "word-year": 30,
    "phone-head": 20,
}

#: Digits dropped from the end of a phone for the key that meets a typo in one of them.
PHONE_TAIL = 4


def key_rule(key: str) -> str:
    """The rule that produced a blocking key."""
    return key.split(":", 1)[0]


def blocking_keys(features: Features) -> list[str]:
    """Every blocking key of one record, each prefixed by the rule that made it."""
    keys: list[str] = []
    if features.phone:
        keys.append(f"phone:{features.phone}")
    name = features.name.key
    birth = features.birth
    if not name:
        return keys
    keys.append(f"name:{name}")
    if features.phone:
        keys.append(f"phone-head:{features.phone[:-PHONE_TAIL]}|{name}")
    if features.name.patronymic:
        keys.append(f"name-patronymic:{name}|{features.name.patronymic}")
    if birth.year:
        keys.append(f"name-year:{name}|{birth.year}")
        keys.extend(f"word-year:{word}|{birth.year}" for word in set(features.name.tokens))
    if birth.is_full:
        low, high = sorted((birth.month, birth.day))
        keys.append(f"name-day:{name}|{low}-{high}")
        # The patronymic counts as a word here: "Ruslan Beslanovich" and "Isaev Ruslan
        # Beslanovich" may share nothing else written the same way.
        words = {*features.name.tokens, features.name.patronymic} - {""}
        keys.extend(f"word-date:{word}|{low}-{high}|{birth.year}" for word in words)
    return keys
