"""Verification: the scores of a candidate pair, the relation they add up to, one graded score.

Thresholds were calibrated on the calibration halves of the labelled sets in
``../shared/data`` (see ``bench/README.md`` for the figures that justify them); they are
module constants so a reader sees every decision in one place.
"""

from __future__ import annotations

import math
import pickle
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain, pairwise
from typing import Any, ClassVar

import numpy as np
from rapidfuzz.distance import Indel

from dedup import overlap
from dedup.align import Alignment, Overlap, Sentences, align_sentences, order_within, run_starts, sentence_overlap
from dedup.codec import PLAIN, Codec
from dedup.corpus import UNIFORM, Corpus
from dedup.fingerprint import word_text
from dedup.hashes import pairs_each, shingle_hash64, shingles_and_words_each, term_keys
from dedup.model import PairVerdict, Relation
from dedup.normalise import Analysis

# Features of the fitted models (weights below come from bench/calibrate.py); COPY reads every
# score a verdict reports but the date gap.
DERIVED_FEATURES = ("containment", "phrases", "coverage", "loose_coverage", "order", "cosine", "fact_containment")
SAME_STORY_FEATURES = ("cosine", "facts", "fact_containment", "phrases", "loose_coverage")
COPY_FEATURES = ("jaccard", "containment", "phrases", "fuzzy", "lcs_containment", "coverage", "loose_coverage")
COPY_FEATURES += ("order", "cosine", "facts", "fact_containment")

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
COPY = {
    "jaccard": -0.189,
    "containment": -0.159,
    "phrases": 2.490,
    "fuzzy": 0.283,
    "lcs_containment": 1.753,
    "coverage": 0.219,
    "loose_coverage": 1.290,
    "order": -0.373,
    "cosine": -1.951,
    "facts": -0.960,
    "fact_containment": 3.340,
    "bias": -4.442,
}
# A near-duplicate: a majority of the shorter text's 5-word runs verbatim (a copy, its parts in
# any order; set by hand, "most shingles shared"), or a derived text that the COPY model calls a
# copy with edits rather than a reworded version.
NEAR_DUPLICATE_CONTAINMENT = 0.5

# Same-story probability from which two articles share a topic: set by hand, not fitted (no
# labelled set separates "related" from "unrelated"); it only decides which pairs are listed.
RELATED_SAME_STORY = 0.2
MAX_EVENT_GAP_DAYS = 3
TITLE_WEIGHT = 3  # a title term counts as three body occurrences (SemEval calibration)


@dataclass(slots=True)
class Prepared:
    """Per-article data reused across every pair the article is in: what verification reads of
    an analysis, nothing it can cheaply work out again. Its pickle, packed (:meth:`dumps`: ~2.1
    kB for a news article, ~1.6 kB with an index's dictionary), is what a scan spills to disk
    and a full index keeps; the hashed forms (shingles, phrases) and the counts are made by
    :func:`weigh`.

    Kept in indexes: a change to what it holds, or to the analysis that makes it, must bump
    :data:`VERSION` (an index made with another refuses to open)."""

    id: str
    date: str | None
    words: str  # the folded words, space-joined: shingles are cut from it
    stems: list[str]  # content stems in text order
    ranges: list[tuple[int, int]]  # per sentence, its slice of ``stems`` (what alignment compares)
    title: list[str]  # content stems of the title
    facts: set[str]
    shingle_size: int = 5

    VERSION: ClassVar[int] = 1

    @property
    def shingles(self) -> np.ndarray:
        """Sorted distinct hashes (shingle_hash64) of the word shingles."""
        return shingle_hash64(self.words, self.shingle_size)

    @property
    def phrases(self) -> np.ndarray:
        """Sorted distinct hashes of pairs of consecutive content stems: a rewrite keeps phrases
        after it drops sentences."""
        return pairs_each(term_keys(self.stems), np.array([len(self.stems)]))[0]

    @property
    def terms(self) -> set[str]:
        """The terms the article counts once towards document frequency: content and title
        stems, names and numbers (every term verification weighs)."""
        return self.add_terms(set())

    def add_terms(self, terms: set[str]) -> set[str]:
        """``terms`` with :attr:`terms` added: a third of the time of a union with them."""
        terms.update(self.stems, self.title, self.facts)
        return terms

    def dumps(self) -> bytes:
        """Packed without a dictionary: an index packs it again with its own (:class:`~dedup.store.Store`)."""
        return PLAIN.pack(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))

    @staticmethod
    def loads(data: bytes, codec: Codec = PLAIN) -> Prepared:
        """The article :meth:`dumps` packed, with ``codec`` or without a dictionary."""
        return pickle.loads(codec.unpack(data))


