"""Fingerprints for finding candidates: word-shingle MinHash and salient-term MinHash.

Signatures follow datasketch's ``affine32`` scheme exactly (its permutations, its MurmurHash3
pre-mix), so anything datasketch reads — LSH, LeanMinHash, serialisation — reads ours, and
``datasketch.MinHash(hashfunc=shingle_hash32)`` fed the same shingles gives the same values.
They are computed for whole batches at once (:mod:`dedup.minhash`): a shingle's hash is the
polynomial of its bytes, worked out from prefix sums without building its string, and every
permutation is applied to every shingle of the batch.

The second, salient-term signature covers rewrites: they share names, numbers and rare
words long after they stop sharing five-word runs. Its terms are hashed with datasketch's
default ``sha1_hash32``.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from dedup.minhash import shingle_hashes, signatures
from dedup.normalise import Analysis, is_name

if TYPE_CHECKING:
    from datasketch import MinHash


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that must match for two signatures to be comparable."""

    scheme: str = "affine32"
    hashfunc: str = "shingle_hash32"  # polynomial of the words' sha1_hash32 (see shingle_hash32)
    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    bands: int = 32  # 32 bands x 4 rows: candidates from a Jaccard of about 0.4
    salient_num_perm: int = 64
    salient_seed: int = 2
    salient_bands: int = 32  # 32 bands x 2 rows: candidates from about 0.18
    # ... confirmed on the signatures: on 3,000 French news articles this keeps 9,255 of
    # 117,103 salient candidates, and the seeds' rewrite (0.31) and same-event pair (0.28).
    salient_min_jaccard: float = 0.15

    def to_dict(self) -> dict[str, int | float | str]:
        return asdict(self)


