"""Union-find over verified pairs: articles joined directly or through others."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from dedup.model import Cluster, PairVerdict, Relation
from dedup.verdicts import Verdicts


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def clusters(pairs: Iterable[PairVerdict], min_relation: Relation, order: Sequence[str] = ()) -> list[Cluster]:
    """Clusters of two or more articles, members in ``order`` (input order) when given. From
    :class:`~dedup.verdicts.Verdicts`, articles are joined by number and each cluster's pairs
    are rows of the verdicts' columns, read when asked for (a large scan joins millions)."""
    if isinstance(pairs, Verdicts):
        return _numbered(pairs, min_relation, order)
    joining = [p for p in pairs if p.relation >= min_relation]
    uf = UnionFind()
    for p in joining:
        uf.union(p.a, p.b)
    groups: dict[str, list[str]] = {}
    for doc in uf.parent:
        groups.setdefault(uf.find(doc), []).append(doc)
    joined: dict[str, list[PairVerdict]] = {}
    for p in joining:
        joined.setdefault(uf.find(p.a), []).append(p)
    return _ordered([(members, joined[root]) for root, members in groups.items()], order)


def _numbered(pairs: Verdicts, min_relation: Relation, order: Sequence[str]) -> list[Cluster]:
    """:func:`clusters` of verdicts, their articles joined by number: no string, tuple or
    Python int per pair (at a million articles, those held 2 GB)."""
    rows = np.flatnonzero(pairs.relations >= min_relation)
    firsts, seconds = pairs.firsts[rows], pairs.seconds[rows]
    parent = list(range(len(pairs.ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = x = parent[parent[x]]  # path halving
        return x

    for lo in range(0, len(rows), _CHUNK):
        for a, b in zip(firsts[lo : lo + _CHUNK].tolist(), seconds[lo : lo + _CHUNK].tolist(), strict=True):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    docs = np.unique(np.concatenate((firsts, seconds)))
    root = np.array([find(d) for d in docs.tolist()], dtype=np.int64)
    roots = np.zeros(len(pairs.ids), dtype=np.int64)
    roots[docs] = root
    # Each cluster's articles, and its pairs in the verdicts' order (a stable sort by root).
    by_root = np.argsort(root, kind="stable")
    member_groups = np.split(docs[by_root], np.flatnonzero(np.diff(root[by_root])) + 1) if len(docs) else []
    row_roots = roots[firsts]
    by_row_root = np.argsort(row_roots, kind="stable")
    row_groups = np.split(rows[by_row_root], np.flatnonzero(np.diff(row_roots[by_row_root])) + 1) if len(rows) else []
    ids = pairs.ids
    found = [
        ([ids[d] for d in members.tolist()], pairs.rows(cluster_rows))
        for members, cluster_rows in zip(member_groups, row_groups, strict=True)
    ]
    return _ordered(found, order)


_CHUNK = 1 << 20  # pairs joined per pass: their numbers as Python ints, a chunk at a time


def _ordered(found: list[tuple[list[str], Sequence[PairVerdict]]], order: Sequence[str]) -> list[Cluster]:
    """Clusters with their members, then the clusters, in ``order`` (ids not in it last, by id)."""
    rank = {doc: n for n, doc in enumerate(order)}
    result = []
    for members, joined in found:
        members.sort(key=lambda d: (rank.get(d, len(rank)), d))
        result.append(Cluster(members, joined))
    result.sort(key=lambda c: (rank.get(c.members[0], len(rank)), c.members[0]))
    return result
