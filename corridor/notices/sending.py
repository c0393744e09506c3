"""Content-free e-mail notices: "something needs you in Corridor" (decision 0039).

The worker calls `notices_send` each pass. A staff member who gave an address gets one
notice when an alert or an overdue task waits for them that the last notice did not cover,
at most one every CORRIDOR_NOTICE_MIN_MINUTES. The message says nothing else: no count, no
case, no name, no link, no server name (its Message-ID uses the sender's domain, not this
host's), the same text in the language the person chose. What waits is read in Corridor.

Each send is claimed first with a conditional UPDATE, so two workers never send the same
notice; a send that fails is given back (logged with the error's class only, counted in
`failures`) and tried again at the next pass.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from corridor.accounts.models import User
from corridor.accounts.roles import Role
from corridor.emergency.models import DuressAlert
from corridor.notices.models import NoticeAddress
from corridor.reports.figures import open_alerts_of, overdue_tasks_of
from corridor.vault.models import Membership
from corridor.vault.serverbox import ServerBoxUnreadable, server_open, server_seal

log = logging.getLogger("corridor.notices")
PURPOSE = "notice-address"
SUBJECT = "Corridor"


def notices_configured() -> bool:
    return bool(settings.EMAIL_HOST and settings.CORRIDOR_NOTICE_FROM)


def address_seal(user_id: int, address: str) -> bytes:
    return server_seal(PURPOSE, address.encode(), bound_to=str(user_id))


def address_open(notice: NoticeAddress) -> str | None:
    """The address, or None when it no longer opens (the server's secret changed)."""
    try:
        return server_open(PURPOSE, notice.address_sealed, bound_to=str(notice.user_id)).decode()
    except ServerBoxUnreadable:
        return None


def waiting_for(user: User) -> set[str]:
    """Ids of what waits for `user`: open alerts of their compartments addressed to them,
    to nobody (coordinators) or about their cases; their overdue tasks; the duress alerts
    addressed to them. Operational columns only."""
    compartments = list(
        Membership.objects.filter(user_id=user.pk).values_list("compartment_id", flat=True)
    )
    alerts = open_alerts_of(
        user_id=user.pk, coordinator=user.role == Role.COORDINATOR, compartment_ids=compartments
    ).values_list("pk", flat=True)
    tasks = overdue_tasks_of(compartment_ids=compartments, owner_id=user.pk).values_list(
        "pk", flat=True
    )
    duress = DuressAlert.objects.filter(addressed_to=user, resolved_at__isnull=True).values_list(
        "pk", flat=True
    )
    return (
        {f"alert:{pk}" for pk in alerts}
        | {f"task:{pk}" for pk in tasks}
        | {f"duress:{pk}" for pk in duress}
    )


def notice_message(address: str, language: str) -> EmailMessage:
    sender = settings.CORRIDOR_NOTICE_FROM
    with translation.override(language):
        body = _("Something needs you in Corridor.") + "\n"
    domain = sender.rpartition("@")[2] or "localhost"
    return EmailMessage(
        subject=SUBJECT,
        body=body,
        from_email=sender,
        to=[address],
        headers={"Message-ID": make_msgid(domain=domain)},
    )


@dataclass
class _Claim:
    notice: NoticeAddress
    previous_sent_at: datetime | None
    previous_told: list[str]


def _claim(notice: NoticeAddress, waiting: set[str], now: datetime) -> _Claim | None:
    won = NoticeAddress.objects.filter(pk=notice.pk, last_sent_at=notice.last_sent_at).update(
        last_sent_at=now, told_about=sorted(waiting)
    )
    if not won:
        return None
    return _Claim(notice, notice.last_sent_at, list(notice.told_about))


def _give_back(claim: _Claim, now: datetime) -> None:
    NoticeAddress.objects.filter(pk=claim.notice.pk, last_sent_at=now).update(
        last_sent_at=claim.previous_sent_at,
        told_about=claim.previous_told,
        failures=claim.notice.failures + 1,
    )


def notice_send_now(address: str, language: str) -> None:
    """Send one notice at once (the account page's test); raises on an SMTP failure."""
    with get_connection(fail_silently=False) as connection:
        connection.send_messages([notice_message(address, language)])


def notices_send(now: datetime | None = None) -> int:
    """One pass: send every notice that is due; returns how many went out."""
    if not notices_configured():
        return 0
    now = now if now is not None else timezone.now()
    gap = timedelta(minutes=settings.CORRIDOR_NOTICE_MIN_MINUTES)
    due: list[tuple[_Claim, str]] = []
    for notice in NoticeAddress.objects.select_related("user").filter(user__is_active=True):
        if notice.last_sent_at is not None and now - notice.last_sent_at < gap:
            continue
        waiting = waiting_for(notice.user)
        if not waiting - set(notice.told_about):
            if set(notice.told_about) - waiting:  # forget what was dealt with
                NoticeAddress.objects.filter(pk=notice.pk).update(
                    told_about=sorted(waiting & set(notice.told_about))
                )
            continue
        address = address_open(notice)
        if address is None:
            log.warning("notice address of user %s no longer opens", notice.user_id)
            continue
        claim = _claim(notice, waiting, now)
        if claim is not None:
            due.append((claim, address))
    return _deliver(due, now)


def _deliver(due: list[tuple[_Claim, str]], now: datetime) -> int:
    if not due:
        return 0
    sent = 0
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        log.warning("notices: SMTP server unreachable (%s)", type(error).__name__)
        for claim, _address in due:
            _give_back(claim, now)
        return 0
    try:
        for claim, address in due:
            try:
                connection.send_messages([notice_message(address, claim.notice.language)])
            except (smtplib.SMTPException, OSError) as error:
                log.warning("notices: a send failed (%s)", type(error).__name__)
                _give_back(claim, now)
            else:
                NoticeAddress.objects.filter(pk=claim.notice.pk).update(failures=0)
                sent += 1
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            log.warning("notices: closing the SMTP connection failed")
    return sent
