"""Batch linkage: from a list of requests to clusters, a fitted model and trap flags.

The steps are the classic ones (normalise, block, compare, estimate, score, cluster) with two
choices that matter for speed in pure Python: every record is normalised once, and blocks are
found by sorting packed integers rather than by a dictionary of lists, which keeps a million
records within memory.
"""

from __future__ import annotations

import gc
import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from corridor.linkage.blocking import blocking_keys
from corridor.linkage.cluster import ConstrainedClusters, cluster_edges
from corridor.linkage.compare import (
    DATE_EXACT,
    MISSING,
    NAME_COMPATIBLE,
    NAME_EXACT_RARE,
    PATRONYMIC_EXACT,
    PHONE_EXACT,
    Pattern,
    compare,
    name_exact_level,
    names_complementary,
)
from corridor.linkage.features import Features, Request, features_extract_all
from corridor.linkage.identifiers import IdentifierFlag, identifier_flags
from corridor.linkage.model import (
    DEFAULT_M,
    FUZZY_NAME_LEVELS,
    TF_LEVELS,
    Explanation,
    LinkageModel,
    m_estimate_session,
    prior_from_evidence,
    u_estimate,
    value_share,
)
from corridor.linkage.names import ParsedName
from corridor.linkage.pairs import (
    INDEX_BITS,
    INDEX_MASK,
    Blocks,
    blocks_build,
    compare_blocks,
    pattern_code,
    pattern_of_code,
)
from corridor.linkage.parallel import forked

Progress = Callable[[str], None]

#: Pairs drawn at random to estimate u.
U_SAMPLE_PAIRS = 200_000
#: Log2-odds above which a pair is an edge for clustering: a match probability of one half.
LINK_BITS = 0.0
#: EM sessions, each over the pairs that agree on some fields at given levels, training the
#: others: pairs with the same phone train name, patronymic and date; pairs with the same
#: full birth date and the same name then train the phone. (The date alone is not enough in
#: a large batch: most pairs of namesakes-by-similarity born the same day are different
#: people, and EM then takes their different phones for normal.)
TRAINING_SESSIONS: tuple[dict[int, tuple[int, ...]], ...] = (
    {3: (2,)},
    {2: (4,), 0: (4, 5, 6)},
)


def _silent(_: str) -> None:
    return None


@dataclass
class LinkResult:
    """Clusters and what produced them."""

    record_ids: list[str]
    labels: list[int]
    model: LinkageModel
    flags: list[IdentifierFlag]
    candidate_pairs: int
    refused_merges: int
    _linker: BatchLinker

    def cluster_of(self, index: int) -> str:
        return self.record_ids[self.labels[index]]

    def explain(self, left: int, right: int) -> Explanation:
        """Why records `left` and `right` (indices) were or were not linked."""
        return self.model.explain(
            self._linker.pattern(left, right), self._linker.shares(left, right)
        )


def _shares(values: list[str], counts: Counter[str], records: int) -> list[float]:
    """Every record's `value_share` of its value among the *other* records (missing values
    count as never seen).

    The weight of agreeing on a value is how rarely another record carries it, so a record
    does not count itself: a name seen twice is the pair's own, not a name two in ten thousand
    carry besides. The online query counts a name the same way (the stored records, not the
    query).
    """
    by_value = {value: value_share(count - 1, records) for value, count in counts.items()}
    missing = value_share(0, records)
    return [by_value.get(value, missing) for value in values]


