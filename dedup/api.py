"""The functions a Python user calls; the command line is a thin layer over these.

>>> from dedup.api import scan
>>> from dedup.read import read_paths
>>> result = scan(read_paths(["seeds"]).articles)
>>> [c.members for c in result.clusters]
[['001_aec4fc2534195234.txt', '002_ad8ab783e7e40a0e.txt']]
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dedup.align import Alignment, Edit, word_diff
from dedup.check import CheckResult, check, index_add, index_remove, index_stats, index_vacuum
from dedup.cluster import clusters as union_clusters
from dedup.corpus import UNIFORM, Corpus
from dedup.fingerprint import Settings
from dedup.index import MAX_CANDIDATES
from dedup.model import Article, ArticleInfo, Cluster, PairVerdict, Problem, Relation, Span
from dedup.normalise import Analysis, Token, analyse, silent
from dedup.pipeline import Progress, default_jobs, scan_pairs
from dedup.score import assess, prepare, verify

if TYPE_CHECKING:
    from dedup.diverge import Divergences

__all__ = [
    "CheckResult",
    "Comparison",
    "Corpus",
    "ScanResult",
    "check",
    "compare",
    "index_add",
    "index_remove",
    "index_stats",
    "index_vacuum",
    "judge",
    "scan",
]

SCHEMA_VERSION = "1.1"  # 1.1: scores.lcs_containment


@dataclass(slots=True)
class ScanResult:
    # The Articles a scan was given as a sequence; given a stream, each one's ArticleInfo (no text).
    articles: Sequence[ArticleInfo]
    pairs: Sequence[PairVerdict]  # strongest first (a Verdicts from scan)
    clusters: list[Cluster]
    min_relation: Relation
    settings: Settings
    candidates: int = 0
    skipped: list[Problem] = field(default_factory=list)
    # The batch's term rarity, so that a comparison of two of its articles gives the scan's verdict.
    corpus: Corpus | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return _listed(self.to_dict_lazy())

    def to_dict_lazy(self) -> dict[str, Any]:
        """:meth:`to_dict` with its articles and pairs as iterators, for a scan too large to
        hold as dictionaries (``reports.json.chunks`` writes it)."""
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
            "articles": ({"id": a.id, **a.metadata()} for a in self.articles),
            "pairs": (p.to_dict() for p in self.pairs),
            "clusters": ({"members": c.members, "pairs": c.joined()} for c in self.clusters),
            "skipped": [{"where": p.where, "message": p.message} for p in self.skipped],
        }


def _listed(value: Any) -> Any:
    """``value`` with every iterator inside it made a list."""
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    if isinstance(value, Iterator):
        return [_listed(v) for v in value]
    return value


def scan(
    articles: Iterable[Article],
    *,
    min_relation: Relation = Relation.REWRITE,
    settings: Settings = Settings(),
    progress: Progress | None = None,
    jobs: int | None = None,
    max_candidates: int | None = MAX_CANDIDATES,
) -> ScanResult:
    """Find every pair worth reporting in a batch and cluster those at ``min_relation`` or above.

    Pairs come from the LSH candidates only (never all pairs), are verified, and kept when
    they are at least ``related``. ``jobs`` processes share the work (default: one per CPU);
    the result is the same for any number. Only the pairs among the ``max_candidates``
    strongest candidates of one of their articles are verified (None: every candidate).

    ``articles`` is read once. A sequence (a list) is kept in :attr:`ScanResult.articles` as
    given; any other iterable (a generator, a :class:`~dedup.read.ArticleStream`) is a stream,
    whose texts are freed as soon as they are analysed: the result then holds each article's
    :class:`~dedup.model.ArticleInfo`, all that the text and JSON reports print. Its progress
    has no total (``None``) while it is read.
    """
    verdicts, candidates, corpus, infos = scan_pairs(
        articles, settings, jobs or default_jobs(), progress or silent, max_candidates
    )
    pairs = verdicts.strongest_first()
    del verdicts  # a copy of every verdict in another order: 0.8 GB at a million articles
    order = [a.id for a in infos]
    return ScanResult(
        list(articles) if isinstance(articles, Sequence) else infos,
        pairs,
        union_clusters(pairs, min_relation, order),
        min_relation,
        settings,
        candidates=candidates,
        corpus=corpus,
    )


def judge(a: Article, b: Article, *, corpus: Corpus | None = None) -> PairVerdict:
    """The verdict on two articles, without the divergence report. ``corpus`` supplies term
    rarity (IDF); without it every term weighs the same."""
    return verify(prepare(analyse(a)), prepare(analyse(b)), corpus or UNIFORM)


@dataclass(slots=True)
class Comparison:
    """Two articles side by side: the verdict, the aligned sentences, where the facts differ."""

    a: Analysis
    b: Analysis
    verdict: PairVerdict
    alignment: Alignment
    divergences: Divergences

    def edits(self, pair_index: int) -> list[Edit]:
        """Word-level changes inside one aligned pair of sentences."""
        pair = self.alignment.pairs[pair_index]
        return word_diff(_tokens_in(self.a, pair.a), _tokens_in(self.b, pair.b))

    def to_dict(self) -> dict[str, Any]:
        ta, tb = self.a.article.text, self.b.article.text

        def sentence(analysis: Analysis, i: int) -> dict[str, Any]:
            span = analysis.sentences[i]
            return {"index": i, "span": [span.start, span.end], "text": analysis.article.text[span.start : span.end]}

        def side(analysis: Analysis) -> dict[str, Any]:
            article = analysis.article
            return {"id": article.id, **article.metadata(), "language": analysis.language}

        def edit(e: Edit) -> dict[str, Any]:
            def at(span: Span | None, text: str) -> dict[str, Any] | None:
                return None if span is None else {"span": [span.start, span.end], "text": text[span.start : span.end]}

            return {"op": e.op, "a": at(e.a, ta), "b": at(e.b, tb)}

        return {
            "schema_version": SCHEMA_VERSION,
            **{k: v for k, v in self.verdict.to_dict().items() if k not in ("a", "b")},
            "a": side(self.a),
            "b": side(self.b),
            "alignment": {
                "pairs": [
                    {
                        "a": [sentence(self.a, i) for i in p.a],
                        "b": [sentence(self.b, j) for j in p.b],
                        "similarity": round(p.similarity, 4),
                        "moved": p.moved,
                        "edits": [edit(e) for e in self.edits(n)],
                    }
                    for n, p in enumerate(self.alignment.pairs)
                ],
                "only_a": [sentence(self.a, i) for i in self.alignment.only_a],
                "only_b": [sentence(self.b, j) for j in self.alignment.only_b],
            },
            "divergences": self.divergences.to_dict(ta, tb),
        }


def _start(token: Token) -> int:
    return token.start


def _tokens_in(analysis: Analysis, sentences: list[int]) -> list[Token]:
    tokens = analysis.tokens
    out: list[Token] = []
    for i in sentences:
        span = analysis.sentences[i]
        start = bisect.bisect_left(tokens, span.start, key=_start)
        out += tokens[start : bisect.bisect_left(tokens, span.end, lo=start, key=_start)]
    return out


def compare(a: Article, b: Article, *, corpus: Corpus | None = None) -> Comparison:
    """Everything about two articles: verdict, sentence alignment with word edits, and the
    facts shared, one-sided and in conflict."""
    # Imported here: the fact patterns take a tenth of a second to compile, which a check, a
    # scan or an index command would pay at every start for nothing.
    from dedup.diverge import diverge
    from dedup.facts import extract_facts

    analysis_a, analysis_b = analyse(a), analyse(b)
    verdict, alignment = assess(prepare(analysis_a), prepare(analysis_b), corpus or UNIFORM)
    divergences = diverge(extract_facts(analysis_a), extract_facts(analysis_b), alignment)
    return Comparison(analysis_a, analysis_b, verdict, alignment, divergences)
