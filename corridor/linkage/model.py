"""Fellegi-Sunter scoring with m and u estimated from the data itself.

Each field's agreement level has a probability m among pairs that are the same person and u
among pairs that are not. u is estimated from pairs drawn at random (almost all non-matches),
m by expectation-maximisation over the blocked candidate pairs with u held fixed, as Splink
does; the evidence of a pair is then the sum of log2(m/u) over its fields, exact agreement on
a name, patronymic or phone weighted by how common the value is (term frequency, as Splink),
and its match probability follows from the prior that two random records match, which is
estimated as a fixed point over the candidate pairs and so falls with the batch size. See
docs/decisions/0101-linkage-model.md for why this model and its limits.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from corridor.linkage.compare import FIELDS, LEVEL_LABELS, MISSING, Pattern

#: Floor on any probability, so that a level never seen in a sample is not taken as impossible.
PROBABILITY_FLOOR = 1e-7
EM_ITERATIONS = 60
EM_TOLERANCE = 1e-6
# Starting beliefs, used as Dirichlet pseudo-counts so that a small batch (a handful of
# records on a desk) still gets sensible weights; with thousands of records the data dominate.
# Order of levels as in corridor.linkage.compare.
DEFAULT_M = (
    (0.03, 0.04, 0.15, 0.08, 0.35, 0.30, 0.05, 0.05),
    (0.05, 0.10, 0.85),
    (0.05, 0.15, 0.10, 0.05, 0.65, 0.02),
    (0.15, 0.05, 0.80),
)
DEFAULT_U = (
    (0.97, 0.025, 0.003, 0.001, 0.0008, 0.0001, 0.000005, 0.0005),
    (0.90, 0.05, 0.05),
    (0.97, 0.01, 0.015, 0.00005, 0.00006, 0.0003),
    (0.99999, 0.000005, 0.000005),
)
M_PSEUDO_PAIRS = 50.0
U_PSEUDO_PAIRS = 1_000.0

#: Levels of exact agreement whose weight depends on how common the agreed value is.
TF_LEVELS: dict[int, tuple[int, ...]] = {0: (4, 5, 6), 1: (2,), 3: (2,)}
#: Name levels "similar" and "words missing", whose weight falls for common names.
FUZZY_NAME_LEVELS = (2, 3, 7)
#: A frequency estimate from a small batch is noise: the share of a value is smoothed
#: towards one in a thousand as if this many records had been seen before.
TF_PSEUDO_RECORDS = 1_000.0
TF_DEFAULT_SHARE = 1e-3


def value_share(count: int, records: int) -> float:
    """Smoothed share of records carrying a value seen `count` times among `records`."""
    return (count + TF_PSEUDO_RECORDS * TF_DEFAULT_SHARE) / (records + TF_PSEUDO_RECORDS)


#: A level whose weight is at most this many bits counts as a contradiction: such a pair may
#: never end up in one cluster, however strongly other records tie them together.
CONTRADICTION_BITS = -4.0
#: Fields that can contradict. A phone cannot: people change numbers and borrow phones, so a
#: different number is weak evidence, never a veto.
CONTRADICTING_FIELDS = (0, 1, 2)


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One field's contribution to a pair's score."""

    field: str
    level: str
    bits: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why two records are, or are not, taken for one person."""

    evidence: tuple[FieldEvidence, ...]
    prior_bits: float
    total_bits: float
    probability: float


def _smoothed(
    counts: Mapping[int, float], default: tuple[float, ...], pseudo: float
) -> list[float]:
    """Posterior mean of a level distribution under a Dirichlet prior centred on `default`."""
    total = sum(counts.values()) + pseudo
    return [
        max((counts.get(level, 0.0) + pseudo * p) / total, PROBABILITY_FLOOR)
        for level, p in enumerate(default)
    ]


def u_estimate(sample: Iterable[Pattern]) -> list[list[float]]:
    """u per field and level from comparison vectors of random pairs, floored."""
    counts: list[dict[int, float]] = [{} for _ in FIELDS]
    for pattern in sample:
        for index, level in enumerate(pattern):
            if level != MISSING:
                counts[index][level] = counts[index].get(level, 0.0) + 1.0
    return [
        _smoothed(counts[index], DEFAULT_U[index], U_PSEUDO_PAIRS) for index in range(len(FIELDS))
    ]


def _pattern_likelihood(pattern: Pattern, table: list[list[float]], skip: tuple[int, ...]) -> float:
    likelihood = 1.0
    for index, level in enumerate(pattern):
        if level != MISSING and index not in skip:
            likelihood *= table[index][level]
    return likelihood


def _posterior(
    pattern: Pattern,
    m: list[list[float]],
    u: list[list[float]],
    share: float,
    skip: tuple[int, ...],
) -> float:
    match = share * _pattern_likelihood(pattern, m, skip)
    non_match = (1.0 - share) * _pattern_likelihood(pattern, u, skip)
    return match / (match + non_match) if match + non_match > 0 else 0.0


def m_estimate_session(
    patterns: Counter[Pattern],
    u: list[list[float]],
    m: list[list[float]],
    conditioned: int | tuple[int, ...],
) -> list[list[float]]:
    """One EM training session over pairs that all agree on the `conditioned` field(s).

    As in Splink, m of the conditioned field cannot be learnt from pairs selected by it, so
    it is left as it is and every other field is re-estimated. Selecting pairs that agree on
    a strong identifier makes matches the majority, which keeps EM from mistaking "same common
    name" for "same person".
    """
    m = [list(levels) for levels in m]
    if isinstance(conditioned, int):
        conditioned = (conditioned,)
    share = 0.5
    total = sum(patterns.values())
    if not total:
        return m
    for _ in range(EM_ITERATIONS):
        level_weights: list[dict[int, float]] = [{} for _ in FIELDS]
        expected_matches = 0.0
        for pattern, count in patterns.items():
            posterior = _posterior(pattern, m, u, share, conditioned)
            expected_matches += posterior * count
            for index, level in enumerate(pattern):
                if level != MISSING:
                    level_weights[index][level] = (
                        level_weights[index].get(level, 0.0) + posterior * count
                    )
        new_m = [
            m[index]
            if index in conditioned
            else _smoothed(level_weights[index], DEFAULT_M[index], M_PSEUDO_PAIRS)
            for index in range(len(FIELDS))
        ]
        share = min(max(expected_matches / total, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR)
        change = max(
            abs(a - b)
            for new, old in zip(new_m, m, strict=True)
            for a, b in zip(new, old, strict=True)
        )
        m = new_m
        if change < EM_TOLERANCE:
            break
    return m


#: Upper bound on the prior: a small batch is drawn from a large population, in which a
#: shared common name is a coincidence as often as it is in ten thousand records.
PRIOR_CAP = 1e-4


def prior_from_evidence(evidence: Iterable[float], records: int) -> float:
    """The probability that two random records match, as the fixed point of
    prior = (expected matches among the candidate pairs) / (all pairs).

    Each candidate pair's evidence is a likelihood ratio against random pairs, so its match
    probability is the random-pair prior times that ratio; summing these gives the expected
    matches, which must agree with the prior. Blocking is taken to miss no match, which errs
    towards a smaller prior (fewer links). The prior falls as 1/records: among a million
    requests there are ten times more namesakes of any one man than among a hundred thousand,
    and the same shared name is ten times weaker evidence.
    """
    histogram = Counter(round(bits, 1) for bits in evidence)
    all_pairs = max(records * (records - 1) / 2, 1.0)
    ratios = [(2.0 ** min(max(bits, -200.0), 200.0), count) for bits, count in histogram.items()]
    prior = PRIOR_CAP
    for _ in range(EM_ITERATIONS * 4):
        odds = prior / (1.0 - prior)
        expected = sum(count * ratio * odds / (1.0 + ratio * odds) for ratio, count in ratios)
        new_prior = min(max(expected, 1.0) / all_pairs, PRIOR_CAP)
        if abs(math.log(new_prior / prior)) < 1e-4:
            return new_prior
        prior = new_prior
    return prior


@dataclass
class LinkageModel:
    """Estimated m and u with the prior, and the scores they imply."""

    m: list[list[float]]
    u: list[list[float]]
    prior: float
    #: Share of records carrying the name of a record drawn at random (sum of squared name
    #: shares); 0 when unknown, which turns the fuzzy-level adjustment off.
    name_mean_share: float = 0.0
    _bits: list[list[float]] = field(init=False, repr=False)
    _pattern_cache: dict[Pattern, float] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._bits = [
            [
                math.log2(m_level / u_level)
                for m_level, u_level in zip(m_field, u_field, strict=True)
            ]
            for m_field, u_field in zip(self.m, self.u, strict=True)
        ]

    @property
    def prior_bits(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def level_bits(self, field_index: int, level: int) -> float:
        return 0.0 if level == MISSING else self._bits[field_index][level]

    def bits(self, pattern: Pattern) -> float:
        """Total evidence of a pattern in bits, prior included."""
        cached = self._pattern_cache.get(pattern)
        if cached is None:
            cached = self.prior_bits + sum(
                self.level_bits(i, level) for i, level in enumerate(pattern)
            )
            self._pattern_cache[pattern] = cached
        return cached

    def exact_bits(self, field_index: int, frequency: float) -> float:
        """Weight of exact agreement on a value carried by this share of records (Splink's
        term-frequency adjustment): agreeing on "Magomed Magomadov", which one request in
        thirty carries, says far less than agreeing on a name carried by one in fifty thousand.
        """
        levels = TF_LEVELS[field_index]
        m_exact = sum(self.m[field_index][level] for level in levels)
        return math.log2(m_exact / max(frequency, PROBABILITY_FLOOR))

    def fuzzy_name_penalty(self, share: float) -> float:
        """Bits taken from a similar (not equal) name when the commoner of the two names is
        commoner than average: Magomed Magomadov is one letter from Magomed Magomedov, and
        both are everywhere, so "similar" says less for them than for a rare name. Never a
        bonus: a misspelt rare name is itself rare, which says nothing about its twin.
        """
        if not share or not self.name_mean_share:
            return 0.0
        return min(0.0, math.log2(self.name_mean_share / share))

    def field_bits(self, field_index: int, level: int, frequency: float = 0.0) -> float:
        """A field's weight, frequency-adjusted when it agrees exactly and a share is known."""
        if frequency and level in TF_LEVELS.get(field_index, ()):
            return self.exact_bits(field_index, frequency)
        if field_index == 0 and level in FUZZY_NAME_LEVELS:
            return self.level_bits(0, level) + self.fuzzy_name_penalty(frequency)
        return self.level_bits(field_index, level)

    def pair_bits(self, pattern: Pattern, shares: tuple[float, ...]) -> float:
        """Total evidence of one pair, given the shares of records carrying its name,
        patronymic, birth date and phone (0 where unknown)."""
        total = self.bits(pattern)
        for field_index, share in enumerate(shares):
            if share and pattern[field_index] in TF_LEVELS.get(field_index, ()):
                total += self.exact_bits(field_index, share)
                total -= self.level_bits(field_index, pattern[field_index])
        if shares and pattern[0] in FUZZY_NAME_LEVELS:
            total += self.fuzzy_name_penalty(shares[0])
        return total

    def contradicts(self, pattern: Pattern) -> bool:
        """Whether some field speaks clearly against the pair being one person."""
        return any(
            self.level_bits(i, level) <= CONTRADICTION_BITS for i, level in enumerate(pattern)
        )

    def explain(self, pattern: Pattern, shares: tuple[float, ...] = ()) -> Explanation:
        shares = (*shares, 0.0, 0.0, 0.0, 0.0)
        evidence = tuple(
            FieldEvidence(
                FIELDS[i],
                "missing" if level == MISSING else LEVEL_LABELS[i][level],
                self.field_bits(i, level, shares[i]),
            )
            for i, level in enumerate(pattern)
        )
        total = self.prior_bits + sum(item.bits for item in evidence)
        return Explanation(evidence, self.prior_bits, total, probability_of_bits(total))


def probability_of_bits(bits: float) -> float:
    """Match probability from log2-odds."""
    if bits > 60:
        return 1.0
    return 1.0 / (1.0 + 2.0 ** (-bits))
