"""A staff member's own e-mail notices: give an address, send a test, stop them (0039)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.decorators import staff_user
from corridor.notices import actions
from corridor.notices.forms import NoticeAddressForm
from corridor.notices.models import NoticeAddress
from corridor.notices.sending import address_open, notice_send_now, notices_configured


def _mine(request: HttpRequest) -> NoticeAddress | None:
    user = staff_user(request)
    if user.under_duress:  # a duress session shows an account that holds nothing
        return None
    return NoticeAddress.objects.filter(user=user).first()


@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    notice = _mine(request)
    address = address_open(notice) if notice is not None else None
    initial = {"language": notice.language if notice else (get_language() or "ru")[:2]}
    if address:
        initial["address"] = address
    form = NoticeAddressForm(request.POST or None, initial=initial)
    configured = notices_configured()
    if request.method == "POST" and configured and form.is_valid():
        actions.notice_address_set(
            user=staff_user(request),
            address=form.cleaned_data["address"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Notices will go to this address."))
        return redirect("notices:settings")
    return render(
        request,
        "notices/settings.html",
        {
            "form": form,
            "notice": notice,
            "unreadable": notice is not None and address is None,
            "configured": configured,
            "gap": settings.CORRIDOR_NOTICE_MIN_MINUTES,
        },
    )


@require_POST
def test_send(request: HttpRequest) -> HttpResponse:
    notice = _mine(request)
    address = address_open(notice) if notice is not None else None
    if notice is None or address is None or not notices_configured():
        messages.error(request, _("There is no address to send a test notice to."))
        return redirect("notices:settings")
    try:
        notice_send_now(address, notice.language)
    except (smtplib.SMTPException, OSError) as error:
        messages.error(
            request,
            _("The mail server did not take the notice (%(error)s). Nothing was sent.")
            % {"error": type(error).__name__},
        )
        return redirect("notices:settings")
    actions.notice_test_record(user=staff_user(request))
    messages.success(request, _("A test notice was sent. Check your mailbox."))
    return redirect("notices:settings")


@require_POST
def clear(request: HttpRequest) -> HttpResponse:
    if actions.notice_address_clear(user=staff_user(request)):
        messages.success(request, _("Notices stopped; the address was deleted."))
    return redirect("notices:settings")
