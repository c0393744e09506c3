"""The demo's intake desk: requests waiting in the triage inbox, with something for each flag.

Built through the intake and triage actions, as the public form and the desk would: a few web
requests (one from a person who already has a case, a burst of near-identical messages, one
from a number on the watch list), a hotline call recorded by an operator, and one request
proposed for acceptance that waits for a second person's approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor.accounts.models import User
from corridor.intake.actions import intake_desk_create, submission_create
from corridor.triage.actions import accept_propose, watch_entry_add
from corridor.vault.models import Compartment

HOSTILE_PHONE = "+7 928 555-01-99"
BURST_MESSAGE = (
    "Здравствуйте, мне нужна помощь, меня ищут, напишите мне срочно в телеграм, "
    "я могу встретиться с вашим человеком в Грозном сегодня вечером."
)
WEB_REQUESTS = [
    {
        "name": "Адам",
        "contact": "Signal, +7 928 301-44-10",
        "region": "Чеченская Республика",
        "message": "Меня задержали на прошлой неделе, отпустили, но сказали, что вернутся. "
        "Родственники знают. Мне нужно уехать из республики.",
        "threat": "both",
        "urgency": "now",
    },
    {
        "name": "Ruslan",
        "contact": "telegram @ruslan_safe_2017",
        "region": "Grozny",
        "message": "My brother found my messages. I cannot stay at home. Please write only "
        "in Telegram, never call.",
        "threat": "family",
        "urgency": "days",
    },
    {
        "name": "И.",
        "contact": HOSTILE_PHONE,
        "region": "Грозный",
        "message": "Я знаю ещё нескольких ребят, кому нужна помощь, дайте адрес, где вас "
        "найти, я их приведу.",
        "threat": "unknown",
        "urgency": "now",
    },
]


@dataclass
class DemoIntakeSummary:
    requests: int = 0
    proposed: int = 0


def demo_intake_build(
    *, desk_compartment: Compartment, known: tuple[str, str] | None
) -> DemoIntakeSummary:
    """The caller holds the triage desk member's keyring; `known` is (name, phone) of a person
    who already has a case, read by someone who may."""
    triage = User.objects.get(username="triage")
    caseworker = User.objects.get(username="caseworker")
    summary = DemoIntakeSummary()
    intake_desk_create(actor_id=triage.pk, compartment=desk_compartment)
    watch_entry_add(
        actor_id=triage.pk,
        kind="phone",
        value=HOSTILE_PHONE,
        note="Номер телефона задержанного, с которого в 2017 году писали другим ребятам.",
    )
    requests = list(WEB_REQUESTS)
    # Someone who already has a case writes again, from the same phone in another format.
    if known is not None:
        requests.append(
            {
                "name": known[0],
                "contact": known[1],
                "region": "Москва",
                "message": "Пишу ещё раз: у меня забрали паспорт, что мне теперь делать?",
                "threat": "state",
                "urgency": "days",
            }
        )
    for number in range(3):  # a scripted burst: the same text from three "people"
        requests.append(
            {
                "name": ["Тимур", "Timur", "Тимур М."][number],
                "contact": f"telegram @help_me_now_{number}",
                "region": "Грозный",
                "message": BURST_MESSAGE,
                "threat": "state",
                "urgency": "now",
            }
        )
    web = []
    for payload in requests:
        submission, _codename = submission_create(
            payload={**payload, "language": "ru"}, channel="web"
        )
        web.append(submission)
        summary.requests += 1
    submission_create(
        payload={
            "name": "Зелимхан (звонок на горячую линию)",
            "contact": "перезвонить с другого номера, спросить Лейлу",
            "region": "Гудермес",
            "message": "Звонил ночью, говорил шёпотом. Прячется у подруги, нужен выезд.",
            "threat": "both",
            "urgency": "now",
            "language": "ru",
        },
        channel="hotline",
        recorded_by_id=caseworker.pk,
        with_codename=False,
    )
    summary.requests += 1
    accept_propose(
        actor_id=triage.pk,
        submission=web[0],
        compartment=Compartment.objects.get(name="North Caucasus evacuations"),
        note="Подтверждён партнёром в Грозном, видели следы побоев.",
    )
    summary.proposed += 1
    return summary
