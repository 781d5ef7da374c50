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
    :class:`~dedup.verdicts.Verdicts`, each cluster's pairs are rows of its columns, not objects
    (a large scan joins millions of pairs)."""
    if isinstance(pairs, Verdicts):
        joining: Sequence[PairVerdict] = pairs.take(np.flatnonzero(pairs.relations >= min_relation))
        ids = pairs.ids
        ends = [(ids[i], ids[j]) for i, j in zip(joining.firsts.tolist(), joining.seconds.tolist(), strict=True)]
    else:
        joining = [p for p in pairs if p.relation >= min_relation]
        ends = [(p.a, p.b) for p in joining]
    uf = UnionFind()
    for a, b in ends:
        uf.union(a, b)
    rank = {doc: n for n, doc in enumerate(order)}
    groups: dict[str, list[str]] = {}
    for doc in uf.parent:
        groups.setdefault(uf.find(doc), []).append(doc)
    joined: dict[str, list[int]] = {}
    for row, (a, _) in enumerate(ends):
        joined.setdefault(uf.find(a), []).append(row)
    result = []
    for root, members in groups.items():
        members.sort(key=lambda d: (rank.get(d, len(rank)), d))
        result.append(Cluster(members, _rows(joining, joined[root])))
    result.sort(key=lambda c: (rank.get(c.members[0], len(rank)), c.members[0]))
    return result


def _rows(pairs: Sequence[PairVerdict], rows: list[int]) -> Sequence[PairVerdict]:
    return pairs.take(np.array(rows, dtype=np.int64)) if isinstance(pairs, Verdicts) else [pairs[k] for k in rows]
