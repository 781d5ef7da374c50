"""The functions a Python user calls; the command line is a thin layer over these.

>>> from dedup.api import scan
>>> from dedup.read import read_paths
>>> result = scan(read_paths(["seeds"]).articles)
>>> [c.members for c in result.clusters]
[['001_aec4fc2534195234.txt', '002_ad8ab783e7e40a0e.txt']]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dedup.cluster import clusters as union_clusters
from dedup.corpus import UNIFORM, Corpus
from dedup.fingerprint import Settings, fingerprint
from dedup.index import candidate_pairs
from dedup.model import Article, Cluster, PairVerdict, Problem, Relation
from dedup.normalise import analyse
from dedup.score import prepare, verify

__all__ = ["Corpus", "ScanResult", "compare", "scan"]

SCHEMA_VERSION = "1.0"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(slots=True)
class ScanResult:
    articles: list[Article]
    pairs: list[PairVerdict]
    clusters: list[Cluster]
    min_relation: Relation
    settings: Settings
    candidates: int = 0
    skipped: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "min_relation": self.min_relation.label,
            "settings": self.settings.to_dict(),
            "summary": {
                "articles_read": len(self.articles),
                "articles_skipped": len(self.skipped),
                "candidates": self.candidates,
                "pairs": len(self.pairs),
                "clusters": len(self.clusters),
            },
            "articles": [{"id": a.id, **a.metadata()} for a in self.articles],
            "pairs": [p.to_dict() for p in self.pairs],
            "clusters": [c.to_dict() for c in self.clusters],
            "skipped": [{"where": p.where, "message": p.message} for p in self.skipped],
        }


def scan(
    articles: Sequence[Article],
    *,
    min_relation: Relation = Relation.REWRITE,
    settings: Settings = Settings(),
    progress: Progress | None = None,
) -> ScanResult:
    """Find every pair worth reporting in a batch and cluster those at ``min_relation`` or above.

    Pairs come from the LSH candidates only (never all pairs), are verified, and kept when
    they are at least ``related``.
    """
    report = progress or (lambda stage, done, total: None)
    analyses = []
    for n, article in enumerate(articles, 1):
        analyses.append(analyse(article))
        report("reading", n, len(articles))
    prepared = [prepare(a, settings.shingle_size) for a in analyses]
    corpus = Corpus.from_analyses(analyses)
    candidates = candidate_pairs((fingerprint(a, settings) for a in analyses), settings.salient_min_jaccard)
    pairs = []
    for n, (i, j) in enumerate(candidates, 1):
        verdict = verify(prepared[i], prepared[j], corpus)
        if verdict.relation >= Relation.RELATED:
            pairs.append(verdict)
        report("verifying", n, len(candidates))
    pairs.sort(key=lambda p: (-p.relation, -p.score, p.a, p.b))
    order = [a.id for a in articles]
    return ScanResult(
        list(articles),
        pairs,
        union_clusters(pairs, min_relation, order),
        min_relation,
        settings,
        candidates=len(candidates),
    )


def compare(a: Article, b: Article, *, corpus: Corpus | None = None) -> PairVerdict:
    """The verdict on two articles. ``corpus`` supplies term rarity (IDF); without it every
    term weighs the same."""
    pa, pb = prepare(analyse(a)), prepare(analyse(b))
    return verify(pa, pb, corpus or UNIFORM)
