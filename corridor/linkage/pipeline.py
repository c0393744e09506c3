"""Batch linkage: from a list of requests to clusters, a fitted model and trap flags.

The steps are the classic ones (normalise, block, compare, estimate, score, cluster) with two
choices that matter for speed in pure Python: every record is normalised once, and blocks are
found by sorting packed integers rather than by a dictionary of lists, which keeps a million
records within memory.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corridor.linkage.blocking import BLOCK_LIMITS, blocking_keys, key_rule
from corridor.linkage.cluster import ConstrainedClusters, cluster_edges
from corridor.linkage.compare import NAME_COMPATIBLE, Pattern, compare, name_exact_level
from corridor.linkage.features import Features, Request, features_extract
from corridor.linkage.identifiers import IdentifierFlag, identifier_flags
from corridor.linkage.model import (
    DEFAULT_M,
    Explanation,
    LinkageModel,
    m_estimate_session,
    prior_from_evidence,
    u_estimate,
    value_share,
)

Progress = Callable[[str], None]

#: Pairs drawn at random to estimate u.
U_SAMPLE_PAIRS = 200_000
#: Log2-odds above which a pair is an edge for clustering: a match probability of one half.
LINK_BITS = 0.0
_RULES = tuple(BLOCK_LIMITS)
#: EM sessions as (field, level): pairs with the same phone train name, patronymic and date;
#: pairs with the same full birth date then train the phone.
TRAINING_SESSIONS = ((3, 2), (2, 4))
_INDEX_BITS = 24
_HASH_BITS = 36


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
        linker = self._linker
        return self.model.explain(
            linker.pattern(left, right), linker.name_share[left], linker.patronymic_share[left]
        )


class BatchLinker:
    """Holds the normalised records and compares them by index."""

    def __init__(self, features: list[Features]) -> None:
        self.features = features
        counts = Counter(f.name.key for f in features if f.name)
        total = max(len(features), 1)
        self._exact_level = [name_exact_level(counts[f.name.key] / total) for f in features]
        patronymics = Counter(f.name.patronymic for f in features if f.name.patronymic)
        self.name_share = [value_share(counts[f.name.key], total) for f in features]
        self.patronymic_share = [
            value_share(patronymics[f.name.patronymic], total) for f in features
        ]

    def pattern(self, left: int, right: int) -> Pattern:
        a, b = self.features[left], self.features[right]
        return compare(a.name, b.name, self._exact_level[left], a.birth, b.birth, a.phone, b.phone)

    def candidate_pairs(self, progress: Progress) -> list[int]:
        """Pairs sharing a blocking key, packed as left << 24 | right, deduplicated."""
        packed = array("q")
        hash_mask = (1 << _HASH_BITS) - 1
        for index, features in enumerate(self.features):
            for key in blocking_keys(features):
                rule = _RULES.index(key_rule(key))
                packed.append(
                    ((rule << _HASH_BITS | (hash(key) & hash_mask)) << _INDEX_BITS) | index
                )
        progress(f"blocking: {len(packed)} keys")
        ordered = sorted(packed)
        del packed
        pairs: set[int] = set()
        index_mask = (1 << _INDEX_BITS) - 1
        start = 0
        for position in range(1, len(ordered) + 1):
            if (
                position < len(ordered)
                and ordered[position] >> _INDEX_BITS == ordered[start] >> _INDEX_BITS
            ):
                continue
            size = position - start
            if 2 <= size <= BLOCK_LIMITS[_RULES[ordered[start] >> (_INDEX_BITS + _HASH_BITS)]]:
                members = [value & index_mask for value in ordered[start:position]]
                for i, left in enumerate(members):
                    for right in members[i + 1 :]:
                        pairs.add(
                            left << _INDEX_BITS | right
                            if left < right
                            else right << _INDEX_BITS | left
                        )
            start = position
        return sorted(pairs)

    def random_patterns(self, count: int, seed: int = 20170401) -> list[Pattern]:
        rng = random.Random(seed)  # noqa: S311 - sampling pairs for statistics, not secrets
        size = len(self.features)
        patterns = []
        for _ in range(count):
            left, right = rng.randrange(size), rng.randrange(size)
            if left != right:
                patterns.append(self.pattern(left, right))
        return patterns


def link(requests: Sequence[Request], progress: Progress = _silent) -> LinkResult:
    """Link a batch of requests into clusters of one person each."""
    features = []
    for count, request in enumerate(requests, start=1):
        features.append(features_extract(request))
        if count % 100_000 == 0:
            progress(f"normalised {count} records")
    linker = BatchLinker(features)
    pairs = linker.candidate_pairs(progress)
    progress(f"comparing {len(pairs)} candidate pairs")
    patterns = _pair_patterns(linker, pairs)
    model, evidence = fit_model(linker, pairs, patterns)
    progress("clustering")
    edges = _edges(model, linker, pairs, patterns, evidence)
    clusters = cluster_edges(
        len(features), edges, lambda a, b: _compatible(model, linker.pattern(a, b))
    )
    labels = clusters.labels()
    record_ids = [request.record_id for request in requests]
    flags = identifier_flags(
        record_ids, [f.identifiers for f in features], labels, lambda a, b: linker.pattern(a, b)[0]
    )
    return LinkResult(record_ids, labels, model, flags, len(pairs), clusters.refused, linker)


def fit_model(
    linker: BatchLinker, pairs: list[int], patterns: list[Pattern]
) -> tuple[LinkageModel, array[float]]:
    """Estimate u from random pairs, m by EM over the candidate pairs, then the prior.

    Returns the model and every candidate pair's evidence (log2 likelihood ratio, frequency
    adjusted, prior excluded), in the order of `pairs`.
    """
    size = len(linker.features)
    sample_size = min(U_SAMPLE_PAIRS, size * (size - 1) // 2)
    u = u_estimate(linker.random_patterns(sample_size)) if size > 1 else u_estimate([])
    m = [list(levels) for levels in DEFAULT_M]
    counted = Counter(patterns)
    for field, level in TRAINING_SESSIONS:
        selected = Counter({p: count for p, count in counted.items() if p[field] == level})
        m = m_estimate_session(selected, u, m, conditioned=field)
    provisional = LinkageModel(m=m, u=u, prior=0.5)
    evidence = _evidence(provisional, linker, pairs, patterns)
    return LinkageModel(m=m, u=u, prior=prior_from_evidence(evidence, size)), evidence


def _pair_patterns(linker: BatchLinker, pairs: list[int]) -> list[Pattern]:
    mask = (1 << _INDEX_BITS) - 1
    return [linker.pattern(pair >> _INDEX_BITS, pair & mask) for pair in pairs]


def _compatible(model: LinkageModel, pattern: Pattern) -> bool:
    return not model.contradicts(pattern) and not 0 <= pattern[0] < NAME_COMPATIBLE


def _evidence(
    model: LinkageModel, linker: BatchLinker, pairs: list[int], patterns: list[Pattern]
) -> array[float]:
    """Log2 likelihood ratio of every candidate pair, frequency-adjusted, prior excluded."""
    mask = (1 << _INDEX_BITS) - 1
    name_share, patronymic_share = linker.name_share, linker.patronymic_share
    prior_bits = model.prior_bits
    return array(
        "d",
        (
            model.pair_bits(
                pattern, name_share[pair >> _INDEX_BITS], patronymic_share[pair >> _INDEX_BITS]
            )
            - prior_bits
            for pair, pattern in zip(pairs, patterns, strict=True)
        ),
    )


def _edges(
    model: LinkageModel,
    linker: BatchLinker,
    pairs: list[int],
    patterns: list[Pattern],
    evidence: array[float],
) -> list[tuple[float, int, int]]:
    mask = (1 << _INDEX_BITS) - 1
    compatible = {pattern for pattern in set(patterns) if _compatible(model, pattern)}
    threshold = LINK_BITS - model.prior_bits
    return [
        (bits + model.prior_bits, pair >> _INDEX_BITS, pair & mask)
        for pair, pattern, bits in zip(pairs, patterns, evidence, strict=True)
        if bits >= threshold and pattern in compatible
    ]


__all__ = ["BatchLinker", "ConstrainedClusters", "LinkResult", "fit_model", "link"]
