"""The error summary every failed form gets at the top of the page (decision 0027).

`{% page_errors as errors %}` in the base templates finds every bound form with errors in
the page's context (and the lists of forms, and `failed_forms`/`errors` set by views whose
forms are rendered elsewhere, like the case page's panels; and error messages of a redirect), so no view or template has to
remember it: the title says "Error:" and `{% error_summary errors %}` lists each error,
linked to its field, in a box that takes the focus on load and is announced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django import forms, template
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS

register = template.Library()


@dataclass(frozen=True)
class SummaryItem:
    text: str
    href: str = ""  # "#id" of the field the error belongs to, if it has one


def _forms_in(value: Any) -> Iterable[forms.BaseForm]:
    # type(), not isinstance(): isinstance() would evaluate the context's lazy objects, and
    # the CSRF token's sets a cookie (the public pages set none).
    if issubclass(type(value), forms.BaseForm):
        yield value
    elif type(value) in (list, tuple):
        for item in value:
            if issubclass(type(item), forms.BaseForm):
                yield item


def form_summary_items(form: forms.BaseForm) -> list[SummaryItem]:
    """One item per error of a bound form: field errors first, linked by the field's id."""
    if not form.is_bound or not form.errors:
        return []
    items = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            continue
        field = form[name]
        href = f"#{field.id_for_label}" if field.id_for_label and not field.is_hidden else ""
        items += [SummaryItem(f"{field.label}: {error}", href) for error in errors]
    items += [SummaryItem(str(error)) for error in form.non_field_errors()]
    return items


@register.simple_tag(takes_context=True)
def page_errors(context: template.Context) -> list[SummaryItem]:
    """Every error of the page: its failed forms' and the plain `errors` a view gave."""
    flat = cast(dict[str, Any], context.flatten())
    found: list[forms.BaseForm] = []
    for value in [*flat.values(), flat.get("failed_forms") or []]:
        for form in _forms_in(value):
            if all(form is not seen for seen in found):
                found.append(form)
    items = [item for form in found for item in form_summary_items(form)]
    for key in ("errors", "move_errors"):
        listed = flat.get(key)
        if type(listed) in (list, tuple):
            items += [SummaryItem(str(message)) for message in cast(list[Any], listed)]
    # A small form that posted to an action and was sent back with its errors as a message
    items += [
        SummaryItem(str(message))
        for message in flat.get("messages") or []
        if message.level == messages.ERROR
    ]
    return items


@register.inclusion_tag("core/error_summary.html")
def error_summary(items: list[SummaryItem]) -> dict[str, Any]:
    return {"items": items}