def fact_terms(analysis: Analysis) -> set[str]:
    """Names and numbers, the cheap stand-ins for facts that verification compares (shared with
    the analysis: not to be changed)."""
    return analysis.names_and_numbers


def prepare(analysis: Analysis, shingle_size: int = 5) -> Prepared:
    return Prepared(
        analysis.article.id,
        analysis.article.date,
        word_text(analysis),
        [t.stem for t in analysis.content],
        analysis.sentence_ranges,
        [t.stem for t in analysis.title],
        fact_terms(analysis),
        shingle_size,
    )


@dataclass(slots=True)
class Terms:
    """Weighted terms as arrays: each term's stable hash (sorted) and weight."""

    keys: np.ndarray
    weights: np.ndarray

    @classmethod
    def summed_each(
        cls, keys: np.ndarray, weights: np.ndarray, counts: np.ndarray, groups: np.ndarray, n: int
    ) -> list[Terms]:
        """Occurrences of terms (each with its key, weight, how much it counts, and its group of
        ``n``, the groups in order) as each group's terms once, with their weight times their
        summed count."""
        order = order_within(keys, np.searchsorted(groups, np.arange(n + 1)))
        keys, groups = keys[order], groups[order]
        first = run_starts(groups, keys)
        summed = np.add.reduceat(counts[order], first) if len(first) else counts
        keys, weights = keys[first], weights[order][first] * summed
        bounds = np.searchsorted(groups[first], np.arange(n + 1)).tolist()
        # Copies: each article's arrays its own, not views pinning the whole batch's.
        return [cls(keys[lo:hi].copy(), weights[lo:hi].copy()) for lo, hi in pairwise(bounds)]


