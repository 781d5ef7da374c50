"""Stable 64-bit hashes standing in for strings where only equality matters: sets of shingles
and phrases, and the terms verification looks up in another article.

A string hashes as the polynomial of its code points (plus one, so that none is zero) in an
odd base modulo 2^64. Unlike Python's ``hash``, the value is the same in every process, so
hashes worked out in one process can be compared in another. Two distinct strings collide by
chance at odds of about 1 in 2^64, though not with cryptographic strength (never needed: a
collision only moves a score slightly).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

_BASE = 0x9E3779B97F4A7C15  # odd, hence invertible modulo 2^64, which the prefix sums rely on


def powers(base: int, bits: int, dtype: type[np.unsignedinteger] = np.uint32) -> tuple[np.ndarray, np.ndarray]:
    """base^k and base^-k modulo 2^(width of ``dtype``) for k < 2^bits at least (``base`` odd,
    hence invertible): what polynomial hashes over prefix sums need. Kept, the largest asked for:
    batches of texts vary in length, and each new size cost a megabyte's products again."""
    kept = _powers.get((base, dtype))
    if kept is not None and len(kept[0]) >= 1 << bits:
        return kept
    modulus = 1 << (8 * np.dtype(dtype).itemsize)
    p = np.full(1 << bits, base, dtype=dtype)
    q = np.full(1 << bits, pow(base, -1, modulus), dtype=dtype)
    p[0] = q[0] = 1
    kept = _powers[base, dtype] = np.cumprod(p, dtype=dtype), np.cumprod(q, dtype=dtype)
    return kept


_powers: dict[tuple[int, type[np.unsignedinteger]], tuple[np.ndarray, np.ndarray]] = {}


def term_keys(terms: Sequence[str]) -> np.ndarray:
    """The hash of each term, in order (as a signed 64-bit integer, as numpy sorts fastest)."""
    ends = np.cumsum(np.fromiter(map(len, terms), dtype=np.int64, count=len(terms)) + 1) - 1
    return _laid(_code_points(_joined(terms)), ends, np.array([len(terms)])).windows(1)[0].view(np.int64)


def pairs_each(keys: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """Sorted distinct hashes of each text's pairs of consecutive terms, from the terms' keys
    (:func:`term_keys`), text ``t`` having the next ``counts[t]`` of them. A pair hashes as
    ``mix(first) + second`` modulo 2^64. Keys are polynomials of their characters in one base:
    ``first * base + second`` made ("21", "20") and ("23", "00") collide. SplitMix64's
    finalizer scrambles the first, and two pairs then collide as rarely as two terms."""
    keys = keys.view(np.uint64)
    text = np.repeat(np.arange(len(counts)), counts)
    within = text[:-1] == text[1:]
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.maximum(counts - 1, 0), out=starts[1:])
    return _distinct_each((_mix64(keys[:-1]) + keys[1:])[within], starts)


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: a bijection of 64-bit values that scrambles every bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_hash64(text: str, size: int) -> np.ndarray:
    """Sorted distinct hashes of the shingles of a space-joined word text: the strings
    ``" ".join(words[i : i + size])`` (one of all the words when there are fewer), so set sizes
    and intersections are the strings' own.

    With ``prefix[k] = sum(c[j] * B^-j, j < k)`` over the text, characters ``[s, e)`` hash to
    ``B^(e-1) * (prefix[e] - prefix[s])``, so numpy hashes every shingle at once without
    building its string (per string, BLAKE2b took 1.5 µs)."""
    return shingle_hash64_each([text], size)[0]


def shingle_hash64_each(texts: Sequence[str], size: int) -> list[np.ndarray]:
    """:func:`shingle_hash64` of each text, hashed all at once."""
    return _distinct_each(*_laid(*_words_each(texts)).windows(size))


def shingles_and_words_each(texts: Sequence[str], size: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """:func:`shingle_hash64_each` of the texts, and each text's words' :func:`term_keys` in
    order, from one pass over their characters."""
    laid = _laid(*_words_each(texts))
    keys, starts = laid.windows(1)
    keys = keys.view(np.int64)
    words = [keys[lo:hi].copy() for lo, hi in pairwise(starts.tolist())]  # copies: none pins the batch
    return _distinct_each(*laid.windows(size)), words


def _words_each(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Space-separated texts laid end to end: their code points, where each word ends, and how
    many words each text has."""
    codes = _code_points(_joined([t for t in texts if t]))
    counts = np.fromiter((t.count(" ") + 1 if t else 0 for t in texts), dtype=np.int64, count=len(texts))
    return codes, np.flatnonzero(codes == ord(" ")), counts


def _joined(words: Sequence[str]) -> str:
    """The words, each followed by a space."""
    return " ".join(words) + " " if words else ""


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _laid(codes: np.ndarray, ends: np.ndarray, counts: np.ndarray) -> _Hashed:
    """Texts laid end to end (their code points) for :func:`windows`, each character hashed as
    its code point plus one (so that none is zero), in base :data:`_BASE` modulo 2^64."""
    return _Hashed(codes.astype(np.uint64) + np.uint64(1), ends, counts, _BASE)


def windows(
    values: np.ndarray, ends: np.ndarray, counts: np.ndarray, size: int, base: int
) -> tuple[np.ndarray, np.ndarray]:
    """The hash of every window of ``size`` consecutive words (all of a text's words when it has
    fewer) of many texts laid end to end, in text order, and where each text's hashes begin
    (``len(counts) + 1`` offsets). ``values`` holds a number per character, every word followed
    by one separator: word ``i`` ends before ``ends[i]``, and text ``t`` has ``counts[t]``
    words (none: no window). A window of characters ``[s, e)`` hashes as their polynomial in the
    odd ``base``, modulo 2^(bits of ``values``): with ``prefix[k] = sum(values[j] * base^-j,
    j < k)``, ``base^(e-1) * (prefix[e] - prefix[s])``, the same wherever the window lies."""
    return _Hashed(values, ends, counts, base).windows(size)


class _Hashed:
    """:func:`windows` of some texts, the prefix sums made once for any window size."""

    def __init__(self, values: np.ndarray, ends: np.ndarray, counts: np.ndarray, base: int) -> None:
        self.p, q = powers(base, max(len(values), 1).bit_length(), values.dtype.type)
        self.prefix = np.zeros(len(values) + 1, dtype=values.dtype)
        np.cumsum(values * q[: len(values)], out=self.prefix[1:])
        self.ends, self.counts = ends, counts
        self.begins = np.concatenate(([0], ends[:-1] + 1))  # of each word
        self.first = np.cumsum(counts) - counts  # each text's first word

    def windows(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        counts = self.counts
        per_text = np.where(counts > 0, np.maximum(counts - size + 1, 1), 0)
        starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(per_text, out=starts[1:])
        text = np.repeat(np.arange(len(counts)), per_text)
        k = np.arange(starts[-1]) - starts[text]  # the window's number within its text
        s = self.begins[self.first[text] + k]
        e = self.ends[self.first[text] + np.minimum(k + size - 1, counts[text] - 1)]
        return self.p[e - 1] * (self.prefix[e] - self.prefix[s]), starts


def _distinct_each(hashes: np.ndarray, starts: np.ndarray) -> list[np.ndarray]:
    """Each text's hashes, sorted and distinct (twice as fast as np.unique here)."""
    found = []
    for lo, hi in pairwise(starts.tolist()):
        part = np.sort(hashes[lo:hi])
        found.append(part[np.concatenate(([True], part[1:] != part[:-1]))] if hi > lo else part)
    return found
