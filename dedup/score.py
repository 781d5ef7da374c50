"""Verification: the scores of a candidate pair, the relation they add up to, one graded score.

Thresholds were calibrated on the calibration halves of the labelled sets in
``../shared/data`` (see ``bench/README.md`` for the figures that justify them); they are
module constants so a reader sees every decision in one place.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from dedup.align import Alignment, align
from dedup.corpus import UNIFORM, Corpus
from dedup.fingerprint import is_name, shingles
from dedup.model import PairVerdict, Relation
from dedup.normalise import Analysis

# Relation thresholds (calibration figures in bench/README.md).
NEAR_DUPLICATE_CONTAINMENT = 0.8
REWRITE_CONTAINMENT = 0.25
REWRITE_COVERAGE = 0.5
REWRITE_PHRASES = 0.15
SAME_EVENT_COSINE = 0.45
SAME_EVENT_FACTS = 0.25
RELATED_COSINE = 0.2
MAX_EVENT_GAP_DAYS = 3
TITLE_WEIGHT = 3


@dataclass(slots=True)
class Prepared:
    """Per-article data reused across every pair the article is in."""

    analysis: Analysis
    shingles: set[str]
    tf: Counter[str]
    phrases: set[tuple[str, str]]
    facts: set[str]
    words: str


def fact_terms(analysis: Analysis) -> set[str]:
    """Names and numbers, the cheap stand-ins for facts that verification compares."""
    return {
        ("#" if t.norm[0].isdigit() else "@") + t.norm for t in analysis.content if t.norm[0].isdigit() or is_name(t)
    }


def prepare(analysis: Analysis, shingle_size: int = 5) -> Prepared:
    stems = [t.stem for t in analysis.content]
    tf = Counter(stems)
    for tok in analysis.title:  # a headline names the story: its words count more
        tf[tok.stem] += TITLE_WEIGHT
    return Prepared(
        analysis,
        shingles=shingles(analysis, shingle_size),
        tf=tf,
        # Pairs of consecutive content words: a rewrite keeps phrases after it drops sentences.
        phrases=set(itertools.pairwise(stems)),
        facts=fact_terms(analysis),
        words=" ".join(t.norm for t in analysis.tokens if not t.elided),
    )


def _containment(a: set, b: set) -> float:
    shared = len(a & b)
    return shared / min(len(a), len(b)) if shared else 0.0


def _weighted_jaccard(a: set[str], b: set[str], corpus: Corpus) -> float:
    union = sum(corpus.weight(t) for t in a | b)
    return sum(corpus.weight(t) for t in a & b) / union if union else 0.0


def _cosine(a: Counter[str], b: Counter[str], corpus: Corpus) -> float:
    w = corpus.weight
    dot = sum(n * b[t] * w(t) ** 2 for t, n in a.items() if t in b)
    na = math.sqrt(sum((n * w(t)) ** 2 for t, n in a.items()))
    nb = math.sqrt(sum((n * w(t)) ** 2 for t, n in b.items()))
    return dot / (na * nb) if na and nb else 0.0


def _days_apart(a: str | None, b: str | None) -> int | None:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)  # type: ignore[index]
    except (TypeError, ValueError):
        return None


def features(a: Prepared, b: Prepared, corpus: Corpus = UNIFORM) -> tuple[dict[str, float | None], Alignment]:
    """Every score behind a verdict, named as they appear in reports."""
    union = len(a.shingles | b.shingles)
    alignment = align(a.analysis, b.analysis, corpus.weight)
    scores: dict[str, float | None] = {
        "jaccard": len(a.shingles & b.shingles) / union if union else 0.0,
        "containment": _containment(a.shingles, b.shingles),
        "phrases": _containment(a.phrases, b.phrases),
        "fuzzy": fuzz.ratio(a.words, b.words) / 100,
        "coverage": max(alignment.coverage_a, alignment.coverage_b),
        "cosine": _cosine(a.tf, b.tf, corpus),
        "facts": _weighted_jaccard(a.facts, b.facts, corpus),
        "date_gap_days": _days_apart(a.analysis.article.date, b.analysis.article.date),
    }
    return scores, alignment


def relation(scores: dict[str, float | None]) -> Relation:
    """The strongest relation the scores support."""
    containment = scores["containment"] or 0.0
    coverage = scores["coverage"] or 0.0
    cosine = scores["cosine"] or 0.0
    facts = scores["facts"] or 0.0
    gap = scores["date_gap_days"]
    if scores["jaccard"] == 1.0:
        return Relation.EXACT
    if containment >= NEAR_DUPLICATE_CONTAINMENT:
        return Relation.NEAR_DUPLICATE
    phrases = scores["phrases"] or 0.0
    if containment >= REWRITE_CONTAINMENT or coverage >= REWRITE_COVERAGE or phrases >= REWRITE_PHRASES:
        return Relation.REWRITE
    close_in_time = gap is None or gap <= MAX_EVENT_GAP_DAYS
    if close_in_time and cosine >= SAME_EVENT_COSINE and facts >= SAME_EVENT_FACTS:
        return Relation.SAME_EVENT
    if cosine >= RELATED_COSINE:
        return Relation.RELATED
    return Relation.UNRELATED


def graded(scores: dict[str, float | None]) -> float:
    """One number in [0, 1] for ranking pairs: content overlap first, verbatim reuse on top."""
    cosine = scores["cosine"] or 0.0
    coverage = scores["coverage"] or 0.0
    facts = scores["facts"] or 0.0
    containment = scores["containment"] or 0.0
    value = 0.45 * cosine + 0.2 * coverage + 0.2 * facts + 0.15 * containment
    return min(1.0, max(0.0, value))


def verify(a: Prepared, b: Prepared, corpus: Corpus = UNIFORM) -> PairVerdict:
    scores, _ = features(a, b, corpus)
    return PairVerdict(a.analysis.article.id, b.analysis.article.id, relation(scores), graded(scores), scores)
