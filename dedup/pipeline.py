"""The scan pipeline on several processes: profile articles, find candidates, verify them.

1. Articles are analysed in chunks; each comes back as what later stages need only — its
   compact :class:`~dedup.score.Prepared`, its LSH bands and salient signature, and the
   terms it counts towards document frequency — so no process keeps tokens for a batch.
2. The parent builds the batch's document frequencies and the candidate pairs.
3. Candidate pairs are verified in chunks by processes that start from the parent's state.

Chunks go out and come back in order and every number is computed the same way whatever
process computes it, so the result does not depend on the number of processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from dedup.corpus import Corpus, document_terms
from dedup.fingerprint import Settings, fingerprints
from dedup.index import MemoryIndex, salient_sketch
from dedup.model import Article, PairVerdict, Relation
from dedup.normalise import analyse
from dedup.score import Prepared, prepare, verify

Progress = Callable[[str, int, int], None]  # (stage, done, total)

ARTICLE_CHUNK = 64  # articles per task: large enough to batch signatures, small enough to balance
PAIR_CHUNK = 256  # candidate pairs per task

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(slots=True)
class Profile:
    """One article as the pipeline keeps it."""

    prepared: Prepared
    shingle_bands: list[int]
    salient_bands: list[int]
    salient: np.ndarray  # the 8-bit sketch (index.salient_sketch)
    terms: set[str]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Without the cycle collector for a while. Analysis makes thousands of containers an article
    and no reference cycle, yet each batch of them set off full collections over every object the
    process holds (a third of the analysis time at 3,000 articles); refcounting frees them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def profile_articles(articles: Sequence[Article], settings: Settings) -> list[Profile]:
    with _gc_paused():
        analyses = [analyse(a) for a in articles]
        fps = fingerprints(analyses, settings)
        profiles = [
            Profile(
                prepare(a, settings.shingle_size),
                fp.shingle_bands,
                fp.salient_bands,
                salient_sketch(fp.salient_values),
                document_terms(a),
            )
            for a, fp in zip(analyses, fps, strict=True)
        ]
        del analyses, fps  # freed now, so that the collector, back on, never walks their tokens
    return profiles


# What verification workers share, set by _start_verifier in each of them (inherited on fork).
_shared: tuple[list[Prepared], Corpus] | None = None


def _start_verifier(prepared: list[Prepared] | None, corpus: Corpus | None = None) -> None:
    global _shared
    _shared = None if prepared is None or corpus is None else (prepared, corpus)


def _verify_pairs(pairs: Sequence[tuple[int, int]]) -> list[PairVerdict | None]:
    """Verdicts of candidate pairs, None for the unrelated ones (not reported)."""
    assert _shared is not None
    prepared, corpus = _shared
    out: list[PairVerdict | None] = []
    for i, j in pairs:
        verdict = verify(prepared[i], prepared[j], corpus)
        out.append(verdict if verdict.relation >= Relation.RELATED else None)
    return out


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[k : k + size] for k in range(0, len(items), size)]


def _mapped(
    function: Callable[..., list[R]],
    chunks: Sequence[Sequence[Any]],
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    extra: tuple[Any, ...] = (),
) -> Iterator[tuple[int, list[R]]]:
    """``function(chunk, *extra)`` for every chunk, in order, on ``jobs`` processes (in this one
    when 1); yields each chunk's size with its results."""
    if jobs <= 1 or len(chunks) <= 1:
        if initializer:
            initializer(*initargs)
        for chunk in chunks:
            yield len(chunk), function(chunk, *extra)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with context.Pool(min(jobs, len(chunks)), initializer=initializer, initargs=initargs) as pool:
        args = [(chunk, *extra) for chunk in chunks]
        for chunk, result in zip(chunks, pool.imap(_Call(function), args), strict=True):
            yield len(chunk), result


@dataclass(frozen=True, slots=True)
class _Call:
    """A picklable ``function(*args)`` for Pool.imap."""

    function: Callable[..., Any]

    def __call__(self, args: tuple[Any, ...]) -> Any:
        return self.function(*args)


def _report(progress: Progress, stage: str, done: int, step: int, total: int) -> int:
    for n in range(done + 1, done + step + 1):
        progress(stage, n, total)
    return done + step


def scan_pairs(
    articles: Sequence[Article], settings: Settings, jobs: int, progress: Progress
) -> tuple[list[PairVerdict], int, Corpus]:
    """The verdicts of every candidate pair at ``related`` or above, the number of candidates,
    and the batch's term rarity they were judged with."""
    profiles: list[Profile] = []
    done = 0
    for size, chunk in _mapped(profile_articles, _chunks(articles, ARTICLE_CHUNK), jobs, extra=(settings,)):
        profiles += chunk
        done = _report(progress, "reading", done, size, len(articles))

    df: Counter[str] = Counter()
    index = MemoryIndex(settings.salient_min_jaccard)
    for doc, p in enumerate(profiles):
        df.update(p.terms)
        index.add_bands(doc, p.shingle_bands, p.salient_bands, p.salient)
    corpus = Corpus(df, len(profiles))
    prepared = [p.prepared for p in profiles]
    del profiles
    candidates = list(index.candidates())
    del index

    pairs: list[PairVerdict] = []
    done = 0
    chunks = _chunks(candidates, PAIR_CHUNK)
    try:
        for size, verdicts in _mapped(_verify_pairs, chunks, jobs, _start_verifier, (prepared, corpus)):
            pairs += [v for v in verdicts if v is not None]
            done = _report(progress, "verifying", done, size, len(candidates))
    finally:
        _start_verifier(None)
    return pairs, len(candidates), corpus
