"""The scan pipeline on several processes: profile articles, find candidates, verify them.

1. Articles are analysed in chunks; each comes back as what later stages need only — its
   :class:`~dedup.score.Prepared` (serialised), its LSH bands and salient sketch, and the
   terms it counts towards document frequency — so no process keeps tokens for a batch.
2. The parent counts the terms as chunks arrive, appends the prepared data to a temporary
   file (a Python object of it is several times larger, too large to hold a million of in memory)
   and finds the candidate pairs.
3. Once the batch's term rarity is known, every article in a candidate pair is weighed with
   it (:class:`~dedup.score.Weighed`: arrays, quick to load) into a second file, so that what
   depends on one article is worked out once, not once per pair.
4. Candidate pairs are verified in chunks by processes that read the weighed articles back
   from that file by offset.

Chunks go out and come back in order and every number is computed the same way whatever
process computes it, so the result does not depend on the number of processes.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.connection
import os
import sys
import tempfile
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import chain, islice
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

import numpy as np

from dedup.codec import PLAIN, Codec
from dedup.corpus import Corpus, TermCounts
from dedup.fingerprint import Settings, fingerprints
from dedup.hashes import term_keys
from dedup.index import STORED_SKETCH_BITS, MemoryIndex, key_pairs, salient_sketch
from dedup.model import Article, ArticleInfo
from dedup.normalise import analyse
from dedup.score import Prepared, Weighed, prepare, related, weigh_each
from dedup.verdicts import Verdicts

Progress = Callable[[str, int, int | None], None]  # (stage, done, total: None while unknown)

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

    prepared: bytes  # Prepared.dumps()
    shingle_bands: list[int]
    salient_bands: list[int]
    salient: np.ndarray  # the salient sketch, STORED_SKETCH_BITS a row (index.salient_sketch)
    term_keys: np.ndarray  # the keys (term_keys) of Prepared.terms, which a scan counts
    language: str

    @property
    def terms(self) -> set[str]:
        """:attr:`~dedup.score.Prepared.terms`, which an index counts: decoded when asked, not
        sent with every profile (unpickling them cost a scan's parent ~25 µs an article)."""
        return Prepared.loads(self.prepared).terms


@contextmanager
def gc_paused() -> Iterator[None]:
    """Without the cycle collector for a while (in the processes forked meanwhile too). Analysis
    and verification make thousands of containers an article and next to no reference cycle, yet
    each batch of them set off full collections over every object the process holds (a third of
    the analysis time at 3,000 articles); refcounting frees them all. For bounded work only: a
    check of 1,000 articles against a million left 325 unreachable objects for the collector."""
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
    with gc_paused():
        analyses = [analyse(a) for a in articles]
        fps = fingerprints(analyses, settings) if fingerprinted else [None] * len(analyses)
        prepared = [prepare(a, settings.shingle_size) for a in analyses]
        terms = [list(p.terms) for p in prepared]
        keys = np.split(term_keys(list(chain.from_iterable(terms))), np.cumsum([len(t) for t in terms[:-1]]))
        profiles = [
            Profile(
                p.dumps(),
                fp.shingle_bands if fp else [],
                fp.salient_bands if fp else [],
                salient_sketch(fp.salient_values if fp else [], STORED_SKETCH_BITS),
                k,
                a.language,
            )
            for a, p, fp, k in zip(analyses, prepared, fps, keys, strict=True)
        ]
        del analyses, prepared, fps  # freed now, so that the collector, back on, never walks their tokens
    return profiles


class _Kept:
    """Articles by number, loaded when asked for; the most recently used stay loaded (a scan's
    pairs come sorted by their first article, a check's by their new one)."""

    KEEP = 2048

    def __init__(self) -> None:
        self._kept: dict[int, Any] = {}

    def __getitem__(self, doc: int) -> Any:
        found = self._kept.pop(doc, None)
        if found is None:
            found = self.load_each([doc])[0]
            if len(self._kept) >= self.KEEP:
                del self._kept[next(iter(self._kept))]  # the least recently used
        self._kept[doc] = found
        return found

    def fetch(self, docs: Iterable[int]) -> None:
        """Load, all at once, those of ``docs`` not kept yet (the first of them forgotten first
        when too many): weighing many articles together is cheaper than one by one."""
        missing = [doc for doc in dict.fromkeys(docs) if doc not in self._kept][-self.KEEP :]
        for doc, found in zip(missing, self.load_each(missing), strict=True):
            if len(self._kept) >= self.KEEP:
                del self._kept[next(iter(self._kept))]
            self._kept[doc] = found

    def load_each(self, docs: Sequence[int]) -> list[Any]:
        """The articles, loaded without keeping them."""
        raise NotImplementedError


_ADVISE = hasattr(os, "posix_fadvise")  # not on macOS or Windows


class _Spill(_Kept):
    """Serialised articles in a file, read back by number (:meth:`~dedup.score.Weighed.loads`
    when loaded); each worker opens it."""

    def __init__(self, path: str, offsets: np.ndarray) -> None:
        super().__init__()
        self.path, self.offsets = path, offsets
        self._fd = os.open(path, os.O_RDONLY)

    def load_each(self, docs: Sequence[int]) -> list[Weighed]:
        return list(map(Weighed.loads, self.read_each(docs)))

    def read_each(self, docs: Sequence[int]) -> list[bytes]:
        """The data of each of ``docs``, all asked of the disk at once: read one by one, a
        scan's randomly placed articles wait for the disk one at a time (at 1M articles the
        page cache does not keep the file, and verification sat in I/O wait)."""
        spans = [(int(self.offsets[doc]), int(self.offsets[doc + 1])) for doc in docs]
        if _ADVISE and len(spans) > 1:
            for start, end in spans:
                os.posix_fadvise(self._fd, start, end - start, os.POSIX_FADV_WILLNEED)
        return [os.pread(self._fd, end - start, start) for start, end in spans]

    def close(self) -> None:
        os.close(self._fd)


class _Decoded(_Kept):
    """Serialised prepared articles, weighed with ``corpus`` as they are loaded; those in
    ``decoded`` were decoded beforehand, and are used once, then let go."""

    def __init__(self, prepared: Sequence[bytes], decoded: dict[int, Prepared], corpus: Corpus, codec: Codec) -> None:
        super().__init__()
        self.prepared, self.decoded, self.corpus, self.codec = prepared, decoded, corpus, codec

    def load_each(self, docs: Sequence[int]) -> list[Weighed]:
        found = [self.decoded.pop(doc, None) or Prepared.loads(self.prepared[doc], self.codec) for doc in docs]
        return weigh_each(found, self.corpus)


# What workers share, set by _start in each of them: a spill file, and the corpus to weigh with.
_shared: tuple[_Spill, Corpus | None] | None = None


def _start(spill: tuple[str, np.ndarray] | None, corpus: Corpus | None = None) -> None:
    global _shared
    if _shared is not None:
        _shared[0].close()
    _shared = None if spill is None else (_Spill(*spill), corpus)


def _weigh_articles(docs: np.ndarray) -> list[bytes]:
    """Prepared articles (by number) weighed with the corpus, dumped."""
    assert _shared is not None
    spill, corpus = _shared
    weighed = weigh_each([Prepared.loads(data) for data in spill.read_each(docs.tolist())], corpus)
    return [w.dumps() for w in weighed]


def _verify_pairs(keys: np.ndarray) -> Verdicts:
    assert _shared is not None
    return _verdicts(_shared[0], keys)


def _verdicts(weighed: _Kept, keys: np.ndarray) -> Verdicts:
    """Verdicts of candidate pairs (:func:`~dedup.index.pair_keys`) of weighed articles at
    ``related`` or above (the unrelated ones are not reported)."""
    weighed.fetch(np.column_stack((keys >> 32, keys & 0xFFFFFFFF)).ravel().tolist())
    verdicts = ((i, j, related(weighed[i], weighed[j])) for i, j in key_pairs(keys))
    return Verdicts.pack((), [(i, j, v) for i, j, v in verdicts if v is not None])


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[k : k + size] for k in range(0, len(items), size)]


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size``, taken as they come (a stream is never held whole)."""
    rest = iter(items)
    while batch := list(islice(rest, size)):
        yield batch


def _mapped(
    function: Callable[..., list[R]],
    chunks: Iterable[Sequence[Any]],
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    extra: tuple[Any, ...] = (),
) -> Iterator[tuple[Sequence[Any], list[R]]]:
    """``function(chunk, *extra)`` for every chunk, in order, on ``jobs`` processes (in this one
    when 1); yields each chunk with its results. Chunks are taken from ``chunks`` (in this
    thread, so that an error reading them is raised here) only as the processes need them: a few
    per process are in flight, never the whole stream."""
    chunks = iter(chunks)
    first = list(islice(chunks, jobs))
    if jobs <= 1 or len(first) <= 1:
        if initializer:
            initializer(*initargs)
        for chunk in chain(first, chunks):
            yield chunk, function(chunk, *extra)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with context.Pool(len(first), initializer=_worker, initargs=(initializer, *initargs)) as pool:
        pending: deque[tuple[Sequence[Any], AsyncResult[list[R]]]] = deque()
        for chunk in chain(first, chunks):
            pending.append((chunk, pool.apply_async(function, (chunk, *extra))))
            if len(pending) > 2 * len(first):
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


def _worker(initializer: Callable[..., None] | None = None, *initargs: Any) -> None:
    """What a worker process does first: keep the memory it frees, then ``initializer``."""
    _keep_freed_memory()
    if initializer:
        initializer(*initargs)


# glibc's mallopt parameters: blocks up to 32 MB (its largest) come from the heap, and the
# heap's free top is handed back past 1 GB only.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM, _MMAP = 1 << 30, 32 << 20


def _keep_freed_memory() -> None:
    """Have glibc keep the memory this process frees for its next allocations. By default it
    unmaps each large block numpy frees and trims the heap, so every batch's arrays fault in
    fresh pages: a check's workers took 220,000 page faults, half of them avoidable, and a
    page fault is dear on a virtual machine. For worker processes only: they end with their
    job, and their memory goes back then. Elsewhere than Linux's glibc, nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    with suppress(OSError):
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
        if mallopt is not None:
            mallopt(_M_MMAP_THRESHOLD, _MMAP)
            mallopt(_M_TRIM_THRESHOLD, _TRIM)