class BatchLinker:
    """Holds the normalised records and compares them by index."""

    def __init__(self, features: list[Features]) -> None:
        self.features = features
        keys = [f.name.key for f in features]
        patronymic_of = [f.name.patronymic for f in features]
        phone_of = [f.phone for f in features]
        names, patronymics, phones = (Counter(values) for values in (keys, patronymic_of, phone_of))
        for counts in (names, patronymics, phones):
            del counts[""]  # the field is missing
        total = max(len(features), 1)
        # One level and one share per distinct value, then looked up per record.
        levels = {key: name_exact_level(count / total) for key, count in names.items()}
        self._exact_level = [levels.get(key, NAME_EXACT_RARE) for key in keys]
        # A value's share among the records that have the field: m and u are both taken
        # given that both sides of a pair have it.
        named, with_patronymic, with_phone = (
            sum(counts.values()) for counts in (names, patronymics, phones)
        )
        self.name_share = _shares(keys, names, named)
        self.name_mean_share = sum(count * count for count in names.values()) / max(named, 1) ** 2
        self.patronymic_share = _shares(patronymic_of, patronymics, with_patronymic)
        self.phone_share = _shares(phone_of, phones, with_phone)

    def shares(self, left: int, right: int) -> tuple[float, float, float, float]:
        """How common the pair's name (the commoner), patronymic, (date) and phone are."""
        return (
            max(self.name_share[left], self.name_share[right]),
            self.patronymic_share[left],
            0.0,
            self.phone_share[left],
        )

    def pattern(self, left: int, right: int) -> Pattern:
        a, b = self.features[left], self.features[right]
        return compare(a.name, b.name, self._exact_level[left], a.birth, b.birth, a.phone, b.phone)

    def blocks(self) -> Blocks:
        features = self.features
        return blocks_build(lambda index: blocking_keys(features[index]), len(features))

    def compared_pairs(self, progress: Progress = _silent) -> tuple[array[int], array[int]]:
        """Every candidate pair once (left << 24 | right) and its pattern code."""
        blocks = self.blocks()
        progress(f"blocking: {len(blocks)} blocks, {len(blocks.members)} memberships")
        return compare_blocks(blocks, self.pattern, len(self.features))

    def candidate_pairs(self, progress: Progress = _silent) -> list[int]:
        """Pairs sharing a blocking key, packed as left << 24 | right, ascending."""
        return sorted(self.compared_pairs(progress)[0])

    def random_patterns(self, count: int, seed: int = 20170401) -> list[Pattern]:
        """Patterns of `count` pairs drawn at random (a pair of one record with itself is
        dropped), compared on every core in a large batch."""
        rng = random.Random(seed)  # noqa: S311 - sampling pairs for statistics, not secrets
        size = len(self.features)
        drawn = [
            (left, right)
            for left, right in ((rng.randrange(size), rng.randrange(size)) for _ in range(count))
            if left != right
        ]
        shares = forked(
            lambda worker, workers: array(
                "H", (pattern_code(self.pattern(a, b)) for a, b in drawn[worker::workers])
            ).tobytes(),
            size,
        )
        codes = array("H")
        for share in shares:
            codes.frombytes(share)
        patterns = {code: pattern_of_code(code) for code in set(codes)}
        return [patterns[code] for code in codes]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the duration of a batch run.

    A run builds millions of small objects that live until it ends and hold no cycles;
    with the collector on, its full passes walk all of them again and again (16 s of
    155 s at a million records).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def link(requests: Sequence[Request], progress: Progress = _silent) -> LinkResult:
    """Link a batch of requests into clusters of one person each."""
    with _collector_paused():
        return _link(requests, progress)


def _link(requests: Sequence[Request], progress: Progress) -> LinkResult:
    features = features_extract_all(requests)
    progress(f"normalised {len(features)} records")
    linker = BatchLinker(features)
    pairs, codes = linker.compared_pairs(progress)
    progress(f"compared {len(pairs)} candidate pairs")
    model, evidence = fit_model(linker, pairs, codes)
    progress("clustering")
    edges = _edges(model, pairs, codes, evidence)
    del evidence
    clusters = cluster_edges(
        len(features),
        edges,
        lambda a, b: _may_share_cluster(
            model, linker.pattern(a, b), features[a].name, features[b].name
        ),
    )
    labels = clusters.labels()
    record_ids = [request.record_id for request in requests]
    flags = identifier_flags(
        record_ids,
        [f.identifiers for f in features],
        labels,
        lambda a, b: linker.pattern(a, b)[0],
        named=[bool(f.name) for f in features],
    )
    return LinkResult(record_ids, labels, model, flags, len(pairs), clusters.refused, linker)


