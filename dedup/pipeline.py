"""The scan pipeline on several processes: profile articles, find candidates, verify them.

1. Articles are analysed in chunks; each comes back as what later stages need only — its
   :class:`~dedup.score.Prepared` (pickled), its LSH bands and salient sketch, and the terms
   it counts towards document frequency — so no process keeps tokens for a batch.
2. The parent counts the terms as chunks arrive, appends the prepared data to a temporary
   file (a Python object of it is ~6 times larger, too large to hold a million of in memory)
   and finds the candidate pairs.
3. Candidate pairs are verified in chunks by processes that read the prepared data back from
   that file by offset.

Chunks go out and come back in order and every number is computed the same way whatever
process computes it, so the result does not depend on the number of processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from dedup.corpus import Corpus, document_terms
from dedup.fingerprint import Settings, fingerprints
from dedup.index import MemoryIndex, key_pairs, salient_sketch
from dedup.model import Article
from dedup.normalise import analyse
from dedup.score import Prepared, Verifier, prepare
from dedup.verdicts import Verdicts

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

    prepared: bytes  # the pickled Prepared
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


def profile_articles(articles: Sequence[Article], settings: Settings, fingerprinted: bool = True) -> list[Profile]:
    """The profiles of a chunk; without ``fingerprinted``, with no bands and an empty sketch (the
    indexed articles ``check`` verifies: the index already found them, a fifth of their cost)."""
    with _gc_paused():
        analyses = [analyse(a) for a in articles]
        fps = fingerprints(analyses, settings) if fingerprinted else [None] * len(analyses)
        profiles = [
            Profile(
                pickle.dumps(prepare(a, settings.shingle_size), protocol=pickle.HIGHEST_PROTOCOL),
                fp.shingle_bands if fp else [],
                fp.salient_bands if fp else [],
                salient_sketch(fp.salient_values if fp else []),
                document_terms(a),
            )
            for a, fp in zip(analyses, fps, strict=True)
        ]
        del analyses, fps  # freed now, so that the collector, back on, never walks their tokens
    return profiles


class _Spill:
    """Prepared articles in a file, read back by number; verification workers each open it.
    The most recently used stay loaded, the same objects, which the Verifier's memo needs."""

    def __init__(self, path: str, offsets: np.ndarray) -> None:
        self.path, self.offsets = path, offsets
        self._fd = os.open(path, os.O_RDONLY)
        self._kept: dict[int, Prepared] = {}

    def __getitem__(self, doc: int) -> Prepared:
        prepared = self._kept.pop(doc, None)
        if prepared is None:
            start, end = int(self.offsets[doc]), int(self.offsets[doc + 1])
            prepared = pickle.loads(os.pread(self._fd, end - start, start))
            if len(self._kept) >= Verifier.KEEP:
                del self._kept[next(iter(self._kept))]  # the least recently used
        self._kept[doc] = prepared
        return prepared

    def close(self) -> None:
        os.close(self._fd)


# What verification workers share, set by _start_verifier in each of them.
_shared: tuple[_Spill, Verifier] | None = None


def _start_verifier(spill: tuple[str, np.ndarray] | None, corpus: Corpus | None = None) -> None:
    global _shared
    if _shared is not None:
        _shared[0].close()
    _shared = None if spill is None or corpus is None else (_Spill(*spill), Verifier(corpus))


def _verify_pairs(keys: np.ndarray) -> Verdicts:
    """Verdicts of candidate pairs (:func:`~dedup.index.pair_keys`) at ``related`` or above
    (the unrelated ones are not reported)."""
    assert _shared is not None
    prepared, verifier = _shared
    verdicts = ((i, j, verifier.related(prepared[i], prepared[j])) for i, j in key_pairs(keys))
    return Verdicts.pack((), [(i, j, v) for i, j, v in verdicts if v is not None])


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


class SpillFile:
    """Pickled :class:`~dedup.score.Prepared` articles appended to a file, numbered in order;
    :meth:`close` gives what verification workers read them back with."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 (closed by close())
        self._offsets = [0]

    def append(self, prepared: bytes) -> None:
        self._file.write(prepared)
        self._offsets.append(self._offsets[-1] + len(prepared))

    def close(self) -> tuple[str, np.ndarray]:
        """The file and where each article's data starts (and the last ends)."""
        self._file.close()
        return self.path, np.asarray(self._offsets, dtype=np.int64)


def profiles(
    articles: Sequence[Article], settings: Settings, jobs: int, progress: Progress, fingerprinted: bool = True
) -> Iterator[Profile]:
    """The profile of each article, in order, made by ``jobs`` processes (see :func:`profile_articles`)."""
    done = 0
    chunks = _chunks(articles, ARTICLE_CHUNK)
    for size, chunk in _mapped(profile_articles, chunks, jobs, extra=(settings, fingerprinted)):
        yield from chunk
        done = _report(progress, "reading", done, size, len(articles))


@dataclass(slots=True)
class Profiled:
    """A batch after the first stage: its candidate pairs, term rarity, and prepared data on disk."""

    candidates: np.ndarray  # sorted pair keys (MemoryIndex.candidate_keys)
    corpus: Corpus
    spill: tuple[str, np.ndarray]  # SpillFile.close()


def profile_batch(
    articles: Sequence[Article],
    settings: Settings,
    jobs: int,
    folder: str,
    progress: Progress,
    max_candidates: int | None = None,
) -> Profiled:
    """Analyse every article (``jobs`` processes), spill its prepared data to a file in
    ``folder``, and find the candidates. ``max_candidates``: see :class:`~dedup.index.MemoryIndex`."""
    df: Counter[str] = Counter()
    index = MemoryIndex(settings.salient_min_jaccard, max_candidates, settings)
    spill = SpillFile(os.path.join(folder, "prepared"))
    for doc, p in enumerate(profiles(articles, settings, jobs, progress)):
        df.update(p.terms)
        index.add_bands(doc, p.shingle_bands, p.salient_bands, p.salient)
        spill.append(p.prepared)
    return Profiled(index.candidate_keys(), Corpus(df, len(articles)), spill.close())


def verify_candidates(
    candidates: np.ndarray,
    spill: tuple[str, np.ndarray],
    corpus: Corpus,
    ids: Sequence[str],
    jobs: int,
    progress: Progress,
) -> Verdicts:
    """The verdicts at ``related`` or above of candidate pairs (sorted
    :func:`~dedup.index.pair_keys`) of the articles in ``spill``, whose ids are ``ids``."""
    parts: list[Verdicts] = []
    done = 0
    try:
        chunks = _chunks(candidates, PAIR_CHUNK)
        for size, verdicts in _mapped(_verify_pairs, chunks, jobs, _start_verifier, (spill, corpus)):
            parts.append(verdicts)
            done = _report(progress, "verifying", done, size, len(candidates))
    finally:
        _start_verifier(None)
    return Verdicts.concatenate(ids, parts)


def scan_pairs(
    articles: Sequence[Article],
    settings: Settings,
    jobs: int,
    progress: Progress,
    max_candidates: int | None = None,
) -> tuple[Verdicts, int, Corpus]:
    """The verdicts of every candidate pair at ``related`` or above, the number of candidates,
    and the batch's term rarity they were judged with."""
    with tempfile.TemporaryDirectory(prefix="dedup-scan-") as folder:
        profiled = profile_batch(articles, settings, jobs, folder, progress, max_candidates)
        ids = [a.id for a in articles]
        verdicts = verify_candidates(profiled.candidates, profiled.spill, profiled.corpus, ids, jobs, progress)
    return verdicts, len(profiled.candidates), profiled.corpus
