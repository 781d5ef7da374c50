"""LSH band index: articles sharing a bucket in any band become candidate pairs.

The table is ``(doc, band, bucket)``; candidates are its self-join on ``(band, bucket)``.
This is the in-memory form for one-shot batches; the persistent index keeps the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from dedup.fingerprint import Fingerprint, Settings

# A bucket this crowded is boilerplate every article shares (a byline, a cookie banner),
# not evidence of duplication; pairing all its members would be quadratic.
MAX_BUCKET = 200

# Candidates verified per article by default. On 100,000 synthetic articles (bench/candidates.py,
# figures in bench/README.md) 10 halves the candidates (10.9 to 5.8 an article), pairs as many
# copies with their source as no limit does (4,498 of 4,499) and 99.63% of rewrites (99.67%).
MAX_CANDIDATES = 10


# b-bit minwise hashing (Li & König, 2010): estimates compare only the lowest byte of each
# salient row; rows then also agree by chance, 1 time in 256 (corrected for).
SKETCH_BITS = 8
# The persistent index keeps 12 bits of each row: two side by side make a 24-bit band bucket,
# rare enough by chance against a million articles (dedup.store).
STORED_SKETCH_BITS = 12


def salient_sketch(salient: np.ndarray, bits: int = SKETCH_BITS) -> np.ndarray:
    """A salient signature (``Fingerprint.salient_values``), or a wider sketch, cut to the
    lowest ``bits`` of each row."""
    dtype = np.uint8 if bits <= 8 else np.uint16
    return (np.asarray(salient, dtype=np.uint64) & np.uint64(2**bits - 1)).astype(dtype)


def salient_estimates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Salient-term Jaccards estimated from two stacks of sketches (one pair per row): the
    share of equal rows, less the rows that agree by chance. Vectorised: a check against a
    large index confirms hundreds of thousands of pairs."""
    return estimated((a == b).mean(axis=1))


def estimated(share: np.ndarray) -> np.ndarray:
    """Salient-term Jaccards from the share of sketch rows two signatures agree on, less the
    rows that agree by chance."""
    chance = 2.0**-SKETCH_BITS
    return np.clip((share - chance) / (1.0 - chance), 0.0, None)