def fit_model(
    linker: BatchLinker, pairs: array[int], codes: array[int]
) -> tuple[LinkageModel, array[float]]:
    """Estimate u from random pairs, m by EM over the candidate pairs, then the prior.

    Returns the model and every candidate pair's evidence (log2 likelihood ratio, frequency
    adjusted, prior excluded), in the order of `pairs`.
    """
    size = len(linker.features)
    sample_size = min(U_SAMPLE_PAIRS, size * (size - 1) // 2)
    u = u_estimate(linker.random_patterns(sample_size)) if size > 1 else u_estimate([])
    m = [list(levels) for levels in DEFAULT_M]
    counted = Counter({pattern_of_code(code): n for code, n in Counter(codes).items()})
    for session in TRAINING_SESSIONS:
        selected = Counter(
            {
                p: count
                for p, count in counted.items()
                if all(p[field] in levels for field, levels in session.items())
            }
        )
        m = m_estimate_session(selected, u, m, conditioned=tuple(session))
    provisional = LinkageModel(m=m, u=u, prior=0.5, name_mean_share=linker.name_mean_share)
    evidence = _evidence(provisional, linker, pairs, codes)
    prior = prior_from_evidence(evidence, size)
    return LinkageModel(m=m, u=u, prior=prior, name_mean_share=linker.name_mean_share), evidence


def _compatible(model: LinkageModel, pattern: Pattern) -> bool:
    """Whether a pair may be an edge: nothing contradicts, and the names are alike."""
    return not model.contradicts(pattern) and not 0 <= pattern[0] < NAME_COMPATIBLE


def _may_share_cluster(
    model: LinkageModel, pattern: Pattern, left: ParsedName, right: ParsedName
) -> bool:
    """Whether two records may end up in one cluster through others (the cross-pair check
    of clustering).

    As for an edge, except for two requests that give the same phone and the same full
    birth date or patronymic, and whose names may be two halves of one name
    (`names_complementary`): ALIEV Husejnovič and Apti Khuseynovich share no name word, but
    one is a surname and the other a given name, each beside the same patronymic, and each
    is alike to "Алиев Апти" typed on a Latin layout. A merge still needs an edge, a pair
    whose names are alike, and a contradicting date or patronymic still refuses it.

    Looser rules were replayed and refused: on the phone alone, a trap under another name
    with no date, or a mother and son, are drawn into one cluster through a request naming
    both ("Алиев Апти Руслан Цой", or "Петров" alone), and the phone's trap flag vanishes
    with them; with the date or patronymic but any names, so are twins or brothers (Иван and
    Пётр Петров, one patronymic, one phone) and a trap giving its victim's phone and date.
    """
    if (
        pattern[3] == PHONE_EXACT
        and (pattern[2] == DATE_EXACT or pattern[1] == PATRONYMIC_EXACT)
        and names_complementary(left, right)
    ):
        return not model.contradicts((MISSING, *pattern[1:]))
    return _compatible(model, pattern)


def _evidence(
    model: LinkageModel, linker: BatchLinker, pairs: array[int], codes: array[int]
) -> array[float]:
    """Log2 likelihood ratio of every candidate pair, frequency-adjusted, prior excluded.

    Written as table look-ups per pattern code and per record, because it runs once for
    each of millions of pairs.
    """
    tables = [
        _exact_bits_table(model, field, shares)
        for field, shares in (
            (0, linker.name_share),
            (1, linker.patronymic_share),
            (3, linker.phone_share),
        )
    ]
    by_code = {}
    for code in set(codes):
        pattern = pattern_of_code(code)
        adjusted = tuple(pattern[field] in TF_LEVELS[field] for field in (0, 1, 3))
        base = model.bits(pattern) - model.prior_bits
        for field, flag in zip((0, 1, 3), adjusted, strict=True):
            if flag:
                base -= model.level_bits(field, pattern[field])
        by_code[code] = (base, *adjusted, pattern[0] in FUZZY_NAME_LEVELS)
    name_bits, patronymic_bits, phone_bits = tables
    penalties = {share: model.fuzzy_name_penalty(share) for share in set(linker.name_share)}
    fuzzy_penalty = [penalties[share] for share in linker.name_share]
    evidence = array("d", bytes(8 * len(pairs)))
    for position, (pair, code) in enumerate(zip(pairs, codes, strict=True)):
        base, name, patronymic, phone, fuzzy = by_code[code]
        left = pair >> INDEX_BITS
        if name:
            base += name_bits[left]
        elif fuzzy:
            base += min(fuzzy_penalty[left], fuzzy_penalty[pair & INDEX_MASK])
        if patronymic:
            base += patronymic_bits[left]
        if phone:
            base += phone_bits[left]
        evidence[position] = base
    return evidence


def _exact_bits_table(model: LinkageModel, field: int, shares: list[float]) -> list[float]:
    by_share = {share: model.exact_bits(field, share) for share in set(shares)}
    return [by_share[share] for share in shares]


def _edges(
    model: LinkageModel, pairs: array[int], codes: array[int], evidence: array[float]
) -> list[tuple[float, int, int]]:
    linkable = {code for code in set(codes) if _compatible(model, pattern_of_code(code))}
    threshold = LINK_BITS - model.prior_bits
    return [
        (bits + model.prior_bits, pair >> INDEX_BITS, pair & INDEX_MASK)
        for pair, code, bits in zip(pairs, codes, evidence, strict=True)
        if bits >= threshold and code in linkable
    ]


__all__ = ["BatchLinker", "ConstrainedClusters", "LinkResult", "fit_model", "link"]