def _report(progress: Progress, stage: str, done: int, step: int, total: int | None) -> int:
    for n in range(done + 1, done + step + 1):
        progress(stage, n, total)
    return done + step


class SpillFile:
    """Serialised articles (:meth:`~dedup.score.Prepared.dumps` or :meth:`~dedup.score.Weighed.dumps`)
    appended to a file, numbered in order; :meth:`close` gives what workers read them back with."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 (closed by close())
        self._offsets = [0]

    def append(self, prepared: bytes) -> None:
        self._file.write(prepared)
        self._offsets.append(self._offsets[-1] + len(prepared))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def close(self) -> tuple[str, np.ndarray]:
        """The file and where each article's data starts (and the last ends)."""
        self._file.close()
        return self.path, np.asarray(self._offsets, dtype=np.int64)


def profiles(
    articles: Iterable[Article], settings: Settings, jobs: int, progress: Progress, fingerprinted: bool = True
) -> Iterator[Profile]:
    """The profile of each article, in order, made by ``jobs`` processes (see :func:`profile_articles`)."""
    return (profile for _, profile in _profiled(articles, settings, jobs, progress, fingerprinted))


def _profiled(
    articles: Iterable[Article], settings: Settings, jobs: int, progress: Progress, fingerprinted: bool = True
) -> Iterator[tuple[Article, Profile]]:
    """Each article with its profile, in order, made by ``jobs`` processes; ``articles`` is read as
    the processes need it. Progress counts against a total only when ``articles`` has a length."""
    total = len(articles) if isinstance(articles, Sized) else None
    done = 0
    batches = _batches(articles, ARTICLE_CHUNK)
    for chunk, made in _mapped(profile_articles, batches, jobs, extra=(settings, fingerprinted)):
        yield from zip(chunk, made, strict=True)
        done = _report(progress, "reading", done, len(chunk), total)
    if total is None:
        progress("reading", done, done)  # the total, now that it is known