def share_needed(jaccard: float) -> float:
    """The share of agreeing sketch rows whose estimate is ``jaccard`` (the inverse of :func:`estimated`)."""
    chance = 2.0**-SKETCH_BITS
    return jaccard * (1.0 - chance) + chance


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs of 32-bit numbers as single int64 keys, so that sets of pairs are numpy arrays."""
    return (np.asarray(a, dtype=np.int64) << 32) | np.asarray(b, dtype=np.int64)


def key_pairs(keys: np.ndarray) -> list[tuple[int, int]]:
    return list(zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist(), strict=True))


def confirmed(
    shingle_keys: np.ndarray,
    salient_keys: np.ndarray,
    estimates: Callable[[np.ndarray, np.ndarray], np.ndarray],
    min_jaccard: float,
) -> np.ndarray:
    """The candidates as sorted keys: every shingle-band pair, and the salient-band pairs whose
    sketch estimate (``estimates(firsts, seconds)``) reaches ``min_jaccard``. Pairs come as
    :func:`pair_keys`, each once per kind; the memory and the persistent index both decide here."""
    unsure = salient_keys[~np.isin(salient_keys, shingle_keys)]
    passed = unsure[estimates(unsure >> 32, unsure & 0xFFFFFFFF) >= min_jaccard] if len(unsure) else unsure
    return np.sort(np.concatenate([shingle_keys, passed]))  # disjoint: no pair twice


def strength(
    keys: np.ndarray,
    shingle_keys: np.ndarray,
    shared_bands: np.ndarray,
    estimates: Callable[[np.ndarray, np.ndarray], np.ndarray],
    settings: Settings,
) -> np.ndarray:
    """How strong each candidate (:func:`pair_keys`) is: the Jaccard its shared shingle bands
    imply (``shared_bands[k]`` of the sorted ``shingle_keys[k]``; a band's rows all agree with
    probability J ** rows), or for a pair found by salient bands alone its salient estimate."""
    bands = np.zeros(len(keys))
    found = np.isin(keys, shingle_keys)
    bands[found] = shared_bands[np.searchsorted(shingle_keys, keys[found])]
    rated = (bands / settings.bands) ** (1 / (settings.num_perm // settings.bands))
    rated[~found] = estimates(keys[~found] >> 32, keys[~found] & 0xFFFFFFFF)
    return rated


def strongest(keys: np.ndarray, strength: np.ndarray, limit: int, *, first_only: bool = False) -> np.ndarray:
    """The pairs (:func:`pair_keys`) that are among the ``limit`` strongest of either of their
    articles (``first_only``: of their first article, when the two are numbered apart, as new
    and indexed articles are), in the order given. Ties go to the pair given first, so the
    choice is stable."""
    _, which, _, rank = _ranked(keys, strength, first_only)
    return keys[distinct(which[rank < limit])[0]]


def _ranked(
    keys: np.ndarray, strength: np.ndarray, first_only: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each pair once per end (article) it is ranked at, sorted by end then strongest first:
    the end, the pair's position in ``keys``, its strength and its rank at that end (0: the
    strongest)."""
    sides = [keys >> 32] if first_only else [keys >> 32, keys & 0xFFFFFFFF]
    # 32-bit ends and positions: at a million articles this sort holds ~50 million of each.
    ends = np.concatenate(sides).astype(np.uint32)
    which = np.concatenate([np.arange(len(keys), dtype=np.int32 if len(keys) < 2**31 else np.int64)] * len(sides))
    strength = np.concatenate([strength] * len(sides))
    order = np.lexsort((which, -strength, ends))
    ends, which, strength = ends[order], which[order], strength[order]
    del order
    first = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    rank = np.arange(len(ends)) - np.repeat(first, np.diff(np.r_[first, len(ends)]))
    return ends, which, strength, rank


def distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of an int64 array, and how often each occurs (a sort: numpy
    2.4's ``np.unique`` takes a minute on 25 million keys, the sort two seconds)."""
    keys = np.sort(keys)
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, dtype=np.int64)
    return keys[first], np.diff(np.r_[first, len(keys)])


def bucket_pairs(buckets: np.ndarray) -> np.ndarray:
    """The pairs of rows (:func:`pair_keys`, first row first) holding the same value of
    ``buckets``, in buckets of at most ``MAX_BUCKET`` rows; vectorised over the whole column."""
    order = np.argsort(buckets, kind="stable")  # stable: rows of a bucket stay increasing
    values = buckets[order]
    new = np.r_[True, values[1:] != values[:-1]]
    group = np.cumsum(new)
    sizes = np.diff(np.r_[np.flatnonzero(new), len(values)])[group - 1]
    keep = (sizes >= 2) & (sizes <= MAX_BUCKET)
    rows, group = order[keep], group[keep]
    found = []
    for step in range(1, MAX_BUCKET):  # each row with the one ``step`` places after it in its bucket
        same = group[step:] == group[:-step]
        if not same.any():
            break
        found.append(pair_keys(rows[:-step][same], rows[step:][same]))
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


