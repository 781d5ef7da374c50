"""Verification: the scores of a candidate pair, the relation they add up to, one graded score.

Thresholds were calibrated on the calibration halves of the labelled sets in
``../shared/data`` (see ``bench/README.md`` for the figures that justify them); they are
module constants so a reader sees every decision in one place.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from rapidfuzz import fuzz

from dedup.align import Alignment, Sentences, align_sentences
from dedup.corpus import UNIFORM, Corpus
from dedup.fingerprint import powers, word_text
from dedup.model import PairVerdict, Relation
from dedup.normalise import Analysis

# Features of the two fitted models (weights below come from bench/calibrate.py).
DERIVED_FEATURES = ("containment", "phrases", "coverage", "loose_coverage", "order", "cosine", "fact_containment")
SAME_STORY_FEATURES = ("cosine", "facts", "fact_containment", "phrases", "loose_coverage")

# Fitted on the calibration parts by bench/calibrate.py; figures in bench/README.md.
DERIVED = {
    "containment": 1.505,
    "phrases": 1.579,
    "coverage": 1.983,
    "loose_coverage": 1.438,
    "order": 0.730,
    "cosine": -0.140,
    "fact_containment": 1.086,
    "bias": -2.818,
}
SAME_STORY = {
    "cosine": 4.914,
    "facts": 1.132,
    "fact_containment": 0.558,
    "phrases": 0.491,
    "loose_coverage": 1.544,
    "bias": -2.830,
}
GRADED = {
    "cosine": 1.100,
    "facts": 0.064,
    "fact_containment": 0.085,
    "phrases": -0.227,
    "loose_coverage": 0.162,
    "bias": 0.061,
}
NEAR_DUPLICATE_CONTAINMENT = 0.246

# Same-story probability from which two articles share a topic: set by hand, not fitted (no
# labelled set separates "related" from "unrelated"); it only decides which pairs are listed.
RELATED_SAME_STORY = 0.2
MAX_EVENT_GAP_DAYS = 3
TITLE_WEIGHT = 3  # a title term counts as three body occurrences (SemEval calibration)


@dataclass(slots=True)
class Prepared:
    """Per-article data reused across every pair the article is in. Compact (no tokens, sets
    of strings as sorted 64-bit hashes), so that a scan can keep one for every article."""

    id: str
    date: str | None
    shingles: np.ndarray  # sorted distinct hashes (hash64) of the word shingles
    tf: Counter[str]
    phrases: np.ndarray  # sorted distinct hashes of pairs of consecutive content stems
    facts: set[str]
    words: str
    sentences: list[list[str]]  # content stems of each sentence, what alignment compares


_BASE = 0x9E3779B97F4A7C15  # odd, hence invertible modulo 2^64, which the prefix sums rely on


def hash64(words: Sequence[str], size: int) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the strings ``" ".join(words[i : i + size])`` (one of all
    the words when there are fewer): set sizes and intersections as with the strings themselves.

    A string hashes as the polynomial of its code points (plus one, so that none is zero) in an
    odd base modulo 2^64; with ``prefix[k] = sum(c[j] * B^-j, j < k)`` over the joined text,
    characters ``[s, e)`` hash to ``B^(e-1) * (prefix[e] - prefix[s])``, so numpy hashes every
    window at once without building its string (per string, BLAKE2b took 1.5 µs). Equal strings
    always hash alike; two distinct ones collide by chance at odds of about 1 in 2^64, though
    not with cryptographic strength (never needed: a collision only moves a score slightly)."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    ends = np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 1) - 1
    return _window_hashes(_code_points(" ".join(words)), ends, size)


def shingle_hash64(text: str, size: int) -> np.ndarray:
    """``hash64(split_words(text), size)`` without splitting: the words of a space-joined text
    end at its spaces."""
    if not text:
        return np.empty(0, dtype=np.uint64)
    codes = _code_points(text)
    return _window_hashes(codes, np.append(np.flatnonzero(codes == ord(" ")), len(codes)), size)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _window_hashes(codes: np.ndarray, ends: np.ndarray, size: int) -> np.ndarray:
    """hash64 of the windows of ``size`` words of a text whose words, one space apart, end at
    ``ends``."""
    count = max(len(ends) - size + 1, 1)
    begins = np.concatenate(([0], ends[: count - 1] + 1))
    ends = ends[min(size, len(ends)) - 1 :]
    p, q = powers(_BASE, len(codes).bit_length(), np.uint64)
    prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
    np.cumsum((codes + np.uint64(1)) * q[: len(codes)], out=prefix[1:])
    hashes = np.sort(p[ends - 1] * (prefix[ends] - prefix[begins]))
    return hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]  # twice as fast as np.unique here


def fact_terms(analysis: Analysis) -> set[str]:
    """Names and numbers, the cheap stand-ins for facts that verification compares (shared with
    the analysis: not to be changed)."""
    return analysis.names_and_numbers


def prepare(analysis: Analysis, shingle_size: int = 5) -> Prepared:
    stems = [t.stem for t in analysis.content]
    tf = Counter(stems)
    for tok in analysis.title:  # a headline names the story: its words count more
        tf[tok.stem] += TITLE_WEIGHT
    words = word_text(analysis)
    return Prepared(
        analysis.article.id,
        analysis.article.date,
        shingles=shingle_hash64(words, shingle_size),
        tf=tf,
        # Pairs of consecutive content words: a rewrite keeps phrases after it drops sentences.
        phrases=hash64(stems, 2) if len(stems) > 1 else np.empty(0, dtype=np.uint64),
        facts=fact_terms(analysis),
        words=words,
        sentences=[stems[lo:hi] for lo, hi in analysis.sentence_ranges],
    )


def _shared(a: np.ndarray, b: np.ndarray) -> int:
    """How many hashes two sorted distinct arrays share: the smaller one looked up in the other
    (a third faster than ``np.intersect1d``, which sorts both again)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return 0
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return int(np.count_nonzero(b[at] == a))


