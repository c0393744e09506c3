"""Candidate pairs and their comparison vectors, on every core.

Comparing pairs is the bulk of a batch run, and in pure Python it is bound to one core per
process. Blocks are therefore built once, then shared out between worker processes forked
from the parent (so the normalised records are not copied or pickled): each worker generates
the pairs of its blocks, compares them, and returns two flat arrays, the packed pairs and
their pattern codes. A pair shared by several blocks is compared only in the first of them
(the lowest block id both records belong to), so no global set of pairs is ever built.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from corridor.linkage.blocking import BLOCK_LIMITS, key_rule
from corridor.linkage.compare import Pattern

INDEX_BITS = 24
INDEX_MASK = (1 << INDEX_BITS) - 1
_HASH_BITS = 36
_RULES = tuple(BLOCK_LIMITS)
#: Below this many records a batch is compared in-process: forking costs more than it saves,
#: and a web worker linking a desk's handful of requests should not fork at all.
PARALLEL_MIN_RECORDS = 50_000
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


def blocks_build(keys_of: Iterable[list[str]], records: int) -> Blocks:
    """Blocks from every record's blocking keys, found by sorting packed integers."""
    packed = array("q")
    hash_mask = (1 << _HASH_BITS) - 1
    rule_ids = {rule: position for position, rule in enumerate(_RULES)}
    for index, keys in enumerate(keys_of):
        for key in keys:
            rule = rule_ids[key_rule(key)]
            packed.append(((rule << _HASH_BITS | (hash(key) & hash_mask)) << INDEX_BITS) | index)
    ordered = array("q", sorted(packed))
    del packed
    members, starts, ends = array("q"), array("q"), array("q")
    record_blocks: list[list[int]] = [[] for _ in range(records)]
    start, total = 0, len(ordered)
    while start < total:
        block_key = ordered[start] >> INDEX_BITS
        end = start + 1
        while end < total and ordered[end] >> INDEX_BITS == block_key:
            end += 1
        if 2 <= end - start <= BLOCK_LIMITS[_RULES[block_key >> _HASH_BITS]]:
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

# Set by the parent just before forking; the workers inherit it.
_SHARED: tuple[Blocks, Compare] | None = None


def _compare_blocks(share: tuple[int, int]) -> tuple[bytes, bytes]:
    """Pairs and pattern codes of every `workers`-th block, starting at `worker`."""
    if _SHARED is None:
        raise RuntimeError("compare_blocks() must set the shared blocks before comparing")
    blocks, compare = _SHARED
    worker, workers = share
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
            for right in block[position + 1 :]:
                right_blocks = record_blocks[right]
                if any(b < block_id and b in right_blocks for b in left_blocks):
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
    global _SHARED
    workers = os.cpu_count() or 1
    use_fork = (
        records >= PARALLEL_MIN_RECORDS
        and workers > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )
    _SHARED = (blocks, compare)
    try:
        if use_fork:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.map(_compare_blocks, [(w, workers) for w in range(workers)])
        else:
            results = [_compare_blocks((0, 1))]
    finally:
        _SHARED = None
    pairs, codes = array("q"), array("H")
    for pair_bytes, code_bytes in results:
        pairs.frombytes(pair_bytes)
        codes.frombytes(code_bytes)
    return pairs, codes
