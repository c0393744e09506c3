"""Clustering that links records only when no member contradicts another.

Plain connected components over match edges chain different people together: Magomed
Magomadov born 1991 shares a phone with an undated request, which shares a name with Magomed
Magomadov born 1985. Here edges are taken strongest first, and two clusters are merged only if
no pair across them contradicts (a birth date, patronymic or name that speaks clearly against
one person). This is complete-linkage on contradictions and single-linkage on support: one
strong link is enough to join, and one contradicting cross pair is enough to refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: Share of contradicting cross pairs above which a merge is refused. Zero: tolerating a share
#: (a third, then 0.15 were measured) let a mistyped date keep a few more requests together
#: at 10,000 and 100,000 records but chained more namesakes at a million, where it mattered.
#: Date typos are mostly absorbed by the "close" and "year mistyped" levels instead.
CONTRADICTION_SHARE = 0.0

#: Clusters whose cross product is larger than this are not merged: the check would be slow
#: and a cluster that large is itself a sign of a problem for a person to look at.
MAX_MERGE_CHECKS = 40_000


class ConstrainedClusters:
    """Union-find that keeps each cluster's members and refuses contradictory merges."""

    def __init__(self, size: int, compatible: Callable[[int, int], bool]) -> None:
        self._parent = list(range(size))
        self._members: dict[int, list[int]] = {}
        self._compatible = compatible
        self.refused = 0

    def root(self, item: int) -> int:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def members(self, root: int) -> list[int]:
        return self._members.get(root, [root])

    def try_merge(self, left: int, right: int) -> bool:
        """Merge the clusters of two records unless a cross pair contradicts."""
        root_left, root_right = self.root(left), self.root(right)
        if root_left == root_right:
            return True
        members_left, members_right = self.members(root_left), self.members(root_right)
        cross = len(members_left) * len(members_right)
        if (
            cross > MAX_MERGE_CHECKS
            or self._contradictions(members_left, members_right) > CONTRADICTION_SHARE * cross
        ):
            self.refused += 1
            return False
        if len(members_left) < len(members_right):
            root_left, root_right = root_right, root_left
            members_left, members_right = members_right, members_left
        self._parent[root_right] = root_left
        self._members[root_left] = members_left + members_right
        self._members.pop(root_right, None)
        return True

    def _contradictions(self, members_left: list[int], members_right: list[int]) -> int:
        return sum(not self._compatible(a, b) for a in members_left for b in members_right)

    def labels(self) -> list[int]:
        """For every record, the smallest record index of its cluster."""
        smallest: dict[int, int] = {}
        roots = [self.root(item) for item in range(len(self._parent))]
        for item, root in enumerate(roots):
            smallest.setdefault(root, item)
        return [smallest[root] for root in roots]


def cluster_edges(
    size: int, edges: Iterable[tuple[float, int, int]], compatible: Callable[[int, int], bool]
) -> ConstrainedClusters:
    """Cluster records from (score, left, right) edges taken strongest first."""
    clusters = ConstrainedClusters(size, compatible)
    for _, left, right in sorted(edges, reverse=True):
        clusters.try_merge(left, right)
    return clusters
