"""Online matching: the likely earlier requests of one new request, without a plaintext index.

The app must find duplicates as each request arrives, but a cold-seized database must not
reveal who asked (T1 in the security design). So the index holds only keyed hashes of the
blocking keys: the caller supplies `keyed_hash` (HMAC or keyed BLAKE2b under the vault's
index key) and an index store. A query hashes the new request's keys, collects the records
that share any key small enough to be useful, and scores only those, after the caller has
decrypted their features. The engine itself never sees the index key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from corridor.linkage.blocking import BLOCK_LIMITS, blocking_keys, key_rule
from corridor.linkage.compare import NAME_COMPATIBLE, compare, name_exact_level
from corridor.linkage.features import Features
from corridor.linkage.model import DEFAULT_M, DEFAULT_U, Explanation, LinkageModel, value_share

KeyedHash = Callable[[str], bytes]
FeatureFetch = Callable[[Sequence[str]], Mapping[str, Features]]

#: Prior for the default model: one earlier request of the same person among ten thousand.
DEFAULT_PRIOR = 1e-4


def default_model() -> LinkageModel:
    """A model from the engine's starting beliefs, for use before any batch has been fitted."""
    return LinkageModel(
        m=[list(m) for m in DEFAULT_M], u=[list(u) for u in DEFAULT_U], prior=DEFAULT_PRIOR
    )


class KeyIndex(Protocol):
    """Where hashed blocking keys are stored; the app backs it with a database table."""

    def add(self, record_id: str, keys: Iterable[bytes]) -> None: ...

    def postings(self, key: bytes) -> Sequence[str]: ...

    def __len__(self) -> int: ...


class InMemoryKeyIndex:
    """A KeyIndex in a dictionary, for tests, benchmarks and small deployments."""

    def __init__(self) -> None:
        self._postings: dict[bytes, list[str]] = defaultdict(list)
        self._records = 0

    def add(self, record_id: str, keys: Iterable[bytes]) -> None:
        for key in keys:
            self._postings[key].append(record_id)
        self._records += 1

    def postings(self, key: bytes) -> Sequence[str]:
        return self._postings.get(key, ())

    def __len__(self) -> int:
        return self._records


@dataclass(frozen=True, slots=True)
class OnlineMatch:
    """An earlier request that is probably the same person, with the reason."""

    record_id: str
    probability: float
    explanation: Explanation


class OnlineMatcher:
    """Adds requests to a keyed-hash index and finds the likely matches of a new one."""

    def __init__(
        self, keyed_hash: KeyedHash, index: KeyIndex, model: LinkageModel | None = None
    ) -> None:
        self._keyed_hash = keyed_hash
        self._index = index
        self.model = model or default_model()

    def hashed_keys(self, features: Features) -> list[tuple[str, bytes]]:
        """The rule and keyed hash of every blocking key of a record."""
        return [(key_rule(key), self._keyed_hash(key)) for key in blocking_keys(features)]

    def add(self, record_id: str, features: Features) -> None:
        self._index.add(record_id, [digest for _, digest in self.hashed_keys(features)])

    def candidates(self, features: Features) -> tuple[list[str], float]:
        """Records sharing a usable key, and the share of records carrying this name."""
        found: dict[str, None] = {}
        name_share = 0.0
        size = max(len(self._index), 1)
        for rule, digest in self.hashed_keys(features):
            postings = self._index.postings(digest)
            if rule == "name":
                name_share = value_share(len(postings), size)
            if len(postings) <= BLOCK_LIMITS[rule]:
                found.update(dict.fromkeys(postings))
        return list(found), name_share

    def query(
        self, features: Features, fetch: FeatureFetch, minimum: float = 0.5
    ) -> list[OnlineMatch]:
        """Earlier requests that match with at least `minimum` probability, best first."""
        record_ids, name_share = self.candidates(features)
        if not record_ids:
            return []
        exact_level = name_exact_level(name_share)
        stored = fetch(record_ids)
        matches = []
        for record_id, other in stored.items():
            pattern = compare(
                features.name,
                other.name,
                exact_level,
                features.birth,
                other.birth,
                features.phone,
                other.phone,
            )
            if 0 <= pattern[0] < NAME_COMPATIBLE:
                continue
            explanation = self.model.explain(pattern, (name_share, 0.0, 0.0, 0.0))
            if explanation.probability >= minimum:
                matches.append(OnlineMatch(record_id, explanation.probability, explanation))
        return sorted(matches, key=lambda match: match.probability, reverse=True)