@dataclass(slots=True)
class Profiled:
    """A batch after the first stage: its candidate pairs, term rarity, prepared data on disk,
    and its articles without their texts."""

    candidates: np.ndarray  # sorted pair keys (MemoryIndex.candidate_keys)
    corpus: Corpus
    spill: tuple[str, np.ndarray]  # SpillFile.close()
    articles: list[ArticleInfo]


def profile_batch(
    articles: Iterable[Article],
    settings: Settings,
    jobs: int,
    folder: str,
    progress: Progress,
    max_candidates: int | None = None,
) -> Profiled:
    """Analyse every article (``jobs`` processes), spill its prepared data to a file in
    ``folder``, and find the candidates. ``max_candidates``: see :class:`~dedup.index.MemoryIndex`.
    ``articles`` may be a stream, read once: no text is kept once its article is analysed."""
    df = TermCounts()
    index = MemoryIndex(settings.salient_min_jaccard, max_candidates, settings)
    spill = SpillFile(os.path.join(folder, "prepared"))
    infos: list[ArticleInfo] = []
    for doc, (article, p) in enumerate(_profiled(articles, settings, jobs, progress)):
        infos.append(article.info())
        df.add(p.term_keys)
        index.add_bands(doc, p.shingle_bands, p.salient_bands, p.salient)
        spill.append(p.prepared)
    return Profiled(index.candidate_keys(), Corpus(df, len(infos)), spill.close(), infos)