def _containment(a: np.ndarray, b: np.ndarray, shared: int | None = None) -> float:
    shared = _shared(a, b) if shared is None else shared
    return shared / min(len(a), len(b)) if shared else 0.0


# Sets of strings iterate in an order that changes with each interpreter's hash seed; fsum
# makes their weighted sums exact, so a verdict never depends on the process computing it.


def _weighted_jaccard(a: set[str], b: set[str], corpus: Corpus) -> float:
    w = corpus.weights.__getitem__
    union = math.fsum(map(w, a | b))
    return math.fsum(map(w, a & b)) / union if union else 0.0


def _weighted_containment(a: set[str], b: set[str], corpus: Corpus) -> float:
    """How much of the lighter set (by weight) the other holds."""
    w = corpus.weights.__getitem__
    wa, wb = math.fsum(map(w, a)), math.fsum(map(w, b))
    lighter = min(wa, wb)
    return math.fsum(map(w, a & b)) / lighter if lighter else 0.0


def _cosine(a: Counter[str], b: Counter[str], norm_a: float, norm_b: float, weights: dict[str, float]) -> float:
    dot = sum([n * b[t] * weights[t] ** 2 for t, n in a.items() if t in b])
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


@dataclass(slots=True)
class _Weighed:
    """What verification works out from one article and the corpus's weights, once for all the
    pairs the article is in."""

    sentences: Sentences
    norm: float  # length of the weighted term vector (cosine)

    @classmethod
    def of(cls, p: Prepared, corpus: Corpus) -> _Weighed:
        w = corpus.weights
        return cls(Sentences.of(p.sentences, w), math.sqrt(sum([(n * w[t]) ** 2 for t, n in p.tf.items()])))


def _days_apart(a: str | None, b: str | None) -> int | None:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)  # type: ignore[index]
    except (TypeError, ValueError):
        return None


def features(a: Prepared, b: Prepared, corpus: Corpus = UNIFORM) -> tuple[dict[str, float | None], Alignment]:
    """Every score behind a verdict, named as they appear in reports."""
    scores, alignment = _judged(a, b, corpus)
    scores["fuzzy"] = _fuzzy(a, b)
    return scores, alignment


