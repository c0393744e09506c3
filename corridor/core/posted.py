"""Small forms that post to an action and redirect back (the case page's panels and boards):
the outcome goes to the next page as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def form_errors(form: forms.Form) -> str:
    """All of a form's errors as one line, for a message shown after a redirect."""
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def posted_write(
    request: HttpRequest, form: forms.Form, write: Callable[[dict[str, Any]], object], done: str
) -> None:
    """`write` the posted form's data through its action and say how it went: `done`, or
    the form's or the action's errors (the page it redirects to shows the message)."""
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)


def posted_form_write(
    request: HttpRequest, form: forms.Form, write: Callable[[dict[str, Any]], object], done: str
) -> bool:
    """`write` the posted form's data and say `done`; True once written. Otherwise the form
    keeps its errors, field by field (the action's as the form's own), for the page that shows
    it again with what was typed (decision 0027)."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return False
    messages.success(request, done)
    return True
