"""Corridor's form renderer: every `{{ field.as_field_group }}` goes through one template
(`core/field.html`), so each field's label, help text and error list carry the ids that
Django's `aria-describedby` and `aria-invalid` point at (decision 0027)."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class CorridorFormRenderer(DjangoTemplates):
    field_template_name = "core/field.html"