class _Rows:
    """A 2-D array grown a row at a time: one array for all rows, not one object a row (a
    numpy array costs ~100 bytes besides its data; a million of them, a tenth of a GB)."""

    def __init__(self, dtype: type[np.generic]) -> None:
        self._data = np.empty((0, 0), dtype=dtype)
        self._count = 0

    def append(self, row: np.ndarray) -> None:
        if self._count == len(self._data):  # by half again: a copy costs at most half the rows more
            grown = np.empty((max(1024, self._count * 3 // 2), len(row)), dtype=self._data.dtype)
            if self._count:
                grown[: self._count] = self._data[: self._count]
            self._data = grown
        self._data[self._count] = row
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def array(self) -> np.ndarray:
        """The rows so far (a view)."""
        return self._data[: self._count]


def _merged_counts(
    keys: np.ndarray, counts: np.ndarray, more: np.ndarray, more_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two sets of distinct sorted keys with counts, as one (counts of a key in both added)."""
    keys, counts = np.concatenate([keys, more]), np.concatenate([counts, more_counts])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.empty(0, dtype=np.int64)
    return keys[first], np.add.reduceat(counts, first) if len(first) else counts


BAND_GROUP = 8  # shingle bands paired at a time; their pairs are merged before the next group's are made
CUT_EVERY = 4_000_000  # salient pairs waiting before the candidates are cut to each article's strongest


def _sorted_isin(values: np.ndarray, sorted_array: np.ndarray) -> np.ndarray:
    """``np.isin`` against a sorted array, by binary search (no sort of either)."""
    if not len(sorted_array):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_array, values), len(sorted_array) - 1)
    return sorted_array[at] == values


def _first_of_each(keys: list[np.ndarray], values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of several arrays, sorted, each with its value where it first occurs."""
    keys_, values_ = np.concatenate(keys), np.concatenate(values)
    order = np.argsort(keys_, kind="stable")
    keys_, values_ = keys_[order], values_[order]
    first = np.flatnonzero(np.r_[True, keys_[1:] != keys_[:-1]]) if len(keys_) else np.empty(0, dtype=np.int64)
    return keys_[first], values_[first]


class MemoryIndex:
    """Band buckets of a batch in numpy columns; documents are numbered 0, 1, 2… as added.

    Salient-term bands have only two rows, so they let through many pairs whose salient
    Jaccard is low; those are checked against the signatures' own estimate before they
    become candidates (the usual second step of LSH). With ``max_candidates``, each document
    keeps only its strongest candidates (by the Jaccard its shared bands imply, or its salient
    estimate): in a dense corpus candidates, hence verification, would otherwise grow faster
    than the corpus.
    """

    def __init__(
        self, min_salient_jaccard: float = 0.0, max_candidates: int | None = None, settings: Settings = Settings()
    ) -> None:
        self.min_salient_jaccard = min_salient_jaccard
        self.max_candidates = max_candidates
        self.settings = settings
        self._shingles = _Rows(np.uint64)
        self._salient = _Rows(np.uint64)
        self._has_salient: list[bool] = []
        self._sketches = _Rows(np.uint8)

    def add(self, doc: int, fp: Fingerprint) -> None:
        self.add_bands(doc, fp.shingle_bands, fp.salient_bands, salient_sketch(fp.salient_values))

    def add_bands(
        self, doc: int, shingle_bands: Sequence[int], salient_bands: Sequence[int], sketch: np.ndarray
    ) -> None:
        """Add the next document by its bands and salient sketch (what a fingerprint reduces
        to); without salient bands it is never a salient candidate."""
        if doc != len(self._shingles):
            raise ValueError(f"documents are added in order: expected {len(self._shingles)}, got {doc}")
        self._shingles.append(np.asarray(shingle_bands, dtype=np.uint64))
        self._has_salient.append(bool(len(salient_bands)))
        if len(salient_bands):
            self._salient.append(np.asarray(salient_bands, dtype=np.uint64))
        self._sketches.append(salient_sketch(sketch))

    def candidates(self) -> Iterator[tuple[int, int]]:
        """Each candidate pair once, ``(i, j)`` with ``i < j``, sorted."""
        yield from key_pairs(self.candidate_keys())

    def candidate_keys(self) -> np.ndarray:
        """The candidates as sorted :func:`pair_keys` (8 bytes a pair, not a tuple's ~100)."""
        if len(self._shingles) < 2:
            return np.empty(0, dtype=np.int64)
        shingles = self._shingles.array()
        shingle_keys, shared_bands = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        for start in range(0, shingles.shape[1], BAND_GROUP):  # not every band's pairs at once: memory
            group = distinct(
                np.concatenate([bucket_pairs(column) for column in shingles[:, start : start + BAND_GROUP].T])
            )
            shingle_keys, shared_bands = _merged_counts(shingle_keys, shared_bands, *group)
        if self.max_candidates is None:
            salient_keys = distinct(np.concatenate([k for k, _ in self._salient_pairs()] or [np.empty(0, np.int64)]))[0]
            return confirmed(shingle_keys, salient_keys, self._salient_estimates, self.min_salient_jaccard)
        # A pair that is not among either article's strongest so far never will be (more pairs
        # only add rivals, and cutting it moves no other pair up to the limit), so the
        # candidates are cut whenever CUT_EVERY salient pairs wait, and a salient pair weaker
        # than both its articles' last kept candidate is dropped as soon as it is found. At a
        # million articles ~50 million salient pairs pass their estimate and ~8 million are
        # kept: cut once at the end, the search took 7.6 GB.
        limit = self.max_candidates
        rated = strength(shingle_keys, shingle_keys, shared_bands, self._salient_estimates, self.settings)
        keys, rated, floor = self._cut(shingle_keys, rated, limit)
        waiting: list[tuple[np.ndarray, np.ndarray]] = []
        last = self._salient.array().shape[1] - 1
        for band, (k, e) in enumerate(self._salient_pairs()):
            firsts, seconds = k >> 32, k & 0xFFFFFFFF
            # A pair with shingle bands is rated by those; a salient one must beat a floor.
            useful = ((e >= floor[firsts]) | (e >= floor[seconds])) & ~_sorted_isin(k, shingle_keys)
            waiting.append((k[useful], e[useful]))
            if band == last or sum(len(k) for k, _ in waiting) >= CUT_EVERY:
                # A pair found again has the same estimate: the first is kept.
                keys, rated = _first_of_each([keys, *(k for k, _ in waiting)], [rated, *(e for _, e in waiting)])
                keys, rated, floor = self._cut(keys, rated, limit)
                waiting = []
        return keys

    def _cut(self, keys: np.ndarray, rated: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs among the ``limit`` strongest of either article (sorted keys) with their
        strength, and each article's floor: the strength of its ``limit``-th pair (-inf when
        it has fewer), below which no pair of it can be kept."""
        ends, which, strength_, rank = _ranked(keys, rated, first_only=False)
        kept = distinct(which[rank < limit])[0]
        floor = np.full(len(self._shingles), -np.inf)
        last = rank == limit - 1
        floor[ends[last]] = strength_[last]
        return keys[kept], rated[kept], floor

    def _salient_pairs(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per salient band, the pairs it puts in one bucket whose salient estimate reaches the
        threshold, and their estimates. Two-row bands pair up tens of times more
        documents than they confirm: each band's are confirmed before the next band's are made."""
        with_salient = np.flatnonzero(self._has_salient)
        for column in self._salient.array().T:
            pairs = bucket_pairs(column)
            firsts, seconds = with_salient[pairs >> 32], with_salient[pairs & 0xFFFFFFFF]
            estimates = self._salient_estimates(firsts, seconds)
            passed = estimates >= self.min_salient_jaccard
            yield pair_keys(firsts[passed], seconds[passed]), estimates[passed]

    def _salient_estimates(self, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        sketches, step = self._sketches.array(), 1 << 20  # pairs at a time: 64 MB of sketches
        return np.concatenate(
            [
                salient_estimates(sketches[firsts[k : k + step]], sketches[seconds[k : k + step]])
                for k in range(0, len(firsts), step)
            ]
            or [np.empty(0)]
        )


def candidate_pairs(
    fingerprints: Iterable[Fingerprint],
    min_salient_jaccard: float = 0.0,
    max_candidates: int | None = None,
    settings: Settings = Settings(),
) -> list[tuple[int, int]]:
    index = MemoryIndex(min_salient_jaccard, max_candidates, settings)
    for doc, fp in enumerate(fingerprints):
        index.add(doc, fp)
    return list(index.candidates())
