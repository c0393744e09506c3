"""Phone numbers reduced to E.164, so that every way of writing one number agrees.

A caller gives "8 (928) 123-45-67", the web form holds "+7 928 1234567" and a partner writes
"928-123-45-67": all are +79281234567. Russian numbers are the bulk of the traffic, so they
take a fast path that agrees with the phonenumbers library; everything else goes through it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

#: The region assumed for numbers written without a country code.
DEFAULT_REGION = "RU"

_NON_DIGITS = re.compile(r"\D")
_MIN_DIGITS = 7


def _russian_fast_path(raw: str, digits: str) -> str | None:
    """E.164 for the common Russian spellings, or None to defer to phonenumbers."""
    international = raw.lstrip().startswith("+")
    if international:
        return "+" + digits if digits.startswith("7") and len(digits) == 11 else None
    if len(digits) == 11 and digits[0] in "78" and digits[1] in "3489":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] in "3489":
        return "+7" + digits
    return None


@lru_cache(maxsize=1024)
def _parse_with_library(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_normalise(raw: str) -> str:
    """E.164 form of a phone number, or "" if it is not a plausible number."""
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) < _MIN_DIGITS or len(digits) > 15:
        return ""
    fast = _russian_fast_path(raw, digits)
    if fast is not None:
        return fast
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("810"):
        text = "+" + _NON_DIGITS.sub("", text)[3:]
    parsed = _parse_with_library(text)
    if parsed:
        return parsed
    # A number the library finds implausible (too short for its country) is still the same
    # number when written twice; keep its digits so that the two spellings agree.
    return "+" + _NON_DIGITS.sub("", text) if text.startswith("+") else ""


def phone_display(stored: str) -> str:
    """A stored E.164 number as people write it ("+7 928 555-01-42"); other text unchanged."""
    try:
        number = phonenumbers.parse(stored, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_possible_number(number):
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