def _judged(
    a: Prepared, b: Prepared, corpus: Corpus, wa: _Weighed | None = None, wb: _Weighed | None = None
) -> tuple[dict[str, float | None], Alignment]:
    """The scores the relation is judged on; "fuzzy" (edit distance over the whole texts, a
    fifth of the time) is only shown, so it is left None here, in its place among the keys."""
    wa, wb = wa or _Weighed.of(a, corpus), wb or _Weighed.of(b, corpus)
    shared = _shared(a.shingles, b.shingles)
    union = len(a.shingles) + len(b.shingles) - shared
    alignment = align_sentences(wa.sentences, wb.sentences)
    scores: dict[str, float | None] = {
        # Two texts without a single word are the same text once normalised: exact.
        "jaccard": shared / union if union else 1.0,
        "containment": _containment(a.shingles, b.shingles, shared),
        "phrases": _containment(a.phrases, b.phrases),
        "fuzzy": None,
        "coverage": max(alignment.coverage_a, alignment.coverage_b),
        "loose_coverage": alignment.loose_coverage,
        "order": max(0.0, alignment.order),
        "cosine": _cosine(a.tf, b.tf, wa.norm, wb.norm, corpus.weights),
        "facts": _weighted_jaccard(a.facts, b.facts, corpus),
        "fact_containment": _weighted_containment(a.facts, b.facts, corpus),
        "date_gap_days": _days_apart(a.date, b.date),
    }
    return scores, alignment


def _fuzzy(a: Prepared, b: Prepared) -> float:
    return fuzz.ratio(a.words, b.words) / 100


def _linear(model: dict[str, float], scores: dict[str, float | None]) -> float:
    return model["bias"] + sum(w * (scores[k] or 0.0) for k, w in model.items() if k != "bias")


def _probability(model: dict[str, float], scores: dict[str, float | None]) -> float:
    return 1 / (1 + math.exp(-_linear(model, scores)))


def relation(scores: dict[str, float | None]) -> Relation:
    """The strongest relation the scores support."""
    if scores["jaccard"] == 1.0:
        return Relation.EXACT
    if (scores["containment"] or 0.0) >= NEAR_DUPLICATE_CONTAINMENT:
        return Relation.NEAR_DUPLICATE
    if _probability(DERIVED, scores) >= 0.5:
        return Relation.REWRITE
    same_story = _probability(SAME_STORY, scores)
    gap = scores["date_gap_days"]
    if same_story >= 0.5 and (gap is None or gap <= MAX_EVENT_GAP_DAYS):
        return Relation.SAME_EVENT
    if same_story >= RELATED_SAME_STORY:
        return Relation.RELATED
    return Relation.UNRELATED


def graded(scores: dict[str, float | None]) -> float:
    """One number in [0, 1] for ranking pairs: the fitted similarity, never below verbatim reuse."""
    return min(1.0, max(0.0, _linear(GRADED, scores), scores["containment"] or 0.0))


def assess(a: Prepared, b: Prepared, corpus: Corpus = UNIFORM) -> tuple[PairVerdict, Alignment]:
    """The verdict on a pair, with the sentence alignment it was judged on."""
    scores, alignment = features(a, b, corpus)
    return PairVerdict(a.id, b.id, relation(scores), graded(scores), scores), alignment


def verify(a: Prepared, b: Prepared, corpus: Corpus = UNIFORM) -> PairVerdict:
    return assess(a, b, corpus)[0]


class Verifier:
    """Verdicts on many pairs judged with one corpus (which must not change meanwhile): the
    verdicts of :func:`verify`, with what depends on one article worked out once for the pairs
    it is in (kept for the most recently seen articles)."""

    # Articles kept (about 50 kB each): a scan's candidates come sorted by their first article, so
    # at 10,000 articles this works out one article every three pairs (1,024: every two).
    KEEP = 2048

    def __init__(self, corpus: Corpus = UNIFORM) -> None:
        self.corpus = corpus
        # id(article) -> (article, what was worked out); holding the article keeps the id its own
        self._weighed: dict[int, tuple[Prepared, _Weighed]] = {}

    def _weigh(self, p: Prepared) -> _Weighed:
        kept = self._weighed.pop(id(p), None)
        if kept is None:
            kept = (p, _Weighed.of(p, self.corpus))
            if len(self._weighed) >= self.KEEP:
                del self._weighed[next(iter(self._weighed))]  # the least recently used
        self._weighed[id(p)] = kept
        return kept[1]

    def related(self, a: Prepared, b: Prepared) -> PairVerdict | None:
        """The verdict when the pair is at least related (what scans and checks report), else
        None, without the edit-distance score, which no relation depends on, for the others."""
        scores, _ = _judged(a, b, self.corpus, self._weigh(a), self._weigh(b))
        found = relation(scores)
        if found < Relation.RELATED:
            return None
        scores["fuzzy"] = _fuzzy(a, b)
        return PairVerdict(a.id, b.id, found, graded(scores), scores)
