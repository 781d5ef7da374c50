"""LSH band index: articles sharing a bucket in any band become candidate pairs.

The table is ``(doc, band, bucket)``; candidates are its self-join on ``(band, bucket)``.
This is the in-memory form for one-shot batches; the persistent index keeps the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

import numpy as np

from dedup.fingerprint import Fingerprint

# A bucket this crowded is boilerplate every article shares (a byline, a cookie banner),
# not evidence of duplication; pairing all its members would be quadratic.
MAX_BUCKET = 200

Pair = TypeVar("Pair", bound=Hashable)


def salient_estimate(a: np.ndarray, b: np.ndarray) -> float:
    """The salient-term Jaccard estimated from two signatures: the share of equal rows."""
    return float(np.mean(a == b))


def confirmed(
    shingle_pairs: set[Pair], salient_pairs: set[Pair], estimate: Callable[[Pair], float], min_jaccard: float
) -> set[Pair]:
    """The candidates: every shingle-band pair, and the salient-band pairs whose signature
    estimate reaches ``min_jaccard`` (the memory and the persistent index both decide here)."""
    return shingle_pairs | {p for p in salient_pairs - shingle_pairs if estimate(p) >= min_jaccard}


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
        self.add_bands(doc, fp.shingle_bands, fp.salient_bands, fp.salient_values)

    def add_bands(self, doc: int, shingle_bands: list[int], salient_bands: list[int], salient: np.ndarray) -> None:
        """Add a document by its bands and salient signature (what a fingerprint reduces to)."""
        if salient_bands:  # without salient bands it is never a salient candidate
            self._salient[doc] = salient
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
        yield from sorted(
            confirmed(found["shingles"], found["salient"], self._salient_estimate, self.min_salient_jaccard)
        )

    def _salient_estimate(self, pair: tuple[int, int]) -> float:
        return salient_estimate(self._salient[pair[0]], self._salient[pair[1]])


def candidate_pairs(fingerprints: Iterable[Fingerprint], min_salient_jaccard: float = 0.0) -> list[tuple[int, int]]:
    index = MemoryIndex(min_salient_jaccard)
    for doc, fp in enumerate(fingerprints):
        index.add(doc, fp)
    return list(index.candidates())
