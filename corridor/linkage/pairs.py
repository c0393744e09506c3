"""Candidate pairs and their comparison vectors, on every core.

Comparing pairs is the bulk of a batch run. Blocks are therefore built once, then shared out
between worker processes forked from the parent (`corridor.linkage.parallel`): each worker
generates the pairs of its blocks, compares them, and returns two flat arrays, the packed
pairs and their pattern codes. A pair shared by several blocks is compared only in the first of them
(the lowest block id both records belong to), so no global set of pairs is ever built.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from corridor.linkage.blocking import BLOCK_LIMITS
from corridor.linkage.compare import Pattern
from corridor.linkage.parallel import forked

INDEX_BITS = 24
INDEX_MASK = (1 << INDEX_BITS) - 1
_HASH_BITS = 36
_RULES = tuple(BLOCK_LIMITS)
_LEVEL_BITS = 4


def pattern_code(pattern: Pattern) -> int:
    """A pattern packed into one small integer (4 bits a field, missing as 0)."""
    code = 0
    for position, level in enumerate(pattern):
        code |= (level + 1) << (_LEVEL_BITS * position)
    return code


def pattern_of_code(code: int) -> Pattern:
    mask = (1 << _LEVEL_BITS) - 1
    return (
        (code & mask) - 1,
        (code >> _LEVEL_BITS & mask) - 1,
        (code >> 2 * _LEVEL_BITS & mask) - 1,
        (code >> 3 * _LEVEL_BITS & mask) - 1,
    )


@dataclass
class Blocks:
    """Records grouped by blocking key, only the blocks small enough to compare.

    `members` holds record indices block after block; block b is members[starts[b]:ends[b]].
    `record_blocks[i]` are the ids of the blocks record i belongs to, ascending.
    """

    members: array[int]
    starts: array[int]
    ends: array[int]
    record_blocks: list[tuple[int, ...]]

    def __len__(self) -> int:
        return len(self.starts)


KeysOf = Callable[[int], list[str]]


def _packed_keys(keys_of: KeysOf, start: int, stop: int) -> bytes:
    """Every key of records start..stop-1 packed with its record, sorted."""
    packed = array("q")
    hash_mask = (1 << _HASH_BITS) - 1
    rule_ids = {rule: position for position, rule in enumerate(_RULES)}
    for index in range(start, stop):
        for key in keys_of(index):
            rule = rule_ids[key.partition(":")[0]]
            packed.append(((rule << _HASH_BITS | (hash(key) & hash_mask)) << INDEX_BITS) | index)
    return array("q", sorted(packed)).tobytes()


def blocks_build(keys_of: KeysOf, records: int) -> Blocks:
    """Blocks from every record's blocking keys (`keys_of(index)`), found by sorting packed
    integers.

    Each worker packs and sorts the keys of its own range of records; the sorted runs are
    then merged (Python's sort finds and merges them in one pass), and equal keys are
    found by looking one ahead: most keys are held by one record only, and only a longer
    run is measured, by bisection.
    """
    runs = forked(
        lambda worker, workers: _packed_keys(
            keys_of, worker * records // workers, (worker + 1) * records // workers
        ),
        records,
    )
    merged = array("q")
    for run in runs:
        merged.frombytes(run)
    # A list, not an array: at a million records an array saved 29 MiB of peak memory (the
    # peak is elsewhere) and cost 7 s of boxing ints in the loop below (102 s against 95 s).
    ordered = sorted(merged)
    del merged, runs
    members, starts, ends = array("q"), array("q"), array("q")
    record_blocks: list[list[int]] = [[] for _ in range(records)]
    limits = [BLOCK_LIMITS[rule] for rule in _RULES]
    start, total = 0, len(ordered)
    while start < total:
        block_key = ordered[start] >> INDEX_BITS
        if start + 1 == total or ordered[start + 1] >> INDEX_BITS != block_key:
            start += 1
            continue
        end = bisect_left(ordered, (block_key + 1) << INDEX_BITS, start + 2)
        if end - start <= limits[block_key >> _HASH_BITS]:
            block_id = len(starts)
            starts.append(len(members))
            for position in range(start, end):
                index = ordered[position] & INDEX_MASK
                members.append(index)
                record_blocks[index].append(block_id)
            ends.append(len(members))
        start = end
    return Blocks(members, starts, ends, [tuple(ids) for ids in record_blocks])


Compare = Callable[[int, int], Pattern]


def _compare_blocks(
    blocks: Blocks, compare: Compare, worker: int, workers: int
) -> tuple[bytes, bytes]:
    """Pairs and pattern codes of every `workers`-th block, starting at `worker`."""
    members, starts, ends, record_blocks = (
        blocks.members,
        blocks.starts,
        blocks.ends,
        blocks.record_blocks,
    )
    pairs, codes = array("q"), array("H")
    codes_of: dict[Pattern, int] = {}
    for block_id in range(worker, len(starts), workers):
        block = members[starts[block_id] : ends[block_id]]
        for position, left in enumerate(block):
            left_blocks = record_blocks[left]
            # Only a record seen in an earlier block can share one with another record.
            earlier = left_blocks[0] < block_id
            for right in block[position + 1 :]:
                if earlier:
                    right_blocks = record_blocks[right]
                    if right_blocks[0] < block_id and any(
                        b < block_id and b in right_blocks for b in left_blocks
                    ):
                        continue  # compared in an earlier block they share
                low, high = (left, right) if left < right else (right, left)
                pattern = compare(low, high)
                code = codes_of.get(pattern)
                if code is None:
                    code = codes_of[pattern] = pattern_code(pattern)
                pairs.append(low << INDEX_BITS | high)
                codes.append(code)
    return pairs.tobytes(), codes.tobytes()


def compare_blocks(blocks: Blocks, compare: Compare, records: int) -> tuple[array[int], array[int]]:
    """Every candidate pair once, packed as left << 24 | right, with its pattern code."""
    results = forked(
        lambda worker, workers: _compare_blocks(blocks, compare, worker, workers), records
    )
    pairs, codes = array("q"), array("H")
    for pair_bytes, code_bytes in results:
        pairs.frombytes(pair_bytes)
        codes.frombytes(code_bytes)
    return pairs, codes
