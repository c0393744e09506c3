"""The demo's documentation of abuses: the spring 2017 detentions in the Chechen Republic.

Built through the documentation app's own actions by the demo lawyer: three events (the
detentions in Argun, those in Grozny, the disappearances that followed), chained; acts of
detention, torture, killing (three men) and enforced disappearance, with the police unit and
its commander as perpetrators; three victims who are the men of demo cases (linked, the
lawyer holding both compartments); testimonies with different consents, one withdrawn;
the ombudsman's referral, forwarded to the Investigative Committee, answered with a denial
(no investigation opened), and a report to a UN body still waiting past its deadline.

Every person here is invented. The evidence files and packages are the evidence app's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from corridor.accounts.models import User
from corridor.cases.models import Case, CaseTransition
from corridor.documentation import actions
from corridor.documentation.consent import consent_record, consent_withdraw
from corridor.documentation.deadlines import referral_deadlines_pass
from corridor.documentation.models import Act, Event, Person, Referral, Term, Testimony
from corridor.vault.keyring import current_keyring
from corridor.vault.models import Compartment


@dataclass
class DemoDocumentationSummary:
    events: int = 0
    acts: int = 0
    linked: int = 0
    testimonies: int = 0
    referrals: int = 0
    overdue: int = 0
    killed: list[str] = field(default_factory=list)


def _t(vocabulary: str, key: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, key=key)


@dataclass
class _Desk:
    lawyer: User
    compartment: Compartment
    summary: DemoDocumentationSummary

    def person(
        self, name: str, role: str, *, kind: str = "person", description: str = ""
    ) -> Person:
        return actions.person_create(
            actor_id=self.lawyer.pk,
            compartment=self.compartment,
            name=name,
            role=role,
            kind=kind,
            description=description,
        )

    def act(
        self,
        event: Event,
        victim: Person,
        act_type: str,
        day: date,
        *,
        precision: str = "exact",
        methods: tuple[str, ...] = (),
        status: str = "",
        place: str = "",
        perpetrators: tuple[tuple[Person, str, str], ...] = (),
        consequences: str = "",
        reason: str = "",
    ) -> Act:
        act = actions.act_create(
            actor_id=self.lawyer.pk,
            event=event,
            victim=victim,
            act_type=_t("act_type", act_type),
            methods=[_t("method", key) for key in methods],
            start_precision=precision,
            start_date=day,
            region=_t("region", "ru_ce"),
            exact_place=place,
            victim_status=_t("victim_status", status) if status else None,
            consequences=consequences,
            stated_reason=reason,
        )
        for perpetrator, degree, kind in perpetrators:
            actions.involvement_add(
                actor_id=self.lawyer.pk,
                act=act,
                perpetrator=perpetrator,
                degree=_t("involvement_degree", degree),
                perpetrator_type=_t("perpetrator_type", kind),
            )
        self.summary.acts += 1
        return act

    def consent(
        self, testimony: Testimony, use: str, *, granted: bool = True, anonymised: bool = False
    ) -> None:
        consent_record(
            actor_id=self.lawyer.pk,
            testimony=testimony,
            use=use,
            granted=granted,
            anonymised=anonymised,
            obtained_how="signed_form" if use != "statistics" else "recorded_oral",
            obtained_on=testimony.taken_on,
            obtained_by="Юрист горячей линии",
        )


def _evacuated_cases(north: Compartment, count: int) -> list[Case]:
    """The first men of the demo who were taken out of the region (their cases' persons)."""
    evacuated = CaseTransition.objects.filter(
        case__compartment=north, to_stage="evacuation"
    ).values_list("case_id", flat=True)
    return list(Case.objects.filter(pk__in=evacuated).order_by("created_at")[:count])


def _event(
    desk: _Desk, title: str, *, start: date, end: date, place: str, description: str
) -> Event:
    event = actions.event_create(
        actor_id=desk.lawyer.pk,
        compartment=desk.compartment,
        title=title,
        description=description,
        exact_place=place,
        region=_t("region", "ru_ce"),
        violation_status=_t("violation_status", "confirmed"),
        start_precision="month",
        start_date=start,
        end_precision="month",
        end_date=end,
    )
    desk.summary.events += 1
    return event


def demo_documentation_build(
    *, documentation: Compartment, north: Compartment
) -> DemoDocumentationSummary:
    """Build the documentation; the active keyring is the demo lawyer's (both compartments)."""
    lawyer = User.objects.get(username="lawyer")
    desk = _Desk(lawyer, documentation, DemoDocumentationSummary())
    argun = _event(
        desk,
        "Задержания мужчин в Аргуне, февраль–апрель 2017",
        start=date(2017, 2, 1),
        end=date(2017, 4, 1),
        place="Бывшее здание районного отдела полиции, Аргун",
        description=(
            "Мужчин, подозреваемых в гомосексуальности, задерживали на улице и дома, "
            "свозили в здание бывшего отдела полиции, избивали и пытали током, требуя "
            "назвать знакомых. Родственникам сообщали о причине задержания."
        ),
    )
    grozny = _event(
        desk,
        "Задержания в Грозном, март–апрель 2017",
        start=date(2017, 3, 1),
        end=date(2017, 4, 1),
        place="Здание полка полиции, Грозный",
        description="Вторая волна задержаний по спискам контактов из телефонов задержанных.",
    )
    vanished = _event(
        desk,
        "Исчезновения задержанных, весна 2017",
        start=date(2017, 3, 1),
        end=date(2017, 5, 1),
        place="Неизвестно",
        description="Часть задержанных не вернулась; трое, по данным родственников, убиты.",
    )
    for source, target, kind in ((argun, grozny, "precedes"), (grozny, vanished, "causes")):
        actions.chain_add(
            actor_id=lawyer.pk,
            from_event=source,
            to_event=target,
            chain_type=_t("chain_type", kind),
        )
    unit = desk.person(
        "Патрульно-постовой полк полиции (Аргун)",
        "perpetrator",
        kind="unit",
        description="Сотрудники в форме, на служебных автомобилях",
    )
    commander = desk.person(
        "Начальник подразделения (имя не установлено)",
        "perpetrator",
        description="Руководил допросами, по словам задержанных",
    )
    police = ((unit, "carried_out", "police"), (commander, "ordered", "police"))

    # The men of three demo cases: detained and tortured, released, then evacuated
    survivors = []
    for case in _evacuated_cases(north, 3):
        person = desk.person(case.full_name, "victim", description="Задержан весной 2017")
        actions.person_link_case(
            actor_id=lawyer.pk, keyring=current_keyring(), person=person, case=case
        )
        desk.summary.linked += 1
        survivors.append((person, case))
    # The testimonies are taken when each man came to the hotline (his case's first day)
    days = [timezone.localdate(case.created_at) for _person, case in survivors]
    for index, (person, _case) in enumerate(survivors):
        event = argun if index < 2 else grozny
        taken = date(2017, 3, 10 + index * 7)
        desk.act(
            event,
            person,
            "arbitrary_arrest",
            taken,
            place="Улица у рынка" if index == 0 else "Дома",
            perpetrators=police,
            reason="«Проверка по оперативной информации»",
        )
        desk.act(
            event,
            person,
            "torture",
            taken,
            precision="month",
            methods=("beating", "electric_shock", "verbal_abuse"),
            status="released",
            place="Подвал здания полиции",
            perpetrators=police,
            consequences="Ожоги, переломы рёбер; бессонница, страх выходить из дома",
        )
    desk.act(
        argun,
        survivors[0][0],
        "forced_outing",
        date(2017, 3, 20),
        perpetrators=police,
        consequences="Родственники угрожали расправой",
    )
    desk.act(argun, survivors[1][0], "extortion", date(2017, 3, 25), perpetrators=police)

    # Three men killed, two disappeared (names invented)
    for name, day in (
        ("Абу М.", date(2017, 3, 28)),
        ("Ислам Т.", date(2017, 4, 2)),
        ("Руслан Х.", date(2017, 4, 6)),
    ):
        victim = desk.person(name, "victim")
        desk.act(vanished, victim, "detention", day, perpetrators=police)
        desk.act(
            vanished,
            victim,
            "extrajudicial_execution",
            day,
            precision="month",
            status="dead",
            perpetrators=police,
        )
        desk.summary.killed.append(name)
    missing = []
    for name, day in (("Зелимхан Б.", date(2017, 3, 30)), ("Адлан С.", date(2017, 4, 12))):
        victim = desk.person(name, "victim")
        desk.act(
            vanished,
            victim,
            "enforced_disappearance",
            day,
            status="disappeared",
            perpetrators=police,
        )
        missing.append(victim)
    relative = desk.person("Мать Зелимхана Б.", "witness")

    # Testimonies, each with its own consents; one consent withdrawn
    accounts = [
        "Меня остановили у рынка, посадили в машину и отвезли в здание в Аргуне. "
        "Били, пытали током, требовали назвать других. Через девять дней отпустили, "
        "сказав отцу, кто я.",
        "Задержали дома ночью. В подвале было ещё около двадцати человек. "
        "Отпустили после того, как родственники заплатили.",
        "Забрали по списку из телефона знакомого. Держали две недели, били каждый день.",
    ]
    testimonies = []
    for (person, _case), text, day in zip(survivors, accounts, days, strict=True):
        testimonies.append(
            actions.testimony_create(
                actor_id=lawyer.pk,
                person=person,
                text=text,
                language="ru",
                taken_by="Сотрудник горячей линии",
                taken_on=day,
            )
        )
    witness = actions.testimony_create(
        actor_id=lawyer.pk,
        person=relative,
        text="Сына увезли люди в форме 30 марта. С тех пор о нём ничего не известно.",
        language="ce",
        taken_by="Сотрудник горячей линии",
        taken_on=days[0],
    )
    desk.summary.testimonies = len(testimonies) + 1
    first, second, third = testimonies
    for use in ("court", "international"):
        desk.consent(first, use)
    desk.consent(first, "domestic_authority", anonymised=True)
    desk.consent(first, "media", granted=False)
    desk.consent(second, "international", anonymised=True)
    desk.consent(second, "domestic_authority", anonymised=True)
    consent_withdraw(
        actor_id=lawyer.pk,
        testimony=second,
        use="domestic_authority",
        reason="Боится за родственников, оставшихся в Чечне",
    )
    desk.consent(third, "statistics")
    desk.consent(witness, "statistics")
    desk.consent(witness, "domestic_authority", anonymised=False)
    desk.consent(witness, "international", anonymised=False)
    for event, testimony, connection in (
        (argun, first, "victim"),
        (argun, second, "victim"),
        (grozny, third, "victim"),
        (vanished, witness, "relative"),
    ):
        actions.source_add(
            actor_id=lawyer.pk,
            event=event,
            testimony=testimony,
            connection=_t("source_connection", connection),
            reliability=_t("reliability", "high"),
        )
    actions.source_add(
        actor_id=lawyer.pk,
        event=argun,
        document="Публикация независимой газеты, 1 апреля 2017",
        connection=_t("source_connection", "media"),
        reliability=_t("reliability", "likely"),
    )

    # The referral to the ombudsman, forwarded to the Investigative Committee; and the UN
    demand = _t("intervention_type", "demand_investigation")
    ombudsman = actions.referral_create(
        actor_id=lawyer.pk,
        compartment=documentation,
        intervention_type=demand,
        recipient="Уполномоченный по правам человека в РФ",
        recipient_kind="ombudsman",
        sent_what="Обращение со списком задержанных и исчезнувших, анонимизированное",
        asked="Передать сведения в Следственный комитет и добиться проверки",
        sent_on=date(2017, 4, 20),
        answer_due_on=date(2017, 5, 20),
        owner_id=lawyer.pk,
        events=[argun, grozny, vanished],
        victims=missing,
    )
    actions.referral_answer_add(
        actor_id=lawyer.pk,
        referral=ombudsman,
        received_on=date(2017, 5, 4),
        status_after="closed",
        response=_t("response", "favourable"),
        summary="Сведения о пропавших переданы в Следственный комитет",
        document="Письмо аппарата Уполномоченного от 4 мая 2017",
    )
    committee = actions.referral_create(
        actor_id=lawyer.pk,
        compartment=documentation,
        intervention_type=demand,
        recipient="Следственный комитет Российской Федерации",
        recipient_kind="domestic_authority",
        through="Уполномоченный по правам человека в РФ",
        sent_what="Сообщения о пропавших, переданные Уполномоченным",
        asked="Возбудить уголовное дело, установить местонахождение пропавших",
        sent_on=date(2017, 5, 4),
        answer_due_on=date(2017, 6, 4),
        owner_id=lawyer.pk,
        parent=ombudsman,
        events=[vanished],
        victims=missing,
    )
    actions.referral_answer_add(
        actor_id=lawyer.pk,
        referral=committee,
        received_on=date(2017, 6, 20),
        status_after="refused",
        response=_t("response", "denied"),
        summary=(
            "Проверка не выявила фактов задержаний; оснований для возбуждения "
            "уголовного дела нет. Расследование не начато."
        ),
        document="Ответ СК от 20 июня 2017",
    )
    actions.referral_create(
        actor_id=lawyer.pk,
        compartment=documentation,
        intervention_type=demand,
        recipient="Рабочая группа ООН по насильственным исчезновениям",
        recipient_kind="international",
        sent_what="Сообщения о двух исчезнувших, с согласия родственников",
        asked="Направить запрос правительству о судьбе и местонахождении пропавших",
        sent_on=date(2017, 7, 10),
        answer_due_on=date(2017, 10, 10),
        owner_id=lawyer.pk,
        parent=committee,
        events=[vanished],
        victims=missing,
    )
    desk.summary.referrals = Referral.objects.filter(compartment=documentation).count()
    desk.summary.overdue = referral_deadlines_pass()
    return desk.summary