def verify_candidates(
    candidates: np.ndarray,
    spill: tuple[str, np.ndarray],
    corpus: Corpus,
    ids: Sequence[str],
    jobs: int,
    progress: Progress,
) -> Verdicts:
    """The verdicts at ``related`` or above of candidate pairs (:func:`~dedup.index.pair_keys`,
    in the order they are verified) of the articles in ``spill``, whose ids are ``ids``. Every
    article is weighed once, in a stage of its own, before the pairs are verified: a scan puts
    an article in many pairs."""
    parts: list[Verdicts] = []
    done = 0
    try:
        weighed = _weigh_candidates(candidates, spill, corpus, jobs, progress)
        for chunk, verdicts in _mapped(_verify_pairs, _chunks(candidates, PAIR_CHUNK), jobs, _start, (weighed, corpus)):
            parts.append(verdicts)
            done = _report(progress, "verifying", done, len(chunk), len(candidates))
    finally:
        _start(None)
    return Verdicts.concatenate(ids, parts)


def verify_shares(
    candidates: np.ndarray,
    prepared: Sequence[bytes],
    rarity: Callable[[set[str]], Corpus],
    jobs: int,
    progress: Progress,
    codec: Codec = PLAIN,
) -> Verdicts:
    """The verdicts at ``related`` or above of candidate pairs (:func:`~dedup.index.pair_keys`,
    sorted by their second article) of serialised prepared articles (packed by ``codec``, or
    without a dictionary), weighed with the corpus ``rarity`` makes of the terms their articles
    count: a check's, which depends on the indexed candidates' terms. Articles in no pair are
    left without an id.

    ``jobs`` processes take a share of the pairs each, whole second articles at a time. Each
    decodes the articles of its share once: it sends their terms, then weighs them with the
    corpus it gets back (decoding them once for their terms and again to weigh them took a
    fifth of a check's verification). A process done with its share takes chunks from the end
    of another's: of two shares of as many pairs, one had taken up to a fifth longer."""
    seconds = candidates & 0xFFFFFFFF
    even = np.linspace(0, len(candidates), jobs + 1)[1:-1].astype(np.int64) if len(candidates) else []
    shares = [share for share in np.split(candidates, np.searchsorted(seconds, seconds[even])) if len(share)]
    chunks = [_chunks(share, PAIR_CHUNK) for share in shares]
    names: dict[int, str] = {}
    found: dict[tuple[int, int], Verdicts] = {}
    done = 0
    with _Shares(shares, prepared, codec) as running:
        terms: set[str] = set()
        for share_names, share_terms in running.first():
            names.update(share_names)
            terms |= share_terms
        for (share, k), verdicts in running.rest(rarity(terms), chunks):
            found[share, k] = verdicts
            done = _report(progress, "verifying", done, len(chunks[share][k]), len(candidates))
    parts = [found[key] for key in sorted(found)]  # in the order of the pairs, whoever verified them
    return Verdicts.concatenate([names.get(n, "") for n in range(len(prepared))], parts)


