"""Blocking keys: the few values two records must share before they are compared at all.

Comparing every pair is quadratic; comparing only pairs that share a key keeps the work near
linear. A pair is compared if it shares a phone, or its name with the birth year, or its name
with the day and month (a year typo), or one name word with the whole date (a typo in another
word), or a name that is rare enough on its own. Keys are plain strings so that the app can
store them only as keyed hashes (see `corridor.linkage.online`).
"""

from __future__ import annotations

from corridor.linkage.features import Features

#: Largest block whose pairs are compared. A key shared by more records than this (a common
#: name alone, a name with a popular year) carries too little evidence to be worth the pairs;
#: such records are still compared through their other keys.
BLOCK_LIMITS = {
    "phone": 100,
    "name-year": 400,
    "name-day": 400,
    "word-date": 200,
    "name": 40,
}


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
    if birth.year:
        keys.append(f"name-year:{name}|{birth.year}")
    if birth.is_full:
        low, high = sorted((birth.month, birth.day))
        keys.append(f"name-day:{name}|{low}-{high}")
        keys.extend(
            f"word-date:{word}|{low}-{high}|{birth.year}" for word in set(features.name.tokens)
        )
    return keys
