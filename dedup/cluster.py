"""Union-find over verified pairs: articles joined directly or through others."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dedup.model import Cluster, PairVerdict, Relation


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
    """Clusters of two or more articles, members in ``order`` (input order) when given."""
    joining = [p for p in pairs if p.relation >= min_relation]
    uf = UnionFind()
    for p in joining:
        uf.union(p.a, p.b)
    rank = {doc: n for n, doc in enumerate(order)}
    groups: dict[str, list[str]] = {}
    for doc in uf.parent:
        groups.setdefault(uf.find(doc), []).append(doc)
    joined: dict[str, list[PairVerdict]] = {}
    for p in joining:
        joined.setdefault(uf.find(p.a), []).append(p)
    result = []
    for root, members in groups.items():
        members.sort(key=lambda d: (rank.get(d, len(rank)), d))
        result.append(Cluster(members, joined[root]))
    result.sort(key=lambda c: (rank.get(c.members[0], len(rank)), c.members[0]))
    return result
