"""Behaviour of batch linkage: clustering, chaining, trap flags and explanations."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from corridor.linkage.cluster import ConstrainedClusters
from corridor.linkage.compare import date_level
from corridor.linkage.dates import date_parse
from corridor.linkage.features import Request, features_extract
from corridor.linkage.online import InMemoryKeyIndex, OnlineMatcher
from corridor.linkage.pipeline import link

SAME_MAN = [
    Request("web", "Магомед Хусейнович Магомадов", "+7 928 123-45-67", "03.04.1991"),
    Request("hotline", "MAGOMADOV Mahomed", "8 (928) 123-45-67", ""),
    Request("layout", "Vfujvtl Vfujvfljd", "", "4/3/91"),
]


def test_it_links_one_man_across_channels_scripts_and_layouts() -> None:
    result = link(SAME_MAN)
    assert len({result.cluster_of(i) for i in range(3)}) == 1


def test_it_does_not_merge_namesakes_with_different_birth_dates() -> None:
    requests = [
        Request("a", "Magomed Magomadov", "+7 928 111-11-11", "03.04.1991"),
        Request("b", "Magomed Magomadov", "+7 928 222-22-22", "12.12.1985"),
    ]
    result = link(requests)
    assert result.cluster_of(0) != result.cluster_of(1)


def test_it_does_not_chain_two_namesakes_through_an_undated_request() -> None:
    # Given compatibility that holds for a-c and c-b but not for a-b
    def compatible(left: int, right: int) -> bool:
        return {left, right} != {0, 1}

    clusters = ConstrainedClusters(3, compatible)
    # When c is linked to a strongly and to b as well
    assert clusters.try_merge(0, 2)
    merged = clusters.try_merge(2, 1)
    # Then b stays apart
    assert not merged
    labels = clusters.labels()
    assert labels[0] == labels[2] != labels[1]


def test_it_does_not_chain_in_a_real_batch() -> None:
    requests = [
        Request("a", "Magomed Magomadov", "+7 928 111-11-11", "03.04.1991"),
        Request("c", "Magomed Magomadov", "+7 928 111-11-11", ""),
        Request("c2", "Magomed Magomadov", "+7 928 222-22-22", ""),
        Request("b", "Magomed Magomadov", "+7 928 222-22-22", "12.12.1985"),
    ]
    result = link(requests)
    assert result.cluster_of(0) != result.cluster_of(3)


def test_it_flags_a_phone_behind_different_names_without_linking_them() -> None:
    requests = [*SAME_MAN, Request("trap", "Ruslan Tsoy", "+7 928 123 45 67", "1970-01-01")]
    result = link(requests)
    assert result.cluster_of(3) != result.cluster_of(0)
    assert len(result.flags) == 1
    flag = result.flags[0]
    assert flag.identifier_kind == "phone"
    assert "trap" in flag.record_ids
    assert flag.name_disagreements


def test_it_flags_a_trap_whose_cluster_a_nameless_request_opens() -> None:
    # A nameless request on the victim's phone linked with the trap: the cluster must be
    # represented by the trap's name, not by the request without one (review, 7 December).
    from corridor.linkage.compare import NAME_EXACT, name_level
    from corridor.linkage.identifiers import identifier_flags
    from corridor.linkage.names import name_parse

    names = [name_parse(n) for n in ("Висаитов Зелимхан Ризванович", "", "Магомадов Магомед")]
    flags = identifier_flags(
        ["victim", "nameless", "trap"],
        [("phone:79161234567",)] * 3,
        [0, 1, 1],
        lambda a, b: name_level(names[a], names[b], NAME_EXACT),
        named=[bool(name) for name in names],
    )
    assert [flag.record_ids for flag in flags] == [("victim", "nameless", "trap")]
    assert flags[0].name_disagreements[0][:2] == ("victim", "trap")


def test_it_does_not_flag_a_phone_shared_by_one_person() -> None:
    assert link(SAME_MAN).flags == []


def test_it_explains_a_link_field_by_field() -> None:
    result = link(SAME_MAN)
    explanation = result.explain(0, 1)
    fields = {evidence.field: evidence for evidence in explanation.evidence}
    assert fields["phone"].level == "exact" and fields["phone"].bits > 0
    assert fields["birth_date"].level == "missing" and fields["birth_date"].bits == 0
    assert explanation.probability > 0.5


def test_it_accepts_a_day_month_swap_but_not_another_date() -> None:
    assert date_level(date_parse("03.04.1991"), date_parse("1991-03-04")) == 3
    assert date_level(date_parse("03.04.1991"), date_parse("1985-07-21")) == 0


def test_it_finds_online_matches_through_keyed_hashes_only() -> None:
    key = b"k" * 32

    def keyed_hash(value: str) -> bytes:
        return hmac.new(key, value.encode(), hashlib.sha256).digest()[:16]

    index = InMemoryKeyIndex()
    matcher = OnlineMatcher(keyed_hash, index)
    stored = {request.record_id: features_extract(request) for request in SAME_MAN[:2]}
    stored["other"] = features_extract(
        Request("other", "Ruslan Tsoy", "+7 900 000 00 00", "1970-01-01")
    )
    for record_id, features in stored.items():
        matcher.add(record_id, features)
    assert all(isinstance(k, bytes) for k in index._postings)
    assert not any(b"magomadov" in k.lower() for k in index._postings)

    matches = matcher.query(features_extract(SAME_MAN[2]), lambda ids: {i: stored[i] for i in ids})
    assert [match.record_id for match in matches] == ["web"]
    assert matches[0].explanation.evidence


def test_it_keeps_requests_from_one_phone_together_despite_two_mistakes_apart() -> None:
    # Given three requests from one phone: "Fkbtd Fgnb" is "Алиев Апти" typed on a Latin
    # layout, and the first and the last share no name word, each alike only to the middle one
    requests = [
        Request("a", "ALIEV Husejnovič", "89179088619", "4/5/78"),
        Request("b", "Fkbtd Fgnb", "8-917-9088619", "1978-04-05"),
        Request("c", "Apti Khuseynovich", "8 (917) 908-86-19", "05.04.1978"),
    ]
    # When they are linked
    result = link(requests)
    # Then the names that differ between a and c do not keep them apart: one phone, one date
    assert len({result.cluster_of(i) for i in range(3)}) == 1
    # And a request from that phone under another name and another date is still not merged,
    # and is flagged
    trap = Request("trap", "Ruslan Tsoy", "8 917 908 86 19", "1970-01-01")
    result = link([*requests, trap])
    assert result.cluster_of(3) != result.cluster_of(0)
    assert [flag.identifier_kind for flag in result.flags] == ["phone"]


def test_it_weighs_a_shared_name_as_the_online_query_does() -> None:
    # Given twenty requests, two of them with one rare name and nothing else in common
    names = ["Зелимхан Висаитов", *(f"Person{chr(65 + i)} Family{chr(75 + i)}" for i in range(18))]
    requests = [Request(f"r{i}", name, "", "") for i, name in enumerate(names)]
    requests.append(Request("again", "Зелимхан Висаитов", "", ""))
    # When the batch links them, and the online matcher queries the last one against the rest
    result = link(requests)
    batch_bits = result.explain(0, len(requests) - 1).evidence[0].bits
    matcher = OnlineMatcher(lambda key: key.encode(), InMemoryKeyIndex(), model=result.model)
    stored = {request.record_id: features_extract(request) for request in requests[:-1]}
    for record_id, features in stored.items():
        matcher.add(record_id, features)
    found = matcher.query(
        features_extract(requests[-1]), lambda ids: {i: stored[i] for i in ids}, minimum=0.0
    )
    # Then both count the records carrying the name other than the one being matched: the
    # same weight for the name, not a batch that counts the pair's own record against it
    assert [match.record_id for match in found] == ["r0"]
    assert found[0].explanation.evidence[0].bits == pytest.approx(batch_bits, abs=0.01)


@pytest.mark.parametrize(
    ("requests", "apart"),
    [
        (  # a trap under another name with no date, bridged by a request naming both
            [
                Request("victim", "Алиев Апти", "89179088619", "05.04.1978"),
                Request("trap", "Руслан Цой", "89179088619", ""),
                Request("bridge", "Алиев Апти Руслан Цой", "89179088619", ""),
            ],
            ("victim", "trap"),
        ),
        (  # a mother and her son on one phone, and a request with the surname alone
            [
                Request("son", "Петров Иван", "89179088619", ""),
                Request("mother", "Петрова Мария", "89179088619", "01.02.1960"),
                Request("surname", "Петров", "89179088619", ""),
            ],
            ("son", "mother"),
        ),
        (  # twins: one phone, one birthday, and a request with the surname alone
            [
                Request("ivan", "Иван Петров", "89179088619", "01.01.1990"),
                Request("petr", "Пётр Петров", "89179088619", "01.01.1990"),
                Request("surname", "Петров", "89179088619", ""),
            ],
            ("ivan", "petr"),
        ),
        (  # brothers: one phone, one patronymic
            [
                Request("ivan", "Иван Петров Сергеевич", "89179088619", ""),
                Request("petr", "Пётр Петров Сергеевич", "89179088619", ""),
                Request("surname", "Петров Сергеевич", "89179088619", ""),
            ],
            ("ivan", "petr"),
        ),
        (  # a trap that gives its victim's phone and birth date, bridged
            [
                Request("victim", "Алиев Апти", "89179088619", "05.04.1978"),
                Request("trap", "Руслан Цой", "89179088619", "05.04.1978"),
                Request("bridge", "Алиев Апти Руслан Цой", "89179088619", ""),
            ],
            ("victim", "trap"),
        ),
    ],
)
def test_it_does_not_draw_other_names_on_one_phone_into_one_cluster(
    requests: list[Request], apart: tuple[str, str]
) -> None:
    # When requests from one phone are linked, some under names that are not alike
    result = link(requests)
    index = {request.record_id: i for i, request in enumerate(requests)}
    # Then the two names stay in two clusters, and the phone is flagged
    assert result.cluster_of(index[apart[0]]) != result.cluster_of(index[apart[1]])
    assert [flag.identifier_kind for flag in result.flags] == ["phone"]


@pytest.mark.parametrize(
    "requests",
    [
        [  # twins: one phone, one birthday, one patronymic, names two letters apart
            Request("madina", "Исаева Мадина Руслановна", "89179088619", "12.03.1995"),
            Request("malika", "Исаева Малика Руслановна", "+7 917 908-86-19", "1995-03-12"),
        ],
        [  # brothers on one phone, the younger giving a year only
            Request("isa", "Магомадов Иса Ахмедович", "89179088619", "02.05.1988"),
            Request("musa", "Magomadov Musa Akhmedovich", "89179088619", "1990"),
        ],
        [  # brothers whose whole names read 86% alike with the spaces taken out
            Request("islam", "Алиев Ислам Хусейнович", "89179088619", "1991"),
            Request("adam", "Алиев Адам Хусейнович", "89179088619", "1981"),
        ],
        [  # twins again, one of them giving her patronymic's initial
            Request("madina", "Исаева Мадина", "89179088619", "12.03.1995"),
            Request("malika", "Исаева Малика Р.", "89179088619", "12.03.1995"),
        ],
    ],
)
def test_it_keeps_apart_siblings_on_one_phone_whose_given_names_read_alike(
    requests: list[Request],
) -> None:
    # When two requests from one phone give one surname and patronymic and two different
    # given names, a letter or two apart
    result = link(requests)
    # Then they are two people, not one with a typo, and the phone is flagged
    assert result.cluster_of(0) != result.cluster_of(1)
    assert [flag.identifier_kind for flag in result.flags] == ["phone"]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Магомадова Залина", "Magomadova Zaina"),  # a typo the repair reads as Zainab
        ("Иванов Александр Петрович", "Ivanov Alexander Petrovich"),  # one name group
        ("Исаев Абдулла", "Isaev Abdallah"),  # one group, not Abd- and a rest
        ("Беслан Исаев", "Бислан Исаев"),  # two listed spellings of one name
        ("Элина Исаева", "Елена Исаева"),  # a letter apart: a typo as likely as a sister
        ("Ми лана Исаева", "Милана Исаева"),  # a stray space leaves Лиана behind
        ("Дадаев Ахмед Исламович", "Dadayev Ahad Islamovich"),  # a letter from Ahmad
    ],
)
def test_it_still_links_a_given_name_that_a_typo_brings_near_another(left: str, right: str) -> None:
    # Given one woman's or man's requests from one phone, the given name mistyped or spelt
    # another way on one of them
    requests = [
        Request("a", left, "89179088619", "12.03.1995"),
        Request("b", right, "+79179088619", "12.03.1995"),
    ]
    # When they are linked
    result = link(requests)
    # Then they are one person: only names spelt as they are known, two letters or more
    # apart, count as two names
    assert result.cluster_of(0) == result.cluster_of(1)
    assert result.flags == []
