"""LSH band index: articles sharing a bucket in any band become candidate pairs.

The table is ``(doc, band, bucket)``; candidates are its self-join on ``(band, bucket)``.
This is the in-memory form for one-shot batches; the persistent index keeps the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from dedup.fingerprint import Fingerprint

# A bucket this crowded is boilerplate every article shares (a byline, a cookie banner),
# not evidence of duplication; pairing all its members would be quadratic.
MAX_BUCKET = 200


class MemoryIndex:
    """Band buckets in dictionaries; document keys are ints (positions in a batch)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, int, int], list[int]] = defaultdict(list)

    def add(self, doc: int, fp: Fingerprint) -> None:
        for kind, bands in (("shingles", fp.shingle_bands), ("salient", fp.salient_bands)):
            for band, bucket in enumerate(bands):
                self._buckets[kind, band, bucket].append(doc)

    def candidates(self) -> Iterator[tuple[int, int]]:
        """Each candidate pair once, ``(i, j)`` with ``i < j``, in a stable order."""
        seen: set[tuple[int, int]] = set()
        for docs in self._buckets.values():
            if len(docs) < 2 or len(docs) > MAX_BUCKET:
                continue
            for x, i in enumerate(docs):
                for j in docs[x + 1 :]:
                    pair = (i, j) if i < j else (j, i)
                    if pair[0] != pair[1]:
                        seen.add(pair)
        yield from sorted(seen)


def candidate_pairs(fingerprints: Iterable[Fingerprint]) -> list[tuple[int, int]]:
    index = MemoryIndex()
    for doc, fp in enumerate(fingerprints):
        index.add(doc, fp)
    return list(index.candidates())
