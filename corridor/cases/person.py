"""What a person's record may hold: each value checked, with a message in the user's language.

Shared by the actions (which refuse bad input whatever calls them) and the forms (which turn
text areas into the lists these check).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.linkage.phones import phone_normalise

NAME_MAX = 300
LIST_MAX = 50
AGE_MAX = 120


def full_name_clean(value: str) -> str:
    name = " ".join(str(value).split())
    if not name:
        raise ValidationError(_("A name or alias is needed."), code="name_missing")
    if len(name) > NAME_MAX:
        raise ValidationError(_("This name is too long."), code="name_long")
    return name


def phone_clean(value: str) -> str:
    """E.164, "" for no phone; refuses what is not a phone number."""
    raw = str(value).strip()
    if not raw:
        return ""
    number = phone_normalise(raw)
    if not number:
        raise ValidationError(_("This does not look like a phone number."), code="phone")
    return number


def lines_clean(values: Any) -> list[str]:
    """A list of short strings (aliases, messenger handles), blanks dropped."""
    if not isinstance(values, list | tuple):
        raise ValidationError(_("Expected a list."), code="not_list")
    cleaned = [" ".join(str(value).split()) for value in values]
    cleaned = [value for value in cleaned if value]
    if len(cleaned) > LIST_MAX or any(len(value) > NAME_MAX for value in cleaned):
        raise ValidationError(_("Too many or too long entries."), code="list_long")
    return cleaned


def dependant_clean(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(_("Each dependant needs a name."), code="dependant")
    name = " ".join(str(value.get("name", "")).split())
    relation = " ".join(str(value.get("relation", "")).split())
    age = value.get("age")
    if not name or len(name) > NAME_MAX or len(relation) > NAME_MAX:
        raise ValidationError(_("Each dependant needs a name."), code="dependant")
    if age in (None, ""):
        age = None
    elif isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= AGE_MAX:
        raise ValidationError(
            _("A dependant's age must be a whole number from 0 to %(max)d."),
            code="dependant_age",
            params={"max": AGE_MAX},
        )
    return {"name": name, "relation": relation, "age": age}


def dependants_clean(values: Any) -> list[dict[str, Any]]:
    if not isinstance(values, list | tuple) or len(values) > LIST_MAX:
        raise ValidationError(_("Expected a list."), code="not_list")
    return [dependant_clean(value) for value in values]


def choice_clean(value: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise ValidationError(_("This is not one of the choices."), code="choice")
    return value
