"""Sentence alignment that allows reordering, splits and merges.

Rewrites move sentences around, so sentences are matched by content, best pairs first, and
order only breaks ties. A sentence left over whose best partner is already taken joins that
pair when it is similar enough on its own: a sentence split in two, or two merged into one.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import Levenshtein

from dedup import overlap
from dedup.hashes import term_keys
from dedup.model import Span
from dedup.normalise import Token
from dedup.similarity import Weight

THRESHOLD = 0.45  # weighted Dice of content stems at which two sentences say the same thing
_SPLIT_THRESHOLD = 0.3  # a part of a split sentence shares less with the whole
# A paraphrased sentence keeps only some content words; at this level its best match is
# usually still its source, which is enough to see whether a text follows another's order.
LOOSE_THRESHOLD = 0.2
# A left-over sentence this close to one in the same place of the other text is its paraphrase.
PARAPHRASE_THRESHOLD = 0.25
_LOWEST = min(THRESHOLD, _SPLIT_THRESHOLD, PARAPHRASE_THRESHOLD)  # the least similarity a pairing uses


@dataclass(slots=True)
class AlignedPair:
    """Sentences of A matched with sentences of B (indices into each side's sentences)."""

    a: list[int]
    b: list[int]
    similarity: float
    moved: bool = False


@dataclass(slots=True)
class Alignment:
    pairs: list[AlignedPair]
    only_a: list[int]
    only_b: list[int]
    coverage_a: float  # share of A's content weight inside aligned sentences
    coverage_b: float
    loose_coverage: float  # share of the shorter side's sentences with a loose match
    order: float  # Kendall tau of those matches' positions: 1 when one text follows the other
    # (sentence of A, sentence of B) -> similarity, for the pairs alignment looked at (the others
    # are below every threshold it uses).
    similarities: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)


@dataclass(slots=True)
class Sentences:
    """One text's sentences as alignment compares them, worked out once for every pair the text
    is in (a scan puts an article in several).

    Each sentence is a multiset of terms, held as (sentence, term, count) rows sorted by term
    (its stable hash, :func:`dedup.hashes.term_keys`), so that numpy finds the terms every pair
    of sentences shares, for all pairs at once."""

    keys: np.ndarray  # the term of each row (its hash), sorted
    rows: np.ndarray  # the sentence of each row
    counts: np.ndarray  # how often the sentence holds the term
    weights: np.ndarray  # the term's weight
    totals: np.ndarray  # weighted size of each sentence
    total: float  # weighted size of the text

    @classmethod
    def of(cls, stems: list[list[str]], weights: Mapping[str, float]) -> Sentences:
        flat = list(itertools.chain.from_iterable(stems))
        w = np.fromiter(map(weights.__getitem__, flat), dtype=np.float64, count=len(flat))
        bounds = list(itertools.accumulate((len(s) for s in stems), initial=0))
        return cls.of_keys(term_keys(flat), w, list(itertools.pairwise(bounds)))

    @classmethod
    def of_keys(cls, keys: np.ndarray, w: np.ndarray, ranges: list[tuple[int, int]]) -> Sentences:
        """The sentences ``keys[lo:hi]`` for each range, term keys and weights given."""
        return cls.of_keys_each(keys, w, [ranges], [len(keys)])[0]

    @classmethod
    def of_keys_each(
        cls, keys: np.ndarray, w: np.ndarray, ranges: Sequence[list[tuple[int, int]]], sizes: Sequence[int]
    ) -> list[Sentences]:
        """:meth:`of_keys` of many texts at once: text ``t`` has the next ``sizes[t]`` terms of
        ``keys`` and ``w``, its ranges counted from its first."""
        sentences = np.fromiter(map(len, ranges), dtype=np.int64, count=len(ranges))
        flat = [r for text in ranges for r in text]
        lo = np.fromiter((r[0] for r in flat), dtype=np.int64, count=len(flat))
        lengths = np.fromiter((r[1] - r[0] for r in flat), dtype=np.int64, count=len(flat))
        sizes = np.asarray(sizes, dtype=np.int64)
        lo += np.repeat(np.cumsum(sizes) - sizes, sentences)  # in ``keys``
        rows = np.repeat(np.arange(len(flat)), lengths)  # each row's sentence, counted over all texts
        taken = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(rows))
        keys, w = keys[taken], w[taken]
        # (float64 even without a single term, when bincount would give int64)
        totals = np.bincount(rows, weights=w, minlength=len(flat)).astype(np.float64, copy=False)
        text = np.repeat(np.repeat(np.arange(len(ranges)), sentences), lengths)
        # By text, term, then sentence: rows come by text and by sentence already.
        order = order_within(keys, np.searchsorted(text, np.arange(len(ranges) + 1)))
        keys, rows, w, text = keys[order], rows[order], w[order], text[order]
        first = run_starts(keys, rows)
        counts = np.diff(np.append(first, len(keys))).astype(np.int32)
        bounds = np.searchsorted(text[first], np.arange(len(ranges) + 1)).tolist()
        begins = (np.cumsum(sentences) - sentences).tolist()  # each text's first sentence
        found = []
        for (a, b), s, n in zip(itertools.pairwise(bounds), begins, sentences.tolist(), strict=True):
            f, text_totals = first[a:b], totals[s : s + n].copy()  # each text's arrays its own
            found.append(
                cls(
                    keys[f],
                    (rows[f] - s).astype(np.int32),
                    counts[a:b].copy(),
                    w[f],
                    text_totals,
                    float(text_totals.sum()),
                )
            )
        return found


