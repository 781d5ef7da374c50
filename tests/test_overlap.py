"""The compiled pair measures (dedup/overlap.pyx) against plain-Python oracles on real articles:
sets for what two texts share, ``weighted_dice`` for sentence similarities, and the alignment's
rules written out again, with scipy's Kendall tau, for the sentence overlap."""

import dataclasses
import itertools
import json
import math

import numpy as np
import pytest
from scipy.stats import kendalltau

from dedup.align import _SPLIT_THRESHOLD, LOOSE_THRESHOLD, THRESHOLD, sentence_overlap
from dedup.corpus import Corpus
from dedup.model import Article
from dedup.normalise import analyse
from dedup.overlap import shared, similarities, words_in_order
from dedup.score import prepare, weigh
from dedup.similarity import weighted_dice
from tests.conftest import DATA

ARTICLES = DATA / "fr_news_corpus" / "articles.jsonl"


@pytest.fixture(scope="module")
def pairs(seed_articles):
    """Pairs of (prepared, weighed) articles: the seeds, and real French news with trimmed and
    reordered copies of some (pairs with many matching sentences)."""
    articles = list(seed_articles.values())
    if ARTICLES.is_file():
        records = [json.loads(line) for line in itertools.islice(ARTICLES.open(encoding="utf-8"), 24)]
        articles += [Article(r["id"], r["text"], language="fr") for r in records]
    for a in articles[::3]:
        sentences = a.text.split(". ")
        articles.append(Article(a.id + "-cut", a.text[: len(a.text) * 2 // 3], language="fr"))
        articles.append(Article(a.id + "-moved", ". ".join(sentences[1:] + sentences[:1]), language="fr"))
    analyses = [analyse(a) for a in articles]
    corpus = Corpus.from_analyses(analyses)
    made = [(prepare(x), weigh(prepare(x), corpus)) for x in analyses]
    return list(itertools.combinations(made, 2)), corpus


def _sentences(p) -> list[list[str]]:
    return [p.stems[lo:hi] for lo, hi in p.ranges]


def _dice(pa, pb, corpus) -> dict[tuple[int, int], float]:
    cells = {}
    for (i, x), (j, y) in itertools.product(enumerate(_sentences(pa)), enumerate(_sentences(pb))):
        if value := weighted_dice(x, y, corpus.weight):
            cells[i, j] = value
    return cells


def test_shared_counts_what_both_texts_hold(pairs):
    found, _ = pairs
    for (_, a), (_, b) in found:
        shingles, phrases, facts, dot = shared(a, b)
        assert shingles == len(set(a.shingles.tolist()) & set(b.shingles.tolist()))
        assert phrases == len(set(a.phrases.tolist()) & set(b.phrases.tolist()))
        fa, fb = (dict(zip(x.facts.keys.tolist(), x.facts.weights.tolist(), strict=True)) for x in (a, b))
        assert facts == math.fsum(fa[k] for k in fa.keys() & fb.keys())  # sums of corpus weights are exact
        ta, tb = (dict(zip(x.tf.keys.tolist(), x.tf.weights.tolist(), strict=True)) for x in (a, b))
        assert dot == pytest.approx(math.fsum(ta[k] * tb[k] for k in ta.keys() & tb.keys()), rel=1e-12)


def test_sentence_similarities_are_weighted_dice(pairs):
    found, corpus = pairs
    compared = 0
    for (pa, a), (pb, b) in found[:200]:
        rows, cols, values = similarities(a.sentences, b.sentences)
        got = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), values.tolist(), strict=True))
        assert got == _dice(pa, pb, corpus)
        assert list(got) == sorted(got)  # by A's then B's sentence
        compared += len(got)
    assert compared > 100