@dataclass(slots=True)
class Weighed:
    """What verification compares of one article under one corpus's weights, all arrays and
    plain values: worked out once for every pair the article is in, cheap to store and load
    (a scan spills it to disk and reads it back in another process)."""

    id: str
    date: str | None
    shingles: np.ndarray
    phrases: np.ndarray
    tf: Terms  # content stems, weight times count
    norm: float  # length of the tf vector (cosine)
    facts: Terms
    fact_weight: float  # the facts' total weight
    sentences: Sentences
    # What the edit-distance scores compare: the distinct words' keys (term_keys), sorted, and
    # each word, in order, as its place among them.
    vocabulary: np.ndarray
    words: np.ndarray  # uint32

    def dumps(self) -> bytes:
        """One buffer: a fixed header (:data:`_HEAD`), the id and date, then the arrays end to
        end. A scan's verifying processes load an article for nearly every pair they verify;
        :meth:`loads` makes its arrays views of the buffer read from disk, without pickle's
        framing or a second copy (half the time of unpickling the same buffer)."""
        s = self.sentences
        arrays = (self.shingles, self.phrases, self.tf.keys, self.tf.weights, self.facts.keys, self.facts.weights)
        arrays += (s.keys, s.weights, s.totals, self.vocabulary, s.rows, s.counts, self.words)
        laid = [np.ascontiguousarray(a, dtype) for a, dtype in zip(arrays, _LAID, strict=True)]
        id, date = self.id.encode(), b"" if self.date is None else self.date.encode()
        sizes = (len(id), _NO_DATE if self.date is None else len(date))
        head = _HEAD.pack(self.norm, self.fact_weight, s.total, *map(len, laid), *sizes)
        pad = bytes(-(len(head) + len(id) + len(date)) % 8)  # every array 8-byte aligned
        return b"".join([head, id, date, pad, *(a.tobytes() for a in laid)])

    @staticmethod
    def loads(data: bytes) -> Weighed:
        """The article :meth:`dumps` wrote, its arrays (read-only) views of ``data``."""
        norm, fact_weight, total, *lengths, id_size, date_size = _HEAD.unpack_from(data)
        offset = _HEAD.size + id_size
        id = data[_HEAD.size : offset].decode()
        date = None if date_size == _NO_DATE else data[offset : offset + date_size].decode()
        offset += 0 if date is None else date_size
        offset += -offset % 8
        arrays = []
        for dtype, n in zip(_LAID, lengths, strict=True):
            arrays.append(np.frombuffer(data, dtype, n, offset))
            offset += n * dtype.itemsize
        shingles, phrases, tf_keys, tf_weights, fact_keys, fact_weights = arrays[:6]
        keys, weights, totals, vocabulary, rows, counts, words = arrays[6:]
        return Weighed(
            id,
            date,
            shingles,
            phrases,
            Terms(tf_keys, tf_weights),
            norm,
            Terms(fact_keys, fact_weights),
            fact_weight,
            Sentences(keys, rows, counts, weights, totals, total),
            vocabulary,
            words,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return Weighed.loads, (self.dumps(),)


# The dtypes of a Weighed's arrays as dumped, in their order (8-byte ones first: every array aligned).
_LAID = tuple(map(np.dtype, (np.uint64, np.uint64, np.int64, np.float64, np.int64, np.float64)))
_LAID += tuple(map(np.dtype, (np.int64, np.float64, np.float64, np.int64, np.int32, np.int32, np.uint32)))
# norm, fact weight, sentences' total; each array's length; the id's and the date's bytes.
_HEAD = struct.Struct(f"<3d{len(_LAID)}I2I")
_NO_DATE = 0xFFFFFFFF


def weigh(p: Prepared, corpus: Corpus = UNIFORM) -> Weighed:
    return weigh_each([p], corpus)[0]


def weigh_each(prepared: Sequence[Prepared], corpus: Corpus = UNIFORM) -> list[Weighed]:
    """:func:`weigh` of many articles, with numpy's calls made once for them all: for one
    article, their overhead, not their arithmetic, was most of the time. Every term occurrence
    (body stems, title stems, facts) gets its key and weight in one look-up."""
    if len({p.shingle_size for p in prepared}) > 1:
        raise ValueError("articles shingled with different sizes cannot be weighed together")
    parts = [(p.stems, p.title, list(p.facts)) for p in prepared]
    terms = list(chain.from_iterable(chain.from_iterable(parts)))
    keys, w = corpus.keys_and_weights(terms)
    sizes = np.array([[len(part) for part in article] for article in parts], dtype=np.int64).reshape(-1, 3)
    part = np.repeat(np.tile(np.arange(3), len(parts)), sizes.ravel())  # 0 body, 1 title, 2 facts
    article = np.repeat(np.arange(len(parts)), sizes.sum(axis=1))
    counts = np.where(part == 1, float(TITLE_WEIGHT), 1.0)  # a headline names the story: its words count more
    # Group 2k: article k's body and title stems (its tf); 2k + 1: its facts.
    terms_of = Terms.summed_each(keys, w, counts, 2 * article + (part == 2), 2 * len(parts))
    body = np.flatnonzero(part == 0)
    sentences = Sentences.of_keys_each(keys[body], w[body], [p.ranges for p in prepared], sizes[:, 0])
    shingles, words = shingles_and_words_each([p.words for p in prepared], prepared[0].shingle_size if prepared else 1)
    phrases = pairs_each(keys[body], sizes[:, 0])
    weighed = []
    for k, p in enumerate(prepared):
        tf, facts = terms_of[2 * k], terms_of[2 * k + 1]
        weighed.append(
            Weighed(
                p.id,
                p.date,
                shingles[k],
                phrases[k],
                tf,
                float(np.sqrt(np.dot(tf.weights, tf.weights))),
                facts,
                float(facts.weights.sum()),  # exact: weights are multiples of 2^-32 (Corpus)
                sentences[k],
                *_numbered(words[k]),
            )
        )
    return weighed


def _numbered(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct word keys, sorted, and each word as its place among them."""
    vocabulary, places = np.unique(words, return_inverse=True)
    return vocabulary, places.astype(np.uint32)


def _days_apart(a: str | None, b: str | None) -> int | None:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)  # type: ignore[index]
    except (TypeError, ValueError):
        return None


def features(a: Prepared, b: Prepared, corpus: Corpus = UNIFORM) -> tuple[dict[str, float | None], Alignment]:
    """Every score behind a verdict, named as they appear in reports."""
    x, y = weigh(a, corpus), weigh(b, corpus)
    alignment = align_sentences(x.sentences, y.sentences)
    return _scores(x, y, alignment), alignment


def _scores(a: Weighed, b: Weighed, alignment: Alignment | Overlap, in_order: bool = True) -> dict[str, float | None]:
    """Every score, some of them measured by the sentence alignment (without ``in_order``, the
    two of :func:`_in_order` are None)."""
    shingles, phrases, facts, dot = overlap.shared(a, b)
    union = len(a.shingles) + len(b.shingles) - shingles
    # Weighted Jaccard of the two fact sets, and how much of the lighter one the other holds.
    facts_union = a.fact_weight + b.fact_weight - facts
    lighter = min(a.fact_weight, b.fact_weight)
    fuzzy, lcs_containment = _in_order(a, b) if in_order else (None, None)
    scores: dict[str, float | None] = {
        # Two texts without a single word are the same text once normalised: exact.
        "jaccard": shingles / union if union else 1.0,
        "containment": _containment(shingles, a.shingles, b.shingles),
        "phrases": _containment(phrases, a.phrases, b.phrases),
        "fuzzy": fuzzy,
        "lcs_containment": lcs_containment,
        "coverage": max(alignment.coverage_a, alignment.coverage_b),
        "loose_coverage": alignment.loose_coverage,
        "order": max(0.0, alignment.order),
        "cosine": dot / (a.norm * b.norm) if a.norm and b.norm else 0.0,
        "facts": facts / facts_union if facts_union else 0.0,
        "fact_containment": facts / lighter if lighter else 0.0,
        "date_gap_days": _days_apart(a.date, b.date),
    }
    return scores


def _containment(shared: int, a: np.ndarray, b: np.ndarray) -> float:
    """The share of the smaller set that the other holds, given the ``shared`` values."""
    return shared / min(len(a), len(b)) if shared else 0.0


def _in_order(a: Weighed, b: Weighed) -> tuple[float, float]:
    """The words the two texts share in the same order (their longest common subsequence, from
    rapidfuzz's Indel distance over the word sequences): over both lengths, the edit similarity "fuzzy"
    (``fuzz.ratio`` of the word sequences; over characters any two French texts scored about
    0.47, and it cost 3.5 times as much); over the shorter text, "lcs_containment", how much of
    it the other holds in its order: the mark of a copy with scattered edits (one of the scores
    the COPY model weighs)."""
    shorter, both = min(len(a.words), len(b.words)), len(a.words) + len(b.words)
    if not both:
        return 1.0, 1.0  # two texts without words: the same text
    distance = Indel.distance(*overlap.words_in_order(a, b))
    common = (both - distance) // 2
    return 1 - distance / both, (common / shorter if shorter else 0.0)


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
        return Relation.NEAR_DUPLICATE if _probability(COPY, scores) >= 0.5 else Relation.REWRITE
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


def related(a: Weighed, b: Weighed) -> PairVerdict | None:
    """The verdict when the pair is at least related (what scans and checks report), else None."""
    scores = _scores(a, b, sentence_overlap(a.sentences, b.sentences), in_order=False)
    # Whether a pair is related does not depend on the word order, which only tells a copy from a
    # rewrite: it is measured for the pairs reported (half of a check's candidates are not).
    if relation(scores) < Relation.RELATED:
        return None
    scores["fuzzy"], scores["lcs_containment"] = _in_order(a, b)
    found = relation(scores)
    return PairVerdict(a.id, b.id, found, graded(scores), scores)
