"""Sentence alignment that allows reordering, splits and merges.

Rewrites move sentences around, so sentences are matched by content, best pairs first, and
order only breaks ties. A sentence left over whose best partner is already taken joins that
pair when it is similar enough on its own: a sentence split in two, or two merged into one.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import Levenshtein

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
    similarities: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)


@dataclass(slots=True)
class Sentences:
    """One text's sentences as alignment compares them, worked out once for every pair the text
    is in (a scan puts an article in several)."""

    stems: list[list[str]]  # content stems of each sentence
    counts: list[Counter[str]]
    totals: list[float]  # weighted size of each sentence
    total: float  # weighted size of the text
    where: dict[str, set[int]]  # term -> the sentences holding it

    @classmethod
    def of(cls, stems: list[list[str]], weights: Mapping[str, float]) -> Sentences:
        counts = [Counter(sentence) for sentence in stems]
        where: dict[str, set[int]] = defaultdict(set)
        for j, c in enumerate(counts):
            for t in c:
                where[t].add(j)
        return cls(
            stems,
            counts,
            [sum([n * weights[t] for t, n in c.items()]) for c in counts],
            sum(map(weights.__getitem__, itertools.chain.from_iterable(stems))),
            dict(where),
        )


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
    return align_sentences(Sentences.of(stems_a, weights), Sentences.of(stems_b, weights), weights)


def align_sentences(a: Sentences, b: Sentences, weights: Mapping[str, float]) -> Alignment:
    """:func:`align` on texts already worked out (``weights`` must be the ones they were with)."""
    sims = _similarities(a, b, weights)

    # Best pairs first; among equals, pairs that keep the original order first, then the earlier.
    # The key is the same with A and B swapped, and pairs it leaves tied share no sentence, so
    # align(b, a) is the mirror of align(a, b).
    # Pairs below every threshold below are never looked at: they are left out before sorting.
    ranked = sorted(
        ((k, s) for k, s in sims.items() if s >= _LOWEST),
        key=lambda kv: (-kv[1], abs(kv[0][0] - kv[0][1]), kv[0][0] + kv[0][1]),
    )
    partner_a: dict[int, int] = {}
    partner_b: dict[int, int] = {}
    for (i, j), s in ranked:
        if s < THRESHOLD:
            break
        if i not in partner_a and j not in partner_b:
            partner_a[i], partner_b[j] = j, i

    group_a = {i: AlignedPair([i], [j], sims[i, j]) for i, j in partner_a.items()}
    group_b = {j: group_a[i] for j, i in partner_b.items()}
    for (i, j), s in ranked:
        if s < _SPLIT_THRESHOLD:
            break
        if i not in group_a and j in group_b:  # two sentences of A merged in B
            group_a[i] = group_b[j]
            group_a[i].a.append(i)
        elif j not in group_b and i in group_a:  # one sentence of A split in B
            group_b[j] = group_a[i]
            group_b[j].b.append(j)

    pairs = sorted({id(g): g for g in group_a.values()}.values(), key=lambda p: min(p.a))
    for p in pairs:
        p.a.sort()
        p.b.sort()
    _mark_moved(pairs)
    # Coverage is measured on the confident pairs only (the fitted models were calibrated so).
    coverage_a, coverage_b = _coverage(a, group_a, weights), _coverage(b, group_b, weights)
    paraphrased = _paraphrases(ranked, pairs, group_a, group_b)
    for pair in paraphrased:
        group_a[pair.a[0]] = group_b[pair.b[0]] = pair
    return Alignment(
        pairs=sorted(pairs + paraphrased, key=lambda p: min(p.a)),
        only_a=[i for i in range(len(a.stems)) if i not in group_a],
        only_b=[j for j in range(len(b.stems)) if j not in group_b],
        coverage_a=coverage_a,
        coverage_b=coverage_b,
        **_order(sims, len(a.stems), len(b.stems)),
        similarities=sims,
    )


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


def _order(sims: dict[tuple[int, int], float], na: int, nb: int) -> dict[str, float]:
    """How much of the shorter text loosely matches the other, and whether in the same order.

    A rewrite follows its source's narrative; independent reports of one event tell it in
    their own order. Texts of equal length are measured both ways and the better kept, so that
    the result does not depend on which one is A.
    """
    loose = [(pair, s) for pair, s in sims.items() if s >= LOOSE_THRESHOLD]
    if na == nb:
        both = _loose_order(loose, True, na), _loose_order(loose, False, nb)
        return max(both, key=lambda r: (r["loose_coverage"], r["order"]))
    return _loose_order(loose, na < nb, min(na, nb))


def _loose_order(loose: list[tuple[tuple[int, int], float]], from_a: bool, shorter: int) -> dict[str, float]:
    best: dict[int, tuple[float, int, int]] = {}  # sentence -> (similarity, -distance, -partner) of its best match
    for (i, j), s in loose:
        k, other = (i, j) if from_a else (j, i)
        candidate = (s, -abs(k - other), -other)  # ties go to the nearest, then the earliest partner
        if candidate > best.get(k, (0.0, 0, 0)):
            best[k] = candidate
    loose = len(best) / shorter if shorter else 0.0
    keys = sorted(best)
    if len(keys) < 3:
        return {"loose_coverage": loose, "order": 0.0}
    tau = _kendall_tau_b(keys, [-best[k][2] for k in keys])
    return {"loose_coverage": loose, "order": 0.0 if math.isnan(tau) else tau}


def _kendall_tau_b(x: list[int], y: list[int]) -> float:
    """Kendall's tau-b with the very arithmetic of ``scipy.stats.kendalltau`` (so the same
    value), without its per-call overhead, which cost a seventh of a scan."""
    a, b = np.asarray(x), np.asarray(y)
    i, j = np.triu_indices(len(a), 1)
    sx, sy = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
    total, x_ties, y_ties = len(i), int((sx == 0).sum()), int((sy == 0).sum())
    if x_ties == total or y_ties == total:
        return math.nan
    tau = int((sx * sy).sum()) / np.sqrt(total - x_ties) / np.sqrt(total - y_ties)
    return float(min(1.0, max(-1.0, tau)))


def _similarities(a: Sentences, b: Sentences, weights: Mapping[str, float]) -> dict[tuple[int, int], float]:
    """Weighted Dice (:func:`dedup.similarity.weighted_dice`, the same sums in the same order)
    of every pair of sentences that share a term (the others are 0). A term's shares go straight
    to the sentences of B that hold it rather than every term being looked up in every candidate."""
    sims = {}
    where_b, counts_b, totals_b = b.where, b.counts, b.totals
    for i, stems in enumerate(a.stems):
        if not stems:
            continue
        total_a = a.totals[i]
        shares: dict[int, list[float]] = defaultdict(list)  # in the order of A's terms, as weighted_dice sums
        for t, n in a.counts[i].items():
            if t in where_b:
                w = weights[t]
                for j in where_b[t]:  # n == 1 mostly: then the share is w, no need to look
                    shares[j].append(w if n == 1 else min(n, counts_b[j][t]) * w)
        # The candidates in the order their union gives them, which breaks ties between equal
        # pairs; built as before, stem by stem, repeats included (a merge may resize the set).
        for j in set().union(*[where_b[s] for s in stems if s in where_b]):
            total = total_a + totals_b[j]
            sims[i, j] = 2 * sum(shares[j]) / total if total else 0.0
    return sims


def _coverage(text: Sentences, aligned: dict[int, AlignedPair], weights: Mapping[str, float]) -> float:
    covered = sum(map(weights.__getitem__, itertools.chain.from_iterable(text.stems[i] for i in aligned)))
    return covered / text.total if text.total else 0.0


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
