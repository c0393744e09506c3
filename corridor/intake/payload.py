"""The fields of a request and the checks every one passes before it is sealed.

The public form, the operator's form (triage) and follow-ups all go through
`payload_check`, so bad input is refused the same way whatever the door: too long, NUL
bytes, lone surrogates, undecodable bytes (which Django turns into U+FFFD), or an empty
message.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Threat(models.TextChoices):
    """Who threatens the person (the same codes as a case's threat source)."""

    STATE = "state", _("Police or security services")
    FAMILY = "family", _("Family or relatives")
    BOTH = "both", _("Both")
    OTHER = "other", _("Someone else")
    UNKNOWN = "unknown", _("I do not know / I prefer not to say")


class Urgency(models.TextChoices):
    NOW = "now", _("I am in danger now")
    DAYS = "days", _("Within a few days")
    WEEKS = "weeks", _("Within weeks")
    NOT_URGENT = "not_urgent", _("Not urgent")


# Characters, per field. A request's total stays under 32 KiB before padding.
FIELD_MAX = {
    "name": 200,
    "contact": 300,
    "region": 200,
    "message": 10_000,
}
CHOICE_FIELDS = {"threat": Threat, "urgency": Urgency}
EXTRA_MAX = 20  # channel-specific extra fields an operator form may add
EXTRA_VALUE_MAX = 2_000
LANGUAGES = ("ru", "en")


def text_check(value: object, *, max_length: int, required: bool = False) -> str:
    """A clean string, or ValidationError saying what is wrong with it."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("A field holds something that is not text."), code="not_text")
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character."), code="null")
    if "\ufffd" in value:
        raise ValidationError(
            _("The text could not be read: it was not sent as valid UTF-8."), code="encoding"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            _("The text contains characters that cannot be stored (lone surrogates)."),
            code="surrogate",
        ) from None
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(
            _("A field is too long (at most %(max)d characters)."),
            params={"max": max_length},
            code="too_long",
        )
    if required and not value:
        raise ValidationError(_("Please write your message."), code="required")
    return value


def payload_check(payload: dict[str, Any], *, message_required: bool = True) -> dict[str, Any]:
    """The payload as it will be sealed: known fields checked, extra fields bounded."""
    if not isinstance(payload, dict):
        raise ValidationError(_("A request must be a set of fields."), code="not_dict")
    clean: dict[str, Any] = {}
    for name, max_length in FIELD_MAX.items():
        clean[name] = text_check(
            payload.get(name, ""),
            max_length=max_length,
            required=message_required and name == "message",
        )
    for name, choices in CHOICE_FIELDS.items():
        value = payload.get(name) or ""
        if value and value not in choices.values:
            raise ValidationError(_("Choose one of the options offered."), code="choice")
        clean[name] = value
    language = payload.get("language") or "ru"
    if language not in LANGUAGES:
        raise ValidationError(_("Unknown language."), code="language")
    clean["language"] = language
    extras = {k: v for k, v in payload.items() if k not in clean}
    if len(extras) > EXTRA_MAX:
        raise ValidationError(_("A request has too many fields."), code="too_many")
    for key, value in extras.items():
        text_check(key, max_length=64)
        clean[key] = text_check(value, max_length=EXTRA_VALUE_MAX)
    return clean