def _reference_overlap(pa, pb, corpus) -> tuple[float, float, float, float]:
    """The measures of dedup.align, from its rules: confident pairs best first (ties: the pair
    nearer the diagonal, then the earlier), then the sentences of splits and merges; coverage
    over those; each sentence of the shorter text's best loose partner (ties: nearest, then
    earliest) and Kendall's tau of their places, both ways for texts of equal length."""
    cells = _dice(pa, pb, corpus)
    ranked = sorted(cells.items(), key=lambda c: (-c[1], abs(c[0][0] - c[0][1]), sum(c[0]), c[0]))
    in_a, in_b = set(), set()
    for (i, j), value in ranked:
        if value >= THRESHOLD and i not in in_a and j not in in_b:
            in_a.add(i)
            in_b.add(j)
    for (i, j), value in ranked:
        if value >= _SPLIT_THRESHOLD:
            if i not in in_a and j in in_b:
                in_a.add(i)
            elif j not in in_b and i in in_a:
                in_b.add(j)

    def covered(p, taken: set[int]) -> float:
        weights = [math.fsum(corpus.weight(t) for t in s) for s in _sentences(p)]
        total = math.fsum(weights)
        return math.fsum(weights[k] for k in taken) / total if total else 0.0

    def loose_order(cells: dict[tuple[int, int], float], shorter: int) -> tuple[float, float]:
        best = {}
        for (k, other), value in sorted(cells.items()):
            if value >= LOOSE_THRESHOLD:
                best[k] = min(best.get(k, (2.0, 0, 0)), (-value, abs(k - other), other))
        keys = sorted(best)
        loose = len(keys) / shorter if shorter else 0.0
        if len(keys) < 3:
            return loose, 0.0
        tau = kendalltau(keys, [best[k][2] for k in keys]).statistic
        return loose, 0.0 if math.isnan(tau) else tau

    na, nb = len(pa.ranges), len(pb.ranges)
    flipped = {(j, i): v for (i, j), v in cells.items()}
    if na == nb:
        measured = max(loose_order(cells, na), loose_order(flipped, nb))
    else:
        measured = loose_order(cells, na) if na < nb else loose_order(flipped, nb)
    return covered(pa, in_a), covered(pb, in_b), *measured


def test_sentence_overlap_follows_the_alignment_rules(pairs):
    found, corpus = pairs
    ordered = 0
    for (pa, a), (pb, b) in found[:300]:
        got = sentence_overlap(a.sentences, b.sentences)
        want = _reference_overlap(pa, pb, corpus)
        assert (got.coverage_a, got.coverage_b, got.loose_coverage) == want[:3]
        assert got.order == pytest.approx(want[3], abs=1e-12)
        ordered += got.order != 0.0
    assert ordered > 10


def test_arrays_of_another_type_or_shape_are_refused_not_read(pairs):
    """What the loops read unchecked is checked first: an index past a table, a wrong dtype, a
    length that disagrees with its sibling arrays."""
    found, _ = pairs
    (_, a), (_, b) = found[0]
    broken = dataclasses.replace(a.sentences, rows=a.sentences.rows + len(a.sentences.totals))
    with pytest.raises(ValueError, match="out of range"):
        sentence_overlap(broken, b.sentences)
    with pytest.raises(ValueError, match="expected"):
        sentence_overlap(dataclasses.replace(a.sentences, counts=a.sentences.counts[:-1]), b.sentences)
    with pytest.raises(TypeError, match="contiguous 1-d array"):
        shared(dataclasses.replace(a, shingles=a.shingles.astype(np.int64)), b)
    with pytest.raises(ValueError, match="out of range"):
        words_in_order(a, dataclasses.replace(b, words=b.words + len(b.vocabulary)))


@pytest.mark.parametrize(
    ("b", "order"),
    [
        ("PRQRST", 0.8),  # A's R is B's 2nd and 4th sentence, as near: the earlier is its partner
        ("PQRSRT", 1.0),  # B's 3rd and 5th: the nearer (the 3rd) is
    ],
)
def test_a_sentence_found_twice_is_paired_with_the_nearest_then_the_earliest(b: str, order: float):
    said = {
        c: f"Le {w} {w}s {w}ment arrive."
        for c, w in zip("PQRSTU", ("ministre", "budget", "hôpital", "tribunal", "récolte", "théâtre"), strict=True)
    }
    analyses = [
        analyse(Article(name, " ".join(said[c] for c in seq), language="fr"))
        for name, seq in (("a", "PQRST"), ("b", b), ("c", "U"))
    ]
    corpus = Corpus.from_analyses(analyses)
    pa, pb = prepare(analyses[0]), prepare(analyses[1])
    got = sentence_overlap(weigh(pa, corpus).sentences, weigh(pb, corpus).sentences)
    assert got.order == pytest.approx(order) == _reference_overlap(pa, pb, corpus)[3]
    assert got.loose_coverage == 1.0
