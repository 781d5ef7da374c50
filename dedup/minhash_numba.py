"""The MinHash loops of :mod:`dedup.minhash` compiled (numba), for processes that sign many
documents.

Per permutation ``(a, b)`` and 32-bit hash ``h``, datasketch's affine32 scheme takes
``a * fmix32(h) + b`` modulo 2^32 and keeps the minimum. numpy needs three passes over a
(permutations x hashes) matrix for that; one compiled loop keeps each row in registers and
runs many times faster (bench/README.md). Compiled code is cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def fmix32(h: np.uint32) -> np.uint32:  # pragma: no cover - compiled
    """MurmurHash3's finalizer, which datasketch applies before permuting (affine32)."""
    h = np.uint32(h ^ (h >> np.uint32(16)))
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h = np.uint32(h ^ (h >> np.uint32(13)))
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return np.uint32(h ^ (h >> np.uint32(16)))


@numba.njit(cache=True, nogil=True)
def _minhash_row(hashes: np.ndarray, a: np.ndarray, b: np.ndarray, row: np.ndarray) -> None:  # pragma: no cover
    """``row[j] = min(row[j], min over h of a[j] * fmix32(h) + b[j])``; ``hashes`` is overwritten."""
    for i in range(len(hashes)):
        hashes[i] = fmix32(hashes[i])
    for j in range(len(a)):  # permutation outside, hashes inside: a vectorised min-reduction
        aj, bj = a[j], b[j]
        m = row[j]
        for i in range(len(hashes)):
            m = min(m, np.uint32(aj * hashes[i] + bj))  # wraps modulo 2^32
        row[j] = m


@numba.njit(cache=True, nogil=True)
def hashes_minhash(hashes, starts, a, b, out):  # pragma: no cover - compiled
    """``out[d]``: the signature of ``hashes[starts[d]:starts[d + 1]]`` (which are overwritten)."""
    for d in range(len(starts) - 1):
        _minhash_row(hashes[starts[d] : starts[d + 1]], a, b, out[d])


@numba.njit(cache=True, nogil=True)
def shingle_hashes(buffer, begins, size, p_pow, q_pow, hashes, counts):  # pragma: no cover - compiled
    """The hashes of the shingles of each ``buffer[begins[d]:begins[d + 1]]``, a document's
    words joined by single spaces (UTF-8), one after another in ``hashes``; ``counts[d]`` of
    them for document ``d``. Every ``size`` consecutive words (all of them when fewer) make a
    shingle, hashed as its bytes' polynomial in the odd base ``P`` (``p_pow[k] = P^k``,
    ``q_pow[k] = P^-k`` modulo 2^32): with ``prefix[k] = sum(byte[j] * P^-j, j < k)``, bytes
    ``[s, e)`` hash to ``P^(e-1) * (prefix[e] - prefix[s])``, so each shingle costs O(1) after
    one pass over the text. (Kept apart from the permutations: fused, the permutation loop
    is no longer vectorised and the whole runs twice as slowly.)"""
    longest = 0
    for d in range(len(begins) - 1):
        longest = max(longest, begins[d + 1] - begins[d])
    prefix = np.empty(longest + 1, np.uint32)
    spaces = np.empty(longest + 1, np.int64)  # where each word ends
    out = 0
    for d in range(len(begins) - 1):
        lo, n = begins[d], begins[d + 1] - begins[d]
        counts[d] = 0
        if n == 0:
            continue
        m = 0
        prefix[0] = running = np.uint32(0)
        for j in range(n):
            c = buffer[lo + j]
            running = np.uint32(running + np.uint32(c) * q_pow[j])  # in a register, not read back
            prefix[j + 1] = running
            spaces[m] = j  # kept only when it is a space: no branch to mispredict
            m += c == 32
        spaces[m] = n
        words = m + 1
        count = max(words - size + 1, 1)
        for k in range(count):
            s = spaces[k - 1] + 1 if k else 0
            e = spaces[min(k + size - 1, words - 1)]
            hashes[out + k] = np.uint32(p_pow[e - 1] * np.uint32(prefix[e] - prefix[s])) if e > s else np.uint32(0)
        counts[d] = count
        out += count