KEEP_DECODED = 16_384  # articles a share keeps decoded between sending their terms and weighing them


def _share(keys: np.ndarray, prepared: Sequence[bytes], codec: Codec) -> Generator[Any, Any, None]:
    """One share of :func:`verify_shares`: yields the ids (by number) and terms of its
    articles; is sent the corpus, and yields None; then is sent chunks of pairs (any share's),
    and yields each one's verdicts."""
    decoded: dict[int, Prepared] = {}
    names: dict[int, str] = {}
    terms: set[str] = set()
    for doc in np.unique(np.concatenate((keys >> 32, keys & 0xFFFFFFFF))).tolist():
        p = Prepared.loads(prepared[doc], codec)
        names[doc] = p.id
        p.add_terms(terms)
        if len(decoded) < KEEP_DECODED:  # memory stays bounded: past it, decoded again to weigh
            decoded[doc] = p
    corpus = yield names, terms
    weighed = _Decoded(prepared, decoded, corpus, codec)
    chunk = yield None
    while True:
        chunk = yield _verdicts(weighed, chunk)


class _Shares:
    """The shares of :func:`verify_shares` run as generators, each in a process of its own
    (forked where the platform can), or in this one when there is one."""

    def __init__(self, shares: list[np.ndarray], prepared: Sequence[bytes], codec: Codec) -> None:
        self.shares, self.prepared, self.codec = shares, prepared, codec
        self.here: Generator[Any, Any, None] | None = None
        self.pipes: list[Any] = []
        self.workers: list[Any] = []

    def __enter__(self) -> _Shares:
        if len(self.shares) == 1:
            self.here = _share(self.shares[0], self.prepared, self.codec)
            return self
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        for keys in self.shares:
            pipe, theirs = context.Pipe()
            worker = context.Process(target=_run_share, args=(theirs, keys, self.prepared, self.codec), daemon=True)
            worker.start()
            theirs.close()
            self.pipes.append(pipe)
            self.workers.append(worker)
        return self

    def first(self) -> list[tuple[dict[int, str], set[str]]]:
        """Each share's ids and terms."""
        return [next(self.here)] if self.here else [_received(pipe) for pipe in self.pipes]

    def rest(self, corpus: Corpus, chunks: list[list[np.ndarray]]) -> Iterator[tuple[tuple[int, int], Verdicts]]:
        """The verdicts of every chunk (``chunks[share][k]``) once the shares have the corpus,
        as they come, with the chunk's place ``(share, k)``. Each process verifies its own
        share's chunks in order, then takes the last chunk left of the share with most left."""
        if self.here:
            self.here.send(corpus)
            for k, chunk in enumerate(chunks[0]):
                yield (0, k), self.here.send(chunk)
            return
        left = [deque(range(len(share))) for share in chunks]
        doing: dict[int, tuple[int, int]] = {}

        def next_chunk(worker: int) -> None:
            taken = _take(left, worker)
            if taken is None:
                self.pipes[worker].send(None)  # nothing left: the process ends
            else:
                doing[worker] = taken
                self.pipes[worker].send(chunks[taken[0]][taken[1]])

        for pipe in self.pipes:
            pipe.send(corpus)
        pending = list(self.pipes)
        while pending:
            for pipe in multiprocessing.connection.wait(pending):
                message = _received(pipe)
                worker = self.pipes.index(pipe)
                if message == _DONE:
                    pending.remove(pipe)
                    continue
                if message is not None:  # not the first: the verdicts of the chunk it was doing
                    yield doing[worker], message
                next_chunk(worker)

    def __exit__(self, *exc: object) -> None:
        if self.here:
            self.here.close()
        for pipe in self.pipes:
            pipe.close()
        for worker in self.workers:
            worker.join(timeout=None if exc[0] is None else 0)
            if worker.is_alive():
                worker.kill()
                worker.join()


