"""`{{ value|phone }}`: a stored E.164 number shown as people write it."""

from __future__ import annotations

from django import template

from corridor.linkage.phones import phone_display

register = template.Library()


@register.filter(name="phone")
def phone_filter(value: str | None) -> str:
    return phone_display(value) if value else ""
