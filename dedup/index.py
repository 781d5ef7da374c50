"""LSH band index: articles sharing a bucket in any band become candidate pairs.

The table is ``(doc, band, bucket)``; candidates are its self-join on ``(band, bucket)``.
This is the in-memory form for one-shot batches; the persistent index keeps the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from dedup.fingerprint import Fingerprint

# A bucket this crowded is boilerplate every article shares (a byline, a cookie banner),
# not evidence of duplication; pairing all its members would be quadratic.
MAX_BUCKET = 200


# b-bit minwise hashing (Li & König, 2010): only the lowest byte of each salient row is kept,
# 64 bytes a signature instead of 256; rows then also agree by chance, 1 time in 256.
SKETCH_BITS = 8


def salient_sketch(salient: np.ndarray) -> np.ndarray:
    """A salient signature (``Fingerprint.salient_values``) cut to the lowest ``SKETCH_BITS`` of
    each row: what the indexes keep."""
    return (np.asarray(salient, dtype=np.uint64) & np.uint64(2**SKETCH_BITS - 1)).astype(np.uint8)


def salient_estimates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Salient-term Jaccards estimated from two stacks of sketches (one pair per row): the
    share of equal rows, less the rows that agree by chance. Vectorised: a check against a
    large index confirms hundreds of thousands of pairs."""
    chance = 2.0**-SKETCH_BITS
    return np.clip(((a == b).mean(axis=1) - chance) / (1.0 - chance), 0.0, None)


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
) -> list[tuple[int, int]]:
    """The candidates, sorted: every shingle-band pair, and the salient-band pairs whose
    sketch estimate (``estimates(firsts, seconds)``) reaches ``min_jaccard``. Pairs come as
    :func:`pair_keys`, each once per kind; the memory and the persistent index both decide here."""
    unsure = salient_keys[~np.isin(salient_keys, shingle_keys)]
    passed = unsure[estimates(unsure >> 32, unsure & 0xFFFFFFFF) >= min_jaccard] if len(unsure) else unsure
    return key_pairs(np.sort(np.concatenate([shingle_keys, passed])))  # disjoint: no pair twice


class MemoryIndex:
    """Band buckets in dictionaries; document keys are ints (positions in a batch).

    Salient-term bands have only two rows, so they let through many pairs whose salient
    Jaccard is low; those are checked against the signatures' own estimate before they
    become candidates (the usual second step of LSH).
    """

    def __init__(self, min_salient_jaccard: float = 0.0) -> None:
        self.min_salient_jaccard = min_salient_jaccard
        self._buckets: dict[tuple[str, int, int], list[int]] = defaultdict(list)
        self._salient: dict[int, np.ndarray] = {}

    def add(self, doc: int, fp: Fingerprint) -> None:
        self.add_bands(doc, fp.shingle_bands, fp.salient_bands, salient_sketch(fp.salient_values))

    def add_bands(self, doc: int, shingle_bands: list[int], salient_bands: list[int], sketch: np.ndarray) -> None:
        """Add a document by its bands and salient sketch (what a fingerprint reduces to)."""
        if salient_bands:  # without salient bands it is never a salient candidate
            self._salient[doc] = sketch
        for kind, bands in (("shingles", shingle_bands), ("salient", salient_bands)):
            for band, bucket in enumerate(bands):
                self._buckets[kind, band, bucket].append(doc)

    def candidates(self) -> Iterator[tuple[int, int]]:
        """Each candidate pair once, ``(i, j)`` with ``i < j``, in a stable order."""
        found: dict[str, set[tuple[int, int]]] = {"shingles": set(), "salient": set()}
        for (kind, _, _), docs in self._buckets.items():
            if len(docs) < 2 or len(docs) > MAX_BUCKET:
                continue
            for x, i in enumerate(docs):
                for j in docs[x + 1 :]:
                    if i != j:
                        found[kind].add((i, j) if i < j else (j, i))
        keys = {
            kind: pair_keys(*np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2).T)
            for kind, pairs in found.items()
        }
        yield from confirmed(keys["shingles"], keys["salient"], self._salient_estimates, self.min_salient_jaccard)

    def _salient_estimates(self, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        return salient_estimates(
            np.stack([self._salient[i] for i in firsts.tolist()]),
            np.stack([self._salient[j] for j in seconds.tolist()]),
        )


def candidate_pairs(fingerprints: Iterable[Fingerprint], min_salient_jaccard: float = 0.0) -> list[tuple[int, int]]:
    index = MemoryIndex(min_salient_jaccard)
    for doc, fp in enumerate(fingerprints):
        index.add(doc, fp)
    return list(index.candidates())
