"""The CI gate: new articles checked against the persistent index and against each other.

>>> from dedup.check import check, index_add
>>> from dedup.read import read_paths
>>> seeds = {a.id[:3]: a for a in read_paths(["seeds"]).articles}
>>> _ = index_add([seeds[k] for k in ("000", "001", "003")], "/tmp/doc.duckdb")  # doctest: +SKIP
>>> result = check([seeds["002"], seeds["004"]], "/tmp/doc.duckdb")  # doctest: +SKIP
>>> result.failed, result.findings[0].matches[0].id  # doctest: +SKIP
(True, '001_aec4fc2534195234.txt')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from dedup.codec import Codec
from dedup.corpus import Corpus, TermCounts
from dedup.fingerprint import Settings
from dedup.index import MAX_CANDIDATES, MemoryIndex, pair_keys
from dedup.model import Article, PairVerdict, Problem, Relation
from dedup.normalise import silent
from dedup.pipeline import default_jobs, gc_paused, profiles, verify_shares
from dedup.read import read_paths
from dedup.store import DEFAULT_PATH, LOCK_TIMEOUT, AddResult, IndexStats, Store, translated, vacuum

__all__ = [
    "Add",
    "CheckResult",
    "Finding",
    "Match",
    "check",
    "index_add",
    "index_remove",
    "index_stats",
    "index_vacuum",
]

SCHEMA_VERSION = "1.1"  # 1.1: scores.lcs_containment
MAX_MATCHES = 5  # per new article, strongest first: enough to act on, short enough to read

Progress = Callable[[str, int, int], None]  # (stage, done, total)
PathLike = str | os.PathLike[str]


class Add(StrEnum):
    """When ``check`` adds the batch to the index."""

    NEVER = "never"
    PASS = "pass"  # only when no article fails: the index then holds what was accepted
    ALWAYS = "always"


@dataclass(slots=True)
class Match:
    """Another article a new one relates to: indexed, or new in the same batch."""

    id: str
    in_index: bool
    verdict: PairVerdict

    def to_dict(self) -> dict[str, Any]:
        verdict = self.verdict.to_dict()
        return {"id": self.id, "in_index": self.in_index, **{k: v for k, v in verdict.items() if k not in ("a", "b")}}


@dataclass(slots=True)
class Finding:
    """One new article and its strongest matches (at least ``related``), strongest first."""

    id: str
    matches: list[Match]

    @property
    def relation(self) -> Relation:
        return self.matches[0].verdict.relation if self.matches else Relation.UNRELATED

    def fails(self, fail_on: Relation) -> bool:
        return bool(self.matches) and self.relation >= fail_on


@dataclass(slots=True)
class CheckResult:
    articles: list[Article]
    findings: list[Finding]
    fail_on: Relation
    index_path: str
    indexed: int  # articles in the index
    settings: Settings
    candidates: int = 0
    skipped: list[Problem] = field(default_factory=list)
    added: AddResult | None = None  # what ``add`` put in the index, None when it added nothing
    unverified: list[str] = field(default_factory=list)  # compact index: candidates whose original is lost

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.fails(self.fail_on)]

    @property
    def failed(self) -> bool:
        """Whether any new article matches another at ``fail_on`` or stronger."""
        return bool(self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "fail_on": self.fail_on.label,
            "failed": self.failed,
            "index": {"path": self.index_path, "articles": self.indexed},
            "settings": self.settings.to_dict(),
            "summary": {
                "articles_checked": len(self.articles),
                "articles_skipped": len(self.skipped),
                "candidates": self.candidates,
                "candidates_unverified": len(self.unverified),
                "articles_with_matches": sum(1 for f in self.findings if f.matches),
                "articles_failing": len(self.failures),
            },
            "articles": [{"id": a.id, **a.metadata()} for a in self.articles],
            "findings": [
                {
                    "id": f.id,
                    "status": "fail" if f.fails(self.fail_on) else "pass",
                    "relation": f.relation.label if f.matches else None,
                    "matches": [m.to_dict() for m in f.matches],
                }
                for f in self.findings
            ],
            "skipped": [{"where": p.where, "message": p.message} for p in self.skipped],
        }


def _articles(items: Iterable[Article | PathLike]) -> list[Article]:
    items = [items] if isinstance(items, (str, os.PathLike)) else list(items)
    if all(isinstance(i, Article) for i in items):
        return items  # type: ignore[return-value]
    if any(isinstance(i, Article) for i in items):
        raise TypeError("give articles or paths, not both")
    return read_paths(items).articles  # type: ignore[arg-type]


def index_add(
    items: Iterable[Article | PathLike],
    index_path: PathLike = DEFAULT_PATH,
    *,
    settings: Settings = Settings(),
    compact: bool | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> AddResult:
    """Add articles (or the files and folders holding them) to the index, creating it when
    missing (``compact``: one that keeps no prepared data); an id already indexed is replaced.
    One transaction: all or nothing. ``jobs`` processes analyse them (default: one per CPU)."""
    articles = _articles(items)
    made = list(profiles(articles, settings, jobs or default_jobs(), progress or silent))
    with (
        translated(index_path),
        Store.open(index_path, settings=settings, write=True, compact=compact, lock_timeout=lock_timeout) as store,
    ):
        return store.add(articles, made)


def index_remove(
    ids: Iterable[str], index_path: PathLike = DEFAULT_PATH, *, lock_timeout: float = LOCK_TIMEOUT
) -> list[str]:
    """Remove articles by id; returns the ids that were indexed."""
    with (
        translated(index_path),
        Store.open(index_path, settings=None, write=True, create=False, lock_timeout=lock_timeout) as store,
    ):
        return store.remove(ids)


def index_vacuum(index_path: PathLike = DEFAULT_PATH, *, lock_timeout: float = LOCK_TIMEOUT) -> tuple[int, int]:
    """Rewrite the index into a fresh file without its free blocks; the bytes before and after."""
    with translated(index_path):
        return vacuum(index_path, lock_timeout)


def index_stats(index_path: PathLike = DEFAULT_PATH, *, lock_timeout: float = LOCK_TIMEOUT) -> IndexStats:
    with translated(index_path), Store.open(index_path, settings=None, lock_timeout=lock_timeout) as store:
        return store.stats()


@gc_paused()  # bounded work: the few cycles it leaves wait for the collector's return
def check(
    articles: Sequence[Article],
    index_path: PathLike = DEFAULT_PATH,
    *,
    fail_on: Relation = Relation.REWRITE,
    add: Add | str = Add.NEVER,
    settings: Settings = Settings(),
    lock_timeout: float = LOCK_TIMEOUT,
    progress: Progress | None = None,
    jobs: int | None = None,
    max_candidates: int | None = MAX_CANDIDATES,
) -> CheckResult:
    """Check new articles against the index and against each other (``jobs`` processes analyse
    the batch, weigh the articles and verify the pairs; default: one per CPU).

    Candidates come from the index's band join and, within the batch, from the same LSH
    bands as :func:`dedup.api.scan`; each is verified with term rarity from the index plus
    the batch, against the indexed article's stored prepared data (a compact index: its
    original, re-read and analysed again). Each new article is verified against at most its
    ``max_candidates`` strongest indexed candidates (None: every one), and within the batch a
    pair only when it is among the strongest of one of its articles, as in ``scan``: the work
    stays bounded however large and dense the index. An indexed article with the id of a new one is not compared
    with it (the new version replaces it).

    ``add``: ``"pass"`` adds the batch to the index (creating it when missing) when no
    article fails, ``"always"`` whatever the verdict; ``CheckResult.added`` says what it added.
    """
    report = progress or silent
    jobs = jobs or default_jobs()
    made = list(profiles(articles, settings, jobs, report))
    ids = [a.id for a in articles]
    add = Add(add)
    # When adding, one write connection covers the check and the add (and creates a missing
    # index), so no other writer can slip a duplicate in between.
    with (
        translated(index_path),
        Store.open(index_path, settings=settings, write=add is not Add.NEVER, lock_timeout=lock_timeout) as store,
    ):
        indexed = store.count()
        against_index = store.candidates(made, ids, max_candidates)
        stored, unverified = store.prepared({doc for _, doc in against_index}, jobs)
        old_docs = sorted(stored)
        documents = indexed - len(store.present(ids)) + len(articles)

        def rarity(terms: set[str]) -> Corpus:
            """Term rarity over the index and the batch (the indexed versions of new ids aside),
            looked up for ``terms``: those of every article weighed."""
            counts = TermCounts.of_terms(store.document_frequencies(terms))
            for p in made:
                counts.add(p.term_keys)
            return Corpus(counts, documents)

        number = {doc: k for k, doc in enumerate(old_docs)}
        against = [(number[doc], pos) for pos, doc in against_index if doc in number]
        within = MemoryIndex(settings.salient_min_jaccard, max_candidates, settings)
        for pos, p in enumerate(made):
            within.add_bands(pos, p.shingle_bands, p.salient_bands, p.salient)
        spilled = [stored[doc] for doc in old_docs] + [p.prepared for p in made]
        matches, total = _verify(
            spilled, len(old_docs), against, within.candidate_keys(), rarity, report, jobs, store.codec
        )
        findings = [
            Finding(article_id, sorted(found, key=_strongest)[:MAX_MATCHES])
            for article_id, found in zip(ids, matches, strict=True)
        ]
        result = CheckResult(
            list(articles),
            findings,
            fail_on,
            str(Path(index_path)),
            indexed,
            settings,
            candidates=total,
            unverified=unverified,
        )
        if add is Add.ALWAYS or (add is Add.PASS and not result.failed):
            result.added = store.add(articles, made)
    return result


def _strongest(m: Match) -> tuple[int, float, str]:
    return (-m.verdict.relation, -m.verdict.score, m.id)


def _verify(
    prepared: list[bytes],
    m: int,
    against_index: list[tuple[int, int]],
    within_batch: np.ndarray,
    rarity: Callable[[set[str]], Corpus],
    report: Progress,
    jobs: int,
    codec: Codec,
) -> tuple[list[list[Match]], int]:
    """The matches of each new article, from its candidates in the index (``(indexed article,
    position)`` pairs) and within the batch (:func:`~dedup.index.pair_keys` of positions),
    verified on ``jobs`` processes with the corpus ``rarity`` makes of their terms; and the
    number of candidates. ``prepared`` holds the ``m`` indexed articles' data, then the new
    ones': each pair's ``a`` came first. ``codec`` unpacks both."""
    against = np.array(against_index, dtype=np.int64).reshape(-1, 2)
    keys = np.concatenate([pair_keys(against[:, 0], against[:, 1] + m), within_batch + (m << 32 | m)])
    # By new article: each verifying process takes whole new articles (an indexed candidate
    # is mostly in one pair).
    keys = keys[np.lexsort((keys >> 32, keys & 0xFFFFFFFF))]
    verdicts = verify_shares(keys, prepared, rarity, jobs, report, codec)
    matches: list[list[Match]] = [[] for _ in range(len(prepared) - m)]
    for k, (i, j) in enumerate(zip(verdicts.firsts.tolist(), verdicts.seconds.tolist(), strict=True)):
        verdict = verdicts[k]
        if i < m:
            matches[j - m].append(Match(verdict.a, True, verdict))
        else:
            matches[i - m].append(Match(verdict.b, False, verdict))
            matches[j - m].append(Match(verdict.a, False, verdict))
    return matches, len(keys)