def run_starts(*columns: np.ndarray) -> np.ndarray:
    """Where each run of equal rows starts in sorted columns."""
    starts = np.zeros(len(columns[0]), dtype=bool)
    starts[:1] = True
    for c in columns:
        starts[1:] |= c[1:] != c[:-1]
    return starts.nonzero()[0]


def order_within(keys: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The stable order that sorts ``keys[lo:hi]`` between each two consecutive ``bounds``, each
    part kept in its place: ``np.lexsort((keys, part))`` for parts that come in order, twice as
    fast (it sorts many small arrays, not one large one by two columns)."""
    order = np.arange(len(keys))
    for lo, hi in itertools.pairwise(bounds.tolist()):
        if hi - lo > 1:
            order[lo:hi] = lo + np.argsort(keys[lo:hi], kind="stable")
    return order


def align(
    stems_a: list[list[str]], stems_b: list[list[str]], weight: Weight | Mapping[str, float] | None = None
) -> Alignment:
    """Align two texts given as the content stems of each sentence (``Analysis.sentence_content``).
    ``weight`` gives each term's weight: a function, or a mapping that answers for every term
    (such as :attr:`dedup.corpus.Corpus.weights`, which spares building one per pair)."""
    if isinstance(weight, Mapping):
        weights = weight
    else:
        w = weight or (lambda _: 1.0)
        weights = {t: w(t) for t in {t for sentences in (stems_a, stems_b) for sentence in sentences for t in sentence}}
    return align_sentences(Sentences.of(stems_a, weights), Sentences.of(stems_b, weights))


def align_sentences(a: Sentences, b: Sentences) -> Alignment:
    """:func:`align` on texts already worked out (with the same weights)."""
    matched = _Matched(a, b)
    sims = dict(matched.ranked)
    group_a, group_b = matched.group_a, matched.group_b
    pairs = sorted({id(g): g for g in group_a.values()}.values(), key=lambda p: min(p.a))
    for p in pairs:
        p.a.sort()
        p.b.sort()
    _mark_moved(pairs)
    measured = sentence_overlap(a, b)
    paraphrased = _paraphrases(matched.ranked, pairs, group_a, group_b)
    for pair in paraphrased:
        group_a[pair.a[0]] = group_b[pair.b[0]] = pair
    return Alignment(
        pairs=sorted(pairs + paraphrased, key=lambda p: min(p.a)),
        only_a=[i for i in range(len(a.totals)) if i not in group_a],
        only_b=[j for j in range(len(b.totals)) if j not in group_b],
        coverage_a=measured.coverage_a,
        coverage_b=measured.coverage_b,
        loose_coverage=measured.loose_coverage,
        order=measured.order,
        similarities=sims,
    )


def sentence_overlap(a: Sentences, b: Sentences) -> Overlap:
    """What :func:`align_sentences` measures of two texts, without the alignment itself (which
    verifying a candidate pair does not report), compiled (:mod:`dedup.overlap`)."""
    return Overlap(*overlap.overlap(a, b, THRESHOLD, _SPLIT_THRESHOLD, LOOSE_THRESHOLD))


@dataclass(slots=True)
class Overlap:
    """The measures of an :class:`Alignment` (same names, same values)."""

    coverage_a: float
    coverage_b: float
    loose_coverage: float
    order: float


class _Matched:
    """The confident pairs of sentences of two texts, with merges and splits (each sentence's
    group), from the similarities of every pair of sentences that share a term."""

    def __init__(self, a: Sentences, b: Sentences) -> None:
        rows, cols, values = overlap.similarities(a, b)
        # Best pairs first; among equals, pairs that keep the original order first, then the
        # earlier. The key is the same with A and B swapped, and pairs it leaves tied share no
        # sentence, so align(b, a) is the mirror of align(a, b).
        # Pairs below every threshold below are never looked at: they are left out before sorting.
        kept = values >= _LOWEST
        r, c, v = rows[kept], cols[kept], values[kept]
        order = np.lexsort((r + c, np.abs(r - c), -v))
        self.ranked = ranked = list(
            zip(zip(r[order].tolist(), c[order].tolist(), strict=True), v[order].tolist(), strict=True)
        )
        self.group_a: dict[int, AlignedPair] = {}
        self.group_b: dict[int, AlignedPair] = {}
        group_a, group_b = self.group_a, self.group_b
        for (i, j), s in ranked:
            if s < THRESHOLD:
                break
            if i not in group_a and j not in group_b:
                group_a[i] = group_b[j] = AlignedPair([i], [j], s)
        for (i, j), s in ranked:
            if s < _SPLIT_THRESHOLD:
                break
            if i not in group_a and j in group_b:  # two sentences of A merged in B
                group_a[i] = group_b[j]
                group_a[i].a.append(i)
            elif j not in group_b and i in group_a:  # one sentence of A split in B
                group_b[j] = group_a[i]
                group_b[j].b.append(j)


def _paraphrases(
    ranked: list[tuple[tuple[int, int], float]],
    pairs: list[AlignedPair],
    group_a: dict[int, AlignedPair],
    group_b: dict[int, AlignedPair],
) -> list[AlignedPair]:
    """Left-over sentences that loosely match, where the confident pairs around them say they
    belong: a paraphrase shares few words with its source but keeps its place in the story."""
    anchors = sorted((min(p.a), min(p.b)) for p in pairs if not p.moved)
    found: list[AlignedPair] = []
    taken_a, taken_b = set(group_a), set(group_b)
    for (i, j), s in ranked:
        if s < PARAPHRASE_THRESHOLD:
            break
        if i in taken_a or j in taken_b:
            continue
        k = bisect.bisect_left(anchors, (i, -1))
        after_previous = k == 0 or anchors[k - 1][1] < j
        before_next = k == len(anchors) or j < anchors[k][1]
        if after_previous and before_next:
            found.append(AlignedPair([i], [j], s))
            taken_a.add(i)
            taken_b.add(j)
            bisect.insort(anchors, (i, j))
    return found


def _mark_moved(pairs: list[AlignedPair]) -> None:
    """A pair is moved when it is not on the longest run of pairs kept in order."""
    order = [min(p.b) for p in pairs]  # pairs are sorted by their A position
    # Longest increasing subsequence of B positions, O(n log n) with back-pointers.
    tails: list[int] = []
    tail_index: list[int] = []
    back = [-1] * len(order)
    for k, x in enumerate(order):
        pos = bisect.bisect_left(tails, x)
        if pos == len(tails):
            tails.append(x)
            tail_index.append(k)
        else:
            tails[pos] = x
            tail_index[pos] = k
        back[k] = tail_index[pos - 1] if pos else -1
    kept = set()
    k = tail_index[-1] if tail_index else -1
    while k != -1:
        kept.add(k)
        k = back[k]
    for k, p in enumerate(pairs):
        p.moved = k not in kept


@dataclass(frozen=True, slots=True)
class Edit:
    """One word-level change inside an aligned pair; spans point into each original text."""

    op: str  # "replace", "delete" (only in A), "insert" (only in B)
    a: Span | None
    b: Span | None


def word_diff(a: list[Token], b: list[Token]) -> list[Edit]:
    """Word edits between two aligned passages, compared on folded words so that case,
    accents and apostrophes are no change."""
    edits = []
    for op in Levenshtein.opcodes([t.norm for t in a], [t.norm for t in b]):
        if op.tag == "equal":
            continue
        sa = Span(a[op.src_start].start, a[op.src_end - 1].end) if op.src_end > op.src_start else None
        sb = Span(b[op.dest_start].start, b[op.dest_end - 1].end) if op.dest_end > op.dest_start else None
        edits.append(Edit(op.tag, sa, sb))
    return edits
