"""MinHash over many documents at once: the hashes of their word shingles, and datasketch's
affine32 signatures of those hashes, in numpy or compiled (:mod:`dedup.minhash_numba`).

Compiled loops run about four times faster (bench/README.md), but loading numba and its cached
code costs a process about a second: what numpy spends signing some 8,000 articles. A check of 1,000 articles
never earns that back; a scan of a million does many times over. So a process signs with
numpy until it has signed :data:`COMPILED_AFTER` documents, and with the compiled loops from
then on: like renting skis until the rent would have bought them, it never costs more than
twice the better choice made in advance. Both give the same values (tested).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.hashes import powers, windows

COMPILED_AFTER = 16_000  # signatures (two an article: its shingles', its salient terms')
SLICE = 1 << 13  # hashes permuted at once by numpy: a (permutations x SLICE) matrix of 4 MB

_signed = 0  # signatures this process has made with numpy
_choice: bool | None = None


def use_compiled(compiled: bool | None = True) -> None:
    """Sign with the compiled loops from now on (``False``: with numpy; ``None``: switch after
    :data:`COMPILED_AFTER` signatures, the default), in this process."""
    global _choice
    _choice = compiled


def _compiled() -> bool:
    return _choice if _choice is not None else _signed >= COMPILED_AFTER


def shingle_hashes(texts: Sequence[bytes], size: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of every text's shingles, one text after another, and where each text's
    hashes begin (``len(texts) + 1`` offsets). A text is words joined by single spaces (UTF-8); every
    ``size`` consecutive words (all of them when fewer) make a shingle, hashed as its bytes'
    polynomial in the odd ``base`` modulo 2^32 (:func:`dedup.fingerprint.shingle_hash32`).
    With ``prefix[k] = sum(byte[j] * base^-j, j < k)``, bytes ``[s, e)`` hash to
    ``base^(e-1) * (prefix[e] - prefix[s])``: one pass over the text hashes every shingle."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if _compiled():
        from dedup.minhash_numba import shingle_hashes as compiled

        begins = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=begins[1:])
        p, q = powers(base, max(int(lengths.max(initial=0)), 1).bit_length(), np.uint32)
        hashes = np.empty(int(begins[-1]) + len(texts), dtype=np.uint32)  # a shingle per word at most
        starts = np.zeros(len(texts) + 1, dtype=np.int64)
        compiled(np.frombuffer(b"".join(texts), dtype=np.uint8), begins, size, p, q, hashes, starts[1:])
        np.cumsum(starts, out=starts)
        return hashes[: starts[-1]], starts
    # Each word followed by a space, a text's last too: every word then ends at a space.
    joined = b"".join(t + b" " for t in texts if t)
    buffer = np.frombuffer(joined, dtype=np.uint8)
    counts = np.fromiter((t.count(b" ") + 1 if t else 0 for t in texts), dtype=np.int64, count=len(texts))
    return windows(buffer.astype(np.uint32), np.flatnonzero(buffer == ord(" ")), counts, size, base)


def signatures(hashes: np.ndarray, starts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(documents, permutations)`` uint32: document ``d``'s signature of the 32-bit hashes
    ``hashes[starts[d]:starts[d + 1]]`` under the affine32 permutations ``(a, b)``; all ones
    (datasketch's initial value) for a document without hashes."""
    global _signed
    out = np.full((len(starts) - 1, len(a)), np.iinfo(np.uint32).max, dtype=np.uint32)
    if _compiled():
        from dedup.minhash_numba import hashes_minhash

        hashes_minhash(hashes[: starts[-1]].copy(), starts, a, b, out)
        return out
    _signed += len(out)
    h = _fmix32(hashes[: starts[-1]])
    document = np.repeat(np.arange(len(out)), np.diff(starts))
    for lo in range(0, len(h), SLICE):
        part, owner = h[lo : lo + SLICE], document[lo : lo + SLICE]
        firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        least = np.minimum.reduceat(a[:, None] * part + b[:, None], firsts, axis=1)  # wraps modulo 2^32
        rows = owner[firsts]
        out[rows] = np.minimum(out[rows], least.T)  # a document may go on in the next slice
    return out


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, which datasketch applies before permuting (affine32)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))
