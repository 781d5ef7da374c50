# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""What two weighed articles share, compiled: the measures verification takes of every
candidate pair.

The shingles and phrases both texts hold, the weight of their shared facts and terms, and how
their sentences match (the measures of :func:`dedup.align.sentence_overlap`). In numpy each was
a dozen calls on arrays of a few hundred values, and their overhead, not their arithmetic, made
most of a pair's cost; here they are loops over the same arrays.

Sums of corpus weights are exact (:class:`~dedup.corpus.Corpus`), so each sum here is the one
numpy gave, in whatever order; the dot product of two term vectors adds rounded products, in
the order of their terms.
"""

cimport numpy as cnp
from cpython.unicode cimport PyUnicode_4BYTE_KIND, PyUnicode_FromKindAndData
from libc.math cimport sqrt
from libc.stdlib cimport calloc, free, malloc, qsort, realloc

import numpy as np

cnp.import_array()

DENSE_PAIRS = 1 << 16  # pairs of sentences summed in a dense table (0.5 MB); longer texts, sparsely


cdef inline const void* _data(object array, int dtype, Py_ssize_t* n) except? NULL:
    """The values of a one-dimensional contiguous numpy array of ``dtype``; their number goes to
    ``n``, which, when not -1, is the number the array must hold (a typed memoryview took a
    microsecond an array: most of a pair's time here)."""
    cdef cnp.ndarray a = array
    if cnp.PyArray_TYPE(a) != dtype or cnp.PyArray_NDIM(a) != 1 or not cnp.PyArray_IS_C_CONTIGUOUS(a):
        raise TypeError(f"expected a contiguous 1-d array of {cnp.PyArray_DescrFromType(dtype)}, got {a.dtype}")
    if n[0] != -1 and n[0] != cnp.PyArray_DIM(a, 0):
        raise ValueError(f"expected {n[0]} values, got {cnp.PyArray_DIM(a, 0)}")
    n[0] = cnp.PyArray_DIM(a, 0)
    return cnp.PyArray_DATA(a)


cdef int _within(const cnp.int32_t* values, Py_ssize_t n, Py_ssize_t bound) except -1:
    """Checks that ``n`` values index an array of ``bound``: what they index is read unchecked."""
    cdef Py_ssize_t k
    for k in range(n):
        if values[k] < 0 or values[k] >= bound:
            raise ValueError(f"index {values[k]} out of range for {bound}")
    return 0


cdef Py_ssize_t _count_shared(object x, object y) except -1:
    """How many values two sorted distinct uint64 arrays share."""
    cdef Py_ssize_t i = 0, j = 0, n = 0, na = -1, nb = -1
    cdef const cnp.uint64_t* a = <const cnp.uint64_t*>_data(x, cnp.NPY_UINT64, &na)
    cdef const cnp.uint64_t* b = <const cnp.uint64_t*>_data(y, cnp.NPY_UINT64, &nb)
    while i < na and j < nb:
        if a[i] < b[j]:
            i += 1
        elif b[j] < a[i]:
            j += 1
        else:
            n += 1
            i += 1
            j += 1
    return n


cdef (double, double) _weights_shared(a, b) except *:
    """Over the terms two :class:`~dedup.score.Terms` share: the sum of A's weights, and the sum
    of the products of both sides' weights."""
    cdef Py_ssize_t i = 0, j = 0, na = -1, nb = -1
    cdef const cnp.int64_t* ka = <const cnp.int64_t*>_data(a.keys, cnp.NPY_INT64, &na)
    cdef const cnp.int64_t* kb = <const cnp.int64_t*>_data(b.keys, cnp.NPY_INT64, &nb)
    cdef const double* wa = <const double*>_data(a.weights, cnp.NPY_FLOAT64, &na)
    cdef const double* wb = <const double*>_data(b.weights, cnp.NPY_FLOAT64, &nb)
    cdef double summed = 0.0, dot = 0.0
    while i < na and j < nb:
        if ka[i] < kb[j]:
            i += 1
        elif kb[j] < ka[i]:
            j += 1
        else:
            summed += wa[i]
            dot += wa[i] * wb[j]
            i += 1
            j += 1
    return summed, dot


def shared(a, b) -> tuple:
    """What two :class:`~dedup.score.Weighed` articles share: ``(shingles, phrases, facts,
    dot)``, the numbers of word shingles and of phrases both hold, the weight of their shared
    facts, and the dot product of their term vectors."""
    facts = _weights_shared(a.facts, b.facts)[0]
    dot = _weights_shared(a.tf, b.tf)[1]
    return _count_shared(a.shingles, b.shingles), _count_shared(a.phrases, b.phrases), facts, dot


cdef struct Cell:
    double value  # the weighted Dice of a sentence of A and one of B
    Py_ssize_t r  # the sentence of A
    Py_ssize_t c  # the sentence of B


cdef struct Part:
    Py_ssize_t pair  # r * (B's sentences) + c
    double share


cdef int _by_pair(const void* x, const void* y) noexcept nogil:
    cdef Py_ssize_t p = (<Part*>x).pair, q = (<Part*>y).pair
    return (p > q) - (p < q)


cdef class _Cells:
    """The similarity of every pair of sentences that share a term, by A's then B's sentence."""

    cdef Cell* cells
    cdef Py_ssize_t n, na, nb

    def __dealloc__(self):
        free(self.cells)


cdef _Cells _cells(a, b, Py_ssize_t dense_pairs):
    """:func:`similarities` as cells."""
    cdef Py_ssize_t terms_a = -1, terms_b = -1, na = -1, nb = -1, i = 0, j = 0, i1, j1, x, y, k, n = 0, size = 0
    cdef const cnp.int64_t* ka = <const cnp.int64_t*>_data(a.keys, cnp.NPY_INT64, &terms_a)
    cdef const cnp.int64_t* kb = <const cnp.int64_t*>_data(b.keys, cnp.NPY_INT64, &terms_b)
    cdef const cnp.int32_t* ra = <const cnp.int32_t*>_data(a.rows, cnp.NPY_INT32, &terms_a)
    cdef const cnp.int32_t* rb = <const cnp.int32_t*>_data(b.rows, cnp.NPY_INT32, &terms_b)
    cdef const cnp.int32_t* ca = <const cnp.int32_t*>_data(a.counts, cnp.NPY_INT32, &terms_a)
    cdef const cnp.int32_t* cb = <const cnp.int32_t*>_data(b.counts, cnp.NPY_INT32, &terms_b)
    cdef const double* wa = <const double*>_data(a.weights, cnp.NPY_FLOAT64, &terms_a)
    cdef const double* ta = <const double*>_data(a.totals, cnp.NPY_FLOAT64, &na)
    cdef const double* tb = <const double*>_data(b.totals, cnp.NPY_FLOAT64, &nb)
    cdef _Cells found = _Cells()
    _within(ra, terms_a, na)
    _within(rb, terms_b, nb)
    cdef Py_ssize_t room = 0
    cdef double share, s
    cdef double* grid = NULL
    cdef Part* parts = NULL
    cdef Part* grown
    cdef bint dense = na * nb <= dense_pairs
    found.na, found.nb = na, nb
    if dense:
        grid = <double*>calloc(na * nb + 1, sizeof(double))
        if grid == NULL:
            raise MemoryError()
    try:
        # Each term both hold: every sentence of A holding it against every one of B.
        while i < terms_a and j < terms_b:
            if ka[i] < kb[j]:
                i += 1
                continue
            if kb[j] < ka[i]:
                j += 1
                continue
            i1, j1 = i + 1, j + 1
            while i1 < terms_a and ka[i1] == ka[i]:
                i1 += 1
            while j1 < terms_b and kb[j1] == kb[j]:
                j1 += 1
            for x in range(i, i1):
                for y in range(j, j1):
                    share = <double>(ca[x] if ca[x] < cb[y] else cb[y]) * wa[x]
                    if dense:
                        grid[ra[x] * nb + rb[y]] += share
                    else:
                        if size == room:
                            room = 2 * room + 256
                            grown = <Part*>realloc(parts, room * sizeof(Part))
                            if grown == NULL:
                                raise MemoryError()
                            parts = grown
                        parts[size].pair = ra[x] * nb + rb[y]
                        parts[size].share = share
                        size += 1
            i, j = i1, j1
        if dense:
            for k in range(na * nb):
                n += grid[k] != 0.0
        else:
            # Long texts: a cell for every pair of sentences that shares a term only.
            qsort(parts, size, sizeof(Part), _by_pair)
            k = 0
            for x in range(size):  # summed in place: parts[k] holds the k-th pair's sum
                if x and parts[x].pair == parts[k].pair:
                    parts[k].share += parts[x].share
                else:
                    if x:
                        k += 1
                    parts[k] = parts[x]
            size = k + 1 if size else 0
            for k in range(size):
                n += parts[k].share > 0.0
        found.cells = <Cell*>malloc((n + 1) * sizeof(Cell))
        if found.cells == NULL:
            raise MemoryError()
        found.n = 0
        for k in range(na * nb if dense else size):
            if dense:
                s, x = grid[k], k
            else:
                s, x = parts[k].share, parts[k].pair
            if s > 0.0:
                found.cells[found.n].r, found.cells[found.n].c = x // nb, x % nb
                found.cells[found.n].value = 2 * s / (ta[x // nb] + tb[x % nb])
                found.n += 1
    finally:
        free(grid)
        free(parts)
    return found


def similarities(a, b, Py_ssize_t dense_pairs=DENSE_PAIRS) -> tuple:
    """Weighted Dice (:func:`dedup.similarity.weighted_dice`) of every pair of sentences of two
    :class:`~dedup.align.Sentences` that share a term: ``(rows, cols, values)``, by A's then B's
    sentence. Up to ``dense_pairs`` pairs of sentences they are summed in a table, past it
    sparsely (the same sums)."""
    cdef _Cells found = _cells(a, b, dense_pairs)
    rows, cols = np.empty(found.n, dtype=np.int64), np.empty(found.n, dtype=np.int64)
    values = np.empty(found.n, dtype=np.float64)
    cdef long long[::1] r = rows, c = cols
    cdef double[::1] v = values
    cdef Py_ssize_t k
    for k in range(found.n):
        r[k], c[k], v[k] = found.cells[k].r, found.cells[k].c, found.cells[k].value
    return rows, cols, values


cdef int _ranked(const void* x, const void* y) noexcept nogil:
    """Best pairs first; among equals, pairs that keep the original order, then the earlier
    (as :class:`dedup.align._Matched` ranks them), then by A's and B's sentence."""
    cdef const Cell* p = <const Cell*>x
    cdef const Cell* q = <const Cell*>y
    if p.value != q.value:
        return -1 if p.value > q.value else 1
    cdef Py_ssize_t dp = p.r - p.c if p.r > p.c else p.c - p.r, dq = q.r - q.c if q.r > q.c else q.c - q.r
    if dp != dq:
        return -1 if dp < dq else 1
    if p.r + p.c != q.r + q.c:
        return -1 if p.r + p.c < q.r + q.c else 1
    return (p.r > q.r) - (p.r < q.r)


cdef double _covered(sentences, const char* taken) except? -1.0:
    """The share of a text's weight in the sentences ``taken``."""
    cdef double covered = 0.0, total = sentences.total
    cdef Py_ssize_t k, n = -1
    cdef const double* totals = <const double*>_data(sentences.totals, cnp.NPY_FLOAT64, &n)
    for k in range(n):
        if taken[k]:
            covered += totals[k]
    return covered / total if total else 0.0


cdef (double, double) _loose_order(_Cells found, bint by_a, Py_ssize_t shorter, double threshold) except *:
    """How much of the shorter text loosely matches the other (its sentences with a partner at
    ``threshold`` or above), and whether in the same order: Kendall's tau-b of those sentences'
    places against their best partners' (ties: the nearest, then the earliest partner), with
    scipy's arithmetic. A rewrite follows its source's narrative; independent reports of one
    event tell it in their own order."""
    cdef double* best = <double*>malloc((shorter + 1) * sizeof(double))
    cdef Py_ssize_t* partner = <Py_ssize_t*>malloc((shorter + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t k, o, m, n = 0, i, j, ties = 0, total
    cdef long long concordance = 0
    cdef double tau, v, loose
    if best == NULL or partner == NULL:
        free(best)
        free(partner)
        raise MemoryError()
    try:
        for k in range(shorter):
            best[k] = -1.0
        for m in range(found.n):
            if found.cells[m].value < threshold:
                continue
            k, o = (found.cells[m].r, found.cells[m].c) if by_a else (found.cells[m].c, found.cells[m].r)
            v = found.cells[m].value
            if v > best[k] or (v == best[k] and (abs(k - o) < abs(k - partner[k]) or (
                abs(k - o) == abs(k - partner[k]) and o < partner[k]
            ))):
                best[k], partner[k] = v, o
        for k in range(shorter):  # the matched sentences, in order, with their partners
            if best[k] >= 0.0:
                partner[n] = partner[k]
                n += 1
        loose = n / <double>shorter if shorter else 0.0
        if n < 3:
            return loose, 0.0
        for i in range(n):
            for j in range(i + 1, n):
                concordance += (partner[j] > partner[i]) - (partner[j] < partner[i])
                ties += partner[j] == partner[i]
        total = n * (n - 1) // 2
        if ties == total:
            return loose, 0.0
        tau = concordance / sqrt(<double>total) / sqrt(<double>(total - ties))
        return loose, min(1.0, max(-1.0, tau))
    finally:
        free(best)
        free(partner)


def overlap(a, b, double threshold, double split_threshold, double loose_threshold) -> tuple:
    """The measures of :func:`dedup.align.align_sentences` for two
    :class:`~dedup.align.Sentences`, without the alignment: ``(coverage_a, coverage_b,
    loose_coverage, order)``, with the thresholds of :mod:`dedup.align`. Coverage is the share
    of each text's weight in the confident pairs and in the sentences of a split or a merge
    (the fitted models were calibrated so), not in the looser paraphrases."""
    cdef _Cells found = _cells(a, b, DENSE_PAIRS)
    cdef Py_ssize_t na = found.na, nb = found.nb, k, m = 0
    cdef double lowest = min(threshold, split_threshold)  # below it, no pair is ever taken
    cdef Cell* ranked = <Cell*>malloc((found.n + 1) * sizeof(Cell))
    cdef char* in_a = <char*>calloc(na + 1, 1)
    cdef char* in_b = <char*>calloc(nb + 1, 1)
    cdef Cell p
    try:
        if ranked == NULL or in_a == NULL or in_b == NULL:
            raise MemoryError()
        for k in range(found.n):
            if found.cells[k].value >= lowest:
                ranked[m] = found.cells[k]
                m += 1
        qsort(ranked, m, sizeof(Cell), _ranked)
        # The confident pairs, then the sentences of a split or a merge (dedup.align._Matched).
        for k in range(m):
            p = ranked[k]
            if p.value < threshold:
                break
            if not in_a[p.r] and not in_b[p.c]:
                in_a[p.r] = in_b[p.c] = 1
        for k in range(m):
            p = ranked[k]
            if p.value < split_threshold:
                break
            if not in_a[p.r] and in_b[p.c]:
                in_a[p.r] = 1
            elif not in_b[p.c] and in_a[p.r]:
                in_b[p.c] = 1
        coverage_a = _covered(a, in_a)
        coverage_b = _covered(b, in_b)
    finally:
        free(ranked)
        free(in_a)
        free(in_b)
    # Texts of equal length are measured both ways and the better kept: the result does not
    # depend on which one is A.
    if na == nb:
        loose, order = _loose_order(found, True, na, loose_threshold)
        other = _loose_order(found, False, nb, loose_threshold)
        if other > (loose, order):
            loose, order = other
    else:
        loose, order = _loose_order(found, na < nb, min(na, nb), loose_threshold)
    return coverage_a, coverage_b, loose, order


def words_in_order(a, b) -> tuple:
    """Two :class:`~dedup.score.Weighed` articles' words as two strings, a character a word:
    its place in A's vocabulary, then, for B's words A lacks, after it (rapidfuzz reads a string
    as it is, where a list of keys goes element by element). Articles are read up to 1 MiB
    (read.MAX_ARTICLE_BYTES): two hold fewer distinct words than Unicode has code points."""
    cdef Py_ssize_t na = -1, nb = -1, words_a = -1, words_b = -1, i = 0, j = 0, k
    cdef const cnp.int64_t* va = <const cnp.int64_t*>_data(a.vocabulary, cnp.NPY_INT64, &na)
    cdef const cnp.int64_t* vb = <const cnp.int64_t*>_data(b.vocabulary, cnp.NPY_INT64, &nb)
    cdef const cnp.uint32_t* wa = <const cnp.uint32_t*>_data(a.words, cnp.NPY_UINT32, &words_a)
    cdef const cnp.uint32_t* wb = <const cnp.uint32_t*>_data(b.words, cnp.NPY_UINT32, &words_b)
    cdef cnp.uint32_t* number = <cnp.uint32_t*>malloc((nb + 1) * sizeof(cnp.uint32_t))
    cdef cnp.uint32_t* spelled = <cnp.uint32_t*>malloc((words_b + 1) * sizeof(cnp.uint32_t))
    try:
        if number == NULL or spelled == NULL:
            raise MemoryError()
        for k in range(nb):
            number[k] = na + k
        while i < na and j < nb:
            if va[i] < vb[j]:
                i += 1
            elif vb[j] < va[i]:
                j += 1
            else:
                number[j] = i
                i += 1
                j += 1
        for k in range(words_b):
            if wb[k] >= nb:
                raise ValueError(f"word {wb[k]} out of range for a vocabulary of {nb}")
            spelled[k] = number[wb[k]]
        return (
            PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, wa, words_a),
            PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, spelled, words_b),
        )
    finally:
        free(number)
        free(spelled)