def _take(left: list[deque[int]], share: int) -> tuple[int, int] | None:
    """The next chunk ``(share, k)`` for the process of ``share``, taken out of ``left`` (the
    chunks each share has left): its own share's first, else the last of the share with most
    left (whose process goes on from the front); None when none is left."""
    if left[share]:
        return share, left[share].popleft()
    if not any(left):
        return None
    other = max(range(len(left)), key=lambda s: len(left[s]))
    return other, left[other].pop()


_DONE = "done"


@dataclass(frozen=True, slots=True)
class _Failed:
    trace: str


def _run_share(pipe: Any, keys: np.ndarray, prepared: Sequence[bytes], codec: Codec) -> None:
    """:func:`_share` in a process, talking through ``pipe``: it gets the corpus, then chunks
    until None; an error goes back as its trace."""
    try:
        _keep_freed_memory()
        steps = _share(keys, prepared, codec)
        pipe.send(next(steps))
        message = pipe.recv()  # the corpus
        while message is not None:
            pipe.send(steps.send(message))
            message = pipe.recv()
        pipe.send(_DONE)
    except EOFError:
        pass  # the parent stopped listening: it has its own error to report
    except BaseException:  # the parent raises it: a process has no one else to tell
        with suppress(OSError):
            pipe.send(_Failed(traceback.format_exc()))
    finally:
        pipe.close()


def _received(pipe: Any) -> Any:
    try:
        message = pipe.recv()
    except EOFError:
        raise RuntimeError("a verifying process ended before it was done") from None
    if isinstance(message, _Failed):
        error = RuntimeError(f"a verifying process failed: {message.trace.strip().splitlines()[-1]}")
        error.add_note(message.trace)  # shown with the parent's traceback (DEDUP_DEBUG=1)
        raise error
    return message


def _weigh_candidates(
    candidates: np.ndarray, spill: tuple[str, np.ndarray], corpus: Corpus, jobs: int, progress: Progress
) -> tuple[str, np.ndarray]:
    """Every article of a candidate pair weighed with ``corpus``, in a spill file beside
    ``spill`` (the others have no data there)."""
    needed = np.zeros(len(spill[1]) - 1, dtype=bool)
    needed[candidates >> 32] = needed[candidates & 0xFFFFFFFF] = True
    docs = np.flatnonzero(needed)
    out = SpillFile(spill[0] + ".weighed")
    done = 0
    for chunk, weighed in _mapped(_weigh_articles, _chunks(docs, ARTICLE_CHUNK), jobs, _start, (spill, corpus)):
        for doc, data in zip(chunk.tolist(), weighed, strict=True):
            while len(out) < doc:
                out.append(b"")
            out.append(data)
        done = _report(progress, "weighing", done, len(chunk), len(docs))
    while len(out) < len(needed):
        out.append(b"")
    return out.close()


def scan_pairs(
    articles: Iterable[Article],
    settings: Settings,
    jobs: int,
    progress: Progress,
    max_candidates: int | None = None,
) -> tuple[Verdicts, int, Corpus, list[ArticleInfo]]:
    """The verdicts of every candidate pair at ``related`` or above, the number of candidates,
    the batch's term rarity they were judged with, and its articles without their texts, in
    order. ``articles`` may be a stream, read once (see :func:`profile_batch`)."""
    with tempfile.TemporaryDirectory(prefix="dedup-scan-") as folder:
        profiled = profile_batch(articles, settings, jobs, folder, progress, max_candidates)
        ids = [a.id for a in profiled.articles]
        verdicts = verify_candidates(profiled.candidates, profiled.spill, profiled.corpus, ids, jobs, progress)
    return verdicts, len(profiled.candidates), profiled.corpus, profiled.articles