@cache
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` of datasketch's affine32 permutations, ``MinHash(num_perm=num_perm,
    seed=seed).permutations``, drawn as datasketch draws them (a test compares): importing
    datasketch pulls in scipy, a third of a second in every process that fingerprints."""
    draw = np.random.RandomState(seed)
    a = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)  # odd: a bijection
    return a, draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)


def sha1_hash32(data: bytes) -> int:
    """datasketch's default hash (``datasketch.hashfunc.sha1_hash32``): the first four bytes of
    the SHA-1 digest, little-endian."""
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


class _TermHashes(dict[str, int]):
    """sha1_hash32 of each term, computed once per process (names and stems recur a lot)."""

    LIMIT = 2_000_000  # terms; past this the cache starts again rather than grow without end

    def __missing__(self, term: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[term] = sha1_hash32(term.encode("utf-8"))
        return value


_term_hashes = _TermHashes()


def _term_hashes_of(groups: Sequence[Iterable[str]]) -> np.ndarray:
    """The sha1_hash32 of every string of every group, in order, as one flat array."""
    # array.array takes the ints in C, twice as fast as np.fromiter.
    return np.frombuffer(array("I", map(_term_hashes.__getitem__, chain.from_iterable(groups))), dtype=np.uint32)


_P = 0x01000193  # odd, hence invertible modulo 2^32, which the prefix sums of the kernel rely on


def shingle_hash32(shingle: bytes) -> int:
    """The hash of one shingle (its words joined by spaces, UTF-8), as a datasketch ``hashfunc``:
    the polynomial (Rabin-Karp) hash of its bytes modulo 2^32, ``sum(byte[j] * P^(len-1-j))``.
    Any substring's polynomial hash follows from prefix sums, so a batch gets every shingle's
    hash in one pass over its text, without a string per shingle (see :mod:`dedup.minhash`)."""
    value = 0
    for byte in shingle:
        value = (value * _P + byte) & 0xFFFFFFFF
    return value


def split_words(text: str) -> list[str]:
    """The words of a space-joined word text (what :func:`shingle_signatures` takes)."""
    return text.split(" ") if text else []


def shingle_list(words: Sequence[str], size: int) -> list[str]:
    """Word n-grams in text order; a text shorter than ``size`` words is one shingle."""
    if len(words) <= size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def shingle_signatures(texts: Sequence[str], settings: Settings = Settings()) -> np.ndarray:
    """Word-shingle signatures of many documents at once, ``(documents, num_perm)`` uint32.
    Each text is a document's words joined by single spaces (:func:`word_text`); its row is
    what ``datasketch.MinHash(hashfunc=shingle_hash32)`` gives for the set of its shingles
    (``shingle_list(split_words(text), size)``)."""
    hashes, starts = shingle_hashes([t.encode("utf-8") for t in texts], settings.shingle_size, _P)
    return signatures(hashes, starts, *permutations(settings.num_perm, settings.seed))


def term_signatures(term_sets: Sequence[set[str]], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures of sets of strings with datasketch's default hash (sha1_hash32)."""
    starts = np.zeros(len(term_sets) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, term_sets), dtype=np.int64, count=len(term_sets)), out=starts[1:])
    return signatures(_term_hashes_of(term_sets), starts, *permutations(num_perm, seed))


def as_minhash(values: np.ndarray, num_perm: int, seed: int) -> MinHash:
    """A datasketch MinHash holding signature values computed here."""
    from datasketch import MinHash

    return MinHash(seed=seed, hashvalues=values, permutations=permutations(num_perm, seed), scheme="affine32")


def word_text(analysis: Analysis) -> str:
    """The folded words joined by single spaces, elided particles dropped: what shingles are cut from."""
    return analysis.word_text


def shingles(analysis: Analysis, size: int) -> set[str]:
    return set(shingle_list(split_words(word_text(analysis)), size))


def salient_terms(analysis: Analysis) -> set[str]:
    """Names, numbers and long content words: what a rewrite keeps when its wording changes."""
    long_words = {t.stem for t in analysis.content if len(t.norm) >= 8 and not (t.norm[0].isdigit() or is_name(t))}
    return long_words | analysis.names_and_numbers


def bands(signatures: np.ndarray, count: int) -> np.ndarray:
    """One bucket id per band and document: a 63-bit hash of the band's rows, ``(documents, count)``."""
    rows = signatures.astype(np.uint64).reshape(len(signatures), count, -1)
    # FNV-style mixing over the rows keeps this vectorised and stable across runs.
    acc = np.full(rows.shape[:2], 1469598103934665603, dtype=np.uint64)
    for col in range(rows.shape[2]):
        acc = (acc ^ rows[:, :, col]) * np.uint64(1099511628211)
    return acc >> np.uint64(1)


MIN_SALIENT = 3


@dataclass(slots=True)
class Fingerprint:
    """The candidate-finding part of an article: two signatures and their LSH bands."""

    shingle_values: np.ndarray
    salient_values: np.ndarray
    shingle_bands: list[int]
    salient_bands: list[int]
    settings: Settings

    @property
    def shingles(self) -> MinHash:
        return as_minhash(self.shingle_values, self.settings.num_perm, self.settings.seed)

    @property
    def salient(self) -> MinHash:
        s = self.settings
        return as_minhash(self.salient_values, s.salient_num_perm, s.salient_seed)


def fingerprints(analyses: Sequence[Analysis], settings: Settings = Settings()) -> list[Fingerprint]:
    """The fingerprints of a batch, computed together."""
    s = settings
    terms = [salient_terms(a) for a in analyses]
    shingle_sigs = shingle_signatures([word_text(a) for a in analyses], s)
    salient_sigs = term_signatures(terms, s.salient_num_perm, s.salient_seed)
    shingle_bands = bands(shingle_sigs, s.bands).tolist()
    salient_bands = bands(salient_sigs, s.salient_bands).tolist()
    return [
        # A near-empty salient set would put every such article in one bucket.
        Fingerprint(sh, sa, shb, sab if len(t) >= MIN_SALIENT else [], s)
        for sh, sa, shb, sab, t in zip(shingle_sigs, salient_sigs, shingle_bands, salient_bands, terms, strict=True)
    ]


def fingerprint(analysis: Analysis, settings: Settings = Settings()) -> Fingerprint:
    return fingerprints([analysis], settings)[0]
