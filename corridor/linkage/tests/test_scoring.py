"""Frequency-aware scoring, the prior's scale, name repairs and parallel comparison."""

from __future__ import annotations

import random

import pytest

from corridor.linkage import parallel
from corridor.linkage.compare import (
    DATE_YEAR_MISTYPED,
    NAME_SIMILAR,
    date_level,
    name_similarity_level,
)
from corridor.linkage.dates import date_parse
from corridor.linkage.features import Request, features_extract, features_extract_all
from corridor.linkage.model import prior_from_evidence
from corridor.linkage.names import name_parse
from corridor.linkage.online import default_model
from corridor.linkage.pairs import Blocks, compare_blocks, pattern_code, pattern_of_code
from corridor.linkage.pipeline import BatchLinker, link


def test_it_weighs_agreement_on_a_rare_name_above_a_common_one() -> None:
    model = default_model()
    common = model.pair_bits((5, -1, -1, -1), (1 / 40, 0.0, 0.0, 0.0))
    rare = model.pair_bits((5, -1, -1, -1), (1 / 50_000, 0.0, 0.0, 0.0))
    assert rare - common == pytest.approx(10.29, abs=0.01)  # log2(50000 / 40)


def test_it_explains_the_frequency_adjusted_weight() -> None:
    model = default_model()
    explanation = model.explain((5, -1, -1, -1), (1 / 40, 0.0, 0.0, 0.0))
    assert explanation.evidence[0].bits == pytest.approx(model.exact_bits(0, 1 / 40))
    assert explanation.total_bits == pytest.approx(
        model.pair_bits((5, -1, -1, -1), (1 / 40, 0.0, 0.0, 0.0))
    )


def test_it_makes_the_prior_smaller_as_the_batch_grows() -> None:
    # The same candidate evidence among ten times more records: a shared name is ten times
    # likelier to be a coincidence, so the prior must fall about tenfold.
    evidence = [30.0] * 5_000 + [5.0] * 50_000
    small = prior_from_evidence(evidence, 100_000)
    large = prior_from_evidence(evidence, 1_000_000)
    assert small / large == pytest.approx(100, rel=0.2)  # matches fixed, pairs x100


def test_it_does_not_link_namesakes_in_a_small_batch() -> None:
    # Thirty different men called Magomed Magomadov, in five spellings, some with a phone, a
    # full date or a year: in a batch this small the name's share is mostly the smoothing's,
    # so it reads as rarer than it is, and only the prior's cap keeps them apart (with the
    # batch's own prior, five pairs of them were linked: decision 0028, fifth pass).
    rng = random.Random(30)
    spellings = ["Магомадов Магомед", "Magomadov Magomed", "Магомед Магомадов", "Mahomed Magomadov"]
    fathers = ["Ахмедович", "Русланович", "Исаевич", "Магомедович"]
    requests = []
    for i in range(30):
        year = rng.randint(1960, 2005)
        day = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"
        draw = rng.random()
        birth = day if draw < 0.5 else (str(year) if draw < 0.8 else "")
        phone = f"+79{rng.randrange(10**9):09d}" if rng.random() < 0.6 else ""
        name = rng.choice([*spellings, f"Магомадов Магомед {rng.choice(fathers)}"])
        requests.append(Request(f"n{i}", name, phone, birth))
    requests += [
        Request("a", "Mahomed Magomadov", "+79304532739", "1962"),
        Request("b", "Магомадов Магомед Ахмедович", "", "02.08.1962"),
    ]
    result = link(requests)
    assert len(set(result.labels)) == len(requests)


def test_it_does_not_link_a_common_name_alone_in_a_large_batch() -> None:
    rng = random.Random(7)
    requests = [
        Request(f"m{i}", "Magomed Magomadov", f"+7 928 {rng.randrange(10**7):07d}", "")
        for i in range(30)
    ]
    result = link(requests)
    assert len(set(result.labels)) == 30


def test_it_repairs_a_typo_in_a_grouped_name() -> None:
    assert name_parse("Gfusein Akhmadov").tokens == name_parse("Хусейн Ахмадов").tokens
    assert name_parse("KHASANOV aMgomed").tokens == name_parse("Mohammed Khasanov").tokens


def test_it_keeps_a_compound_prefix_apart_from_a_surname_or_patronymic() -> None:
    assert name_parse("Said Dadayev").tokens == name_parse("Дадаев Саид").tokens
    assert name_parse("Ахмадов Саид Ахмедович").patronymic
    assert name_parse("Abdul Kerim Batukaev").tokens == name_parse("Абдул-Керим Батукаев").tokens


def test_it_sees_a_compound_written_apart_as_similar() -> None:
    apart = name_parse("Musaev Turpal Ali").tokens
    joined = name_parse("Турпалали Мусаев").tokens
    assert apart != joined
    assert name_similarity_level(apart, joined) == NAME_SIMILAR
    # written with both capitals, the two words are read apart (issue 15): the same name
    assert name_parse("ТурпалАли Мусаев").tokens == apart


def test_it_tells_a_mistyped_year_from_another_date() -> None:
    assert date_level(date_parse("03.04.1991"), date_parse("1990-04-03")) == DATE_YEAR_MISTYPED
    assert date_level(date_parse("03.04.1991"), date_parse("03.04.1971")) == DATE_YEAR_MISTYPED
    assert date_level(date_parse("03.04.1991"), date_parse("03.04.1975")) == 0


def test_it_packs_every_pattern_reversibly() -> None:
    for pattern in [(-1, -1, -1, -1), (6, 2, 5, 2), (0, -1, 3, 1)]:
        assert pattern_of_code(pattern_code(pattern)) == pattern


def _features(count: int) -> list[Request]:
    rng = random.Random(3)
    names = ["Magomed Magomadov", "Ruslan Arsanov", "Zarema Umarova", "Ислам Дудаев"]
    return [
        Request(
            f"r{i}",
            rng.choice(names),
            f"+7 928 000-00-{rng.randrange(40):02d}" if rng.random() < 0.7 else "",
            f"0{rng.randrange(1, 4)}.04.1991" if rng.random() < 0.7 else "",
        )
        for i in range(count)
    ]


def test_it_compares_each_candidate_pair_once() -> None:
    linker = BatchLinker([features_extract(r) for r in _features(300)])
    pairs, _ = linker.compared_pairs()
    assert len(pairs) == len(set(pairs))
    assert all(pair >> 24 < pair & (1 << 24) - 1 for pair in pairs)


def test_it_finds_the_same_pairs_in_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = _features(300)
    linker = BatchLinker([features_extract(r) for r in requests])
    serial_blocks = linker.blocks()
    serial = linker.compared_pairs()
    serial_random = linker.random_patterns(2_000)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    forked_features = features_extract_all(requests)
    assert forked_features == linker.features
    forked_blocks = BatchLinker(forked_features).blocks()
    assert _block_sets(forked_blocks) == _block_sets(serial_blocks)
    in_workers = compare_blocks(forked_blocks, linker.pattern, 300)
    assert sorted(zip(*in_workers, strict=True)) == sorted(zip(*serial, strict=True))
    # And the random pairs that estimate u are the same pairs, compared in the workers
    assert sorted(BatchLinker(forked_features).random_patterns(2_000)) == sorted(serial_random)


def _block_sets(blocks: Blocks) -> list[tuple[int, ...]]:
    return sorted(
        tuple(blocks.members[blocks.starts[b] : blocks.ends[b]]) for b in range(len(blocks))
    )
