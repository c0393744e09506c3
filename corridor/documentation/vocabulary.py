"""The built-in vocabularies: key, HURIDOCS code, English and Russian labels.

Codes are the 12-digit codes of the HURIDOCS micro-thesauri (2001 edition) that the Events
Standard Formats fields use: act types are micro-thesaurus 4, methods of violence 5, the
victim's status at the end of an act 25, perpetrator types 24, degrees of involvement 18,
source connection 19, reliability 42, violation status 41, chains of events 22, types of
intervention 20, responses 27. Regions carry their ISO 3166-2 code (a local geographical
area under HURIDOCS' "Russian Federation", 040150000000). An empty code marks a term HURIDOCS
has no code for (decision 0019); exports carry the key and labels for it.

`migrations/0002_terms.py` loads these once; `terms_load` adds the ones a later version
brings and leaves the organisation's edits alone. The keys are stable: code refers to them.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class BuiltinTerm(NamedTuple):
    vocabulary: str
    key: str
    code: str
    label_en: str
    label_ru: str


def _terms(vocabulary: str, rows: list[tuple[str, str, str, str]]) -> list[BuiltinTerm]:
    return [BuiltinTerm(vocabulary, *row) for row in rows]


HURIDOCS_RUSSIAN_FEDERATION = "040150000000"

BUILTIN_TERMS: list[BuiltinTerm] = [
    *_terms(
        "act_type",
        [
            ("arbitrary_arrest", "030101000000", "Arbitrary arrest", "Произвольный арест"),
            (
                "detention",
                "030102000000",
                "Arbitrary detention, imprisonment",
                "Произвольное задержание, лишение свободы",
            ),
            (
                "incommunicado_detention",
                "",
                "Incommunicado or secret detention",
                "Содержание без связи с внешним миром или в тайном месте",
            ),
            ("torture", "020111110000", "Torture", "Пытки"),
            ("rape", "020111010000", "Rape", "Изнасилование"),
            ("sexual_violence", "020111030000", "Sexual violence", "Сексуальное насилие"),
            ("physical_assault", "020101000000", "Physical assault", "Избиение"),
            (
                "psychological_assault",
                "020103000000",
                "Psychological pressure, harassment",
                "Психологическое давление, преследование",
            ),
            ("killing", "010101000000", "Deliberate killing", "Умышленное убийство"),
            (
                "extrajudicial_execution",
                "010101020000",
                "Extra-judicial execution",
                "Внесудебная казнь",
            ),
            (
                "death_in_custody",
                "010106010000",
                "Death in detention or police custody",
                "Смерть под стражей",
            ),
            (
                "enforced_disappearance",
                "030103000000",
                "Enforced disappearance",
                "Насильственное исчезновение",
            ),
            ("abduction", "030104000000", "Abduction, kidnapping", "Похищение"),
            ("threats", "020103010000", "Threats", "Угрозы"),
            ("death_threats", "020103020000", "Death threats", "Угрозы убийством"),
            ("extortion", "", "Extortion", "Вымогательство"),
            (
                "forced_outing",
                "",
                "Forced outing to the family",
                "Принудительное раскрытие ориентации перед семьёй",
            ),
            (
                "forced_confession",
                "",
                "Forced confession or filmed humiliation",
                "Принуждение к признанию или унижение на камеру",
            ),
            (
                "expulsion",
                "050102000000",
                "Expulsion, forced exile",
                "Изгнание, принудительная высылка",
            ),
            ("illegal_search", "040101000000", "Illegal search or raid", "Незаконный обыск"),
        ],
    ),
    *_terms(
        "method",
        [
            ("beating", "030100000000", "Beating", "Избиение"),
            (
                "blows_with_objects",
                "030102000000",
                "Blows with rifle butts, sticks or whips",
                "Удары прикладами, палками, плетьми",
            ),
            ("electric_shock", "030800000000", "Electric shock", "Пытки током"),
            ("asphyxiation", "030900000000", "Asphyxiation", "Удушение"),
            ("burns", "030400000000", "Burns", "Ожоги"),
            ("rape", "030500000000", "Rape", "Изнасилование"),
            ("sexual_threats", "030602000000", "Sexual threats", "Угрозы сексуального насилия"),
            ("forced_postures", "031100000000", "Forced postures", "Принудительные позы"),
            (
                "deprivation",
                "031500000000",
                "Deprivation of food, water, sleep or care",
                "Лишение пищи, воды, сна или помощи",
            ),
            ("isolation", "031800000000", "Isolation", "Изоляция"),
            (
                "psychological_torture",
                "032000000000",
                "Psychological torture and ill-treatment",
                "Психологические пытки и жестокое обращение",
            ),
            ("verbal_abuse", "032101000000", "Verbal abuse", "Оскорбления"),
            ("nakedness", "032102000000", "Forced nakedness", "Принудительное раздевание"),
            (
                "forced_degrading_acts",
                "032103000000",
                "Forced to act in a degrading way",
                "Принуждение к унизительным действиям",
            ),
            (
                "threats_to_family",
                "032202000000",
                "Threats against the victim's family",
                "Угрозы семье жертвы",
            ),
            ("death_threats", "032300000000", "Death threats", "Угрозы убийством"),
            ("shooting", "010100000000", "Shooting", "Расстрел"),
        ],
    ),
    *_terms(
        "victim_status",
        [
            ("dead", "010100000000", "Dead", "Погиб"),
            ("injured", "010200000000", "Wounded or injured", "Ранен или травмирован"),
            ("disappeared", "010300000000", "Still missing", "Пропал без вести"),
            (
                "found",
                "010400000000",
                "Found after missing for some time",
                "Найден после исчезновения",
            ),
            ("released", "020100000000", "Released or escaped", "Освобождён или бежал"),
            ("still_detained", "020200000000", "Still detained", "Остаётся под стражей"),
            ("exiled", "030200000000", "Exiled or deported", "Выслан"),
            ("displaced", "030300000000", "Displaced, still in flight", "Вынужден скрываться"),
            ("unknown", "", "Unknown", "Неизвестно"),
        ],
    ),
    *_terms(
        "perpetrator_type",
        [
            (
                "national_officials",
                "010101000000",
                "National-level officials",
                "Федеральные должностные лица",
            ),
            ("local_authorities", "010102000000", "Local authorities", "Местные власти"),
            ("military", "010103000000", "Military, armed forces", "Военные, силовые структуры"),
            ("police", "010104000000", "Police", "Полиция"),
            ("prison_officials", "010105000000", "Prison officials", "Сотрудники мест заключения"),
            (
                "security_services",
                "010106000000",
                "Security services, intelligence",
                "Спецслужбы",
            ),
            ("judiciary", "010300000000", "Judiciary", "Судебная власть"),
            (
                "pro_government_forces",
                "020100000000",
                "Pro-government armed groups",
                "Проправительственные вооружённые формирования",
            ),
            ("family", "", "Family members", "Члены семьи"),
            ("private_individuals", "", "Private individuals", "Частные лица"),
            ("unknown", "", "Unknown", "Неизвестно"),
        ],
    ),
    *_terms(
        "involvement_degree",
        [
            ("carried_out", "010100000000", "Carried out the act", "Непосредственно совершил"),
            ("ordered", "010200000000", "Ordered the act", "Отдал приказ"),
            ("accomplice", "010300000000", "Passive accomplice", "Пассивный соучастник"),
            ("present", "010400000000", "Present during the act", "Присутствовал"),
            ("planned", "010500000000", "Planned the act", "Спланировал"),
            ("suspected", "010600000000", "Suspected of involvement", "Подозревается"),
            (
                "failed_to_protect",
                "050000000000",
                "State agent who failed to protect",
                "Представитель государства, не обеспечивший защиту",
            ),
        ],
    ),
    *_terms(
        "source_connection",
        [
            ("victim", "010100000000", "The victim", "Сама жертва"),
            ("witness", "010200000000", "Witness", "Свидетель"),
            ("perpetrator", "010300000000", "Perpetrator", "Исполнитель"),
            ("relative", "020101000000", "Relative of the victim", "Родственник жертвы"),
            (
                "third_party",
                "030000000000",
                "Third party relaying others' accounts",
                "Третье лицо со слов других",
            ),
            ("media", "030100000000", "Reporter, media", "Журналист, СМИ"),
            ("lawyer", "040100000000", "Lawyer", "Юрист"),
            ("medical", "040200000000", "Medical professional", "Медицинский работник"),
            ("official_document", "", "Official document", "Официальный документ"),
        ],
    ),
    *_terms(
        "reliability",
        [
            ("high", "010000000000", "Highly reliable", "Высокая достоверность"),
            ("likely", "020000000000", "Likely reliable", "Вероятно достоверно"),
            ("unsure", "030000000000", "Unsure", "Достоверность неясна"),
            ("doubtful", "040000000000", "Likely unreliable", "Вероятно недостоверно"),
            ("unreliable", "050000000000", "Unreliable", "Недостоверно"),
        ],
    ),
    *_terms(
        "violation_status",
        [
            ("confirmed", "010100000000", "Confirmed as a violation", "Нарушение подтверждено"),
            (
                "similar",
                "010200000000",
                "Confirmed as an act similar to a violation",
                "Подтверждено деяние, сходное с нарушением",
            ),
            ("not_violation", "010300000000", "Confirmed as not a violation", "Не нарушение"),
            ("likely", "020000000000", "Likely", "Вероятно"),
            ("possible", "030000000000", "Possible", "Возможно"),
            ("unlikely", "040000000000", "Unlikely", "Маловероятно"),
        ],
    ),
    *_terms(
        "chain_type",
        [
            (
                "precedes",
                "010000000000",
                "Precedes a related event",
                "Предшествует связанному событию",
            ),
            (
                "encompasses",
                "020000000000",
                "Encompasses smaller events",
                "Включает более мелкие события",
            ),
            ("causes", "030000000000", "Causes another event", "Вызывает другое событие"),
        ],
    ),
    *_terms(
        "intervention_type",
        [
            (
                "demand_investigation",
                "020100000000",
                "Demand for investigation",
                "Требование провести расследование",
            ),
            (
                "petition_overturn",
                "020200000000",
                "Petition to overturn a decision",
                "Обжалование решения",
            ),
            ("legal_aid", "010200000000", "Legal aid", "Юридическая помощь"),
            ("medical_aid", "010300000000", "Medical aid", "Медицинская помощь"),
            ("publicity", "010400000000", "Publicity about the victim", "Огласка"),
            (
                "confidential_contacts",
                "010500000000",
                "Confidential contacts to obtain relief",
                "Конфиденциальные обращения",
            ),
            (
                "request_assistance",
                "010600000000",
                "Request to others for assistance",
                "Просьба о помощи к другим организациям",
            ),
        ],
    ),
    *_terms(
        "response",
        [
            (
                "favourable",
                "010000000000",
                "Responded, with favourable results",
                "Ответ с положительным результатом",
            ),
            ("pledged", "020000000000", "Pledged to act", "Обещание принять меры"),
            ("denied", "030100000000", "Denied the event", "Отрицание произошедшего"),
            (
                "obstructed",
                "030200000000",
                "Took steps to obstruct the intervention",
                "Противодействие обращению",
            ),
            (
                "more_information",
                "040000000000",
                "Asked for more information",
                "Запрос дополнительных сведений",
            ),
            ("token", "050000000000", "Token response", "Формальная отписка"),
        ],
    ),
    *_terms(
        "region",
        [
            ("ru_ce", "RU-CE", "Chechen Republic", "Чеченская Республика"),
            ("ru_in", "RU-IN", "Republic of Ingushetia", "Республика Ингушетия"),
            ("ru_da", "RU-DA", "Republic of Dagestan", "Республика Дагестан"),
            ("ru_kb", "RU-KB", "Kabardino-Balkar Republic", "Кабардино-Балкарская Республика"),
            (
                "ru_se",
                "RU-SE",
                "Republic of North Ossetia–Alania",
                "Республика Северная Осетия — Алания",
            ),
            ("ru_sta", "RU-STA", "Stavropol Krai", "Ставропольский край"),
            ("ru_mow", "RU-MOW", "Moscow", "Москва"),
            ("ru_mos", "RU-MOS", "Moscow Oblast", "Московская область"),
            ("ru_spe", "RU-SPE", "Saint Petersburg", "Санкт-Петербург"),
            ("ru_other", "", "Another region of Russia", "Другой регион России"),
            ("abroad", "", "Outside Russia", "За пределами России"),
        ],
    ),
]


def terms_load(term_model: Any) -> int:
    """Create every built-in term not yet in the table (by vocabulary and key); returns how
    many were added. Terms already there, and the organisation's own, are left as they are."""
    existing = set(term_model.objects.values_list("vocabulary", "key"))
    added = [
        term_model(
            vocabulary=term.vocabulary,
            key=term.key,
            code=term.code,
            label_en=term.label_en,
            label_ru=term.label_ru,
            position=position,
            builtin=True,
        )
        for position, term in enumerate(BUILTIN_TERMS)
        if (term.vocabulary, term.key) not in existing
    ]
    term_model.objects.bulk_create(added)
    return len(added)
