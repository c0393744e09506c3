"""How an opened request reads on screen and in a new case's notes: labels in the user's
language for the fields of intake's payload (corridor.intake.payload)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from corridor.intake.payload import Threat, Urgency

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "contact": gettext_lazy("Contact"),
    "messenger": gettext_lazy("Messenger handle"),
    "region": gettext_lazy("Where they are"),
    "message": gettext_lazy("Message"),
    "threat": gettext_lazy("Who threatens them"),
    "urgency": gettext_lazy("How urgent"),
    "birth_date": gettext_lazy("Date of birth"),
    "language": gettext_lazy("Language of the request"),
    "partner": gettext_lazy("Referring partner"),
}
CHOICES: dict[str, Any] = {"threat": Threat, "urgency": Urgency}
LANGUAGE_LABELS = {"ru": gettext_lazy("Russian"), "en": gettext_lazy("English")}


def payload_rows(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, text) of each filled field of an opened request, known fields first."""
    rows = []
    for key in [*FIELD_LABELS, *sorted(set(payload) - set(FIELD_LABELS))]:
        value = payload.get(key)
        if not value:
            continue
        if key in CHOICES and value in CHOICES[key].values:
            value = CHOICES[key](value).label
        elif key == "language":
            value = LANGUAGE_LABELS.get(value, value)
        rows.append((key, str(FIELD_LABELS.get(key, key)), str(value)))
    return rows


def urgency_label(payload: dict[str, Any]) -> str:
    value = payload.get("urgency")
    return str(Urgency(value).label) if value in Urgency.values else ""
