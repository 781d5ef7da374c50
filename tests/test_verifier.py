"""Verifier (what scans and checks verify with) against verify: the same verdict for every pair
at least related, None exactly for the unrelated ones, whatever order pairs come in and
whichever articles it still keeps worked out."""

import itertools
import json
import random

import numpy as np
import pytest

from dedup.align import align
from dedup.corpus import Corpus
from dedup.model import Article, Relation
from dedup.normalise import analyse
from dedup.score import Verifier, prepare, verify
from tests.conftest import DATA

ARTICLES = DATA / "fr_news_corpus" / "articles.jsonl"
needs_data = pytest.mark.skipif(not ARTICLES.is_file(), reason="../shared/data is absent")


def _analyses(count: int) -> list:
    """Real French articles, and a trimmed copy of some, so that every relation has pairs."""
    records = [json.loads(line) for line in itertools.islice(ARTICLES.open(encoding="utf-8"), count)]
    articles = [Article(r["id"], r["text"], language="fr") for r in records]
    articles += [Article(r["id"] + "-cut", r["text"][: len(r["text"]) * 2 // 3], language="fr") for r in records[::4]]
    return [analyse(a) for a in articles]


@needs_data
def test_verifier_verdicts_are_verify_verdicts_for_related_pairs_and_none_for_the_others():
    analyses = _analyses(40)
    corpus = Corpus.from_analyses(analyses)
    prepared = [prepare(a) for a in analyses]
    pairs = list(itertools.combinations(range(len(prepared)), 2))
    random.Random(3).shuffle(pairs)  # no order for the kept articles to rely on
    verifier = Verifier(corpus)
    verifier.KEEP = 5  # most look-ups miss, and articles are dropped and worked out again
    relations = set()
    for n, (i, j) in enumerate(pairs):
        a, b = prepared[i], prepared[j]
        if n % 3 == 0:  # fresh objects, freed after: an id used again must not find another's data
            a, b = prepare(analyses[i]), prepare(analyses[j])
        full = verify(a, b, corpus)
        got = verifier.related(a, b)
        relations.add(full.relation)
        if full.relation < Relation.RELATED:
            assert got is None, (i, j)
        else:
            assert got == full, (i, j)
            assert list(got.scores) == list(full.scores)  # keys in report order too
    assert {Relation.UNRELATED, Relation.RELATED, Relation.NEAR_DUPLICATE} <= relations


@needs_data
def test_align_with_the_corpus_weights_is_align_with_the_weight_function():
    analyses = _analyses(12)
    corpus = Corpus.from_analyses(analyses)
    stems = [[[t.stem for t in s] for s in a.sentence_content] for a in analyses]
    for sa, sb in itertools.combinations(stems, 2):
        by_mapping, by_function = align(sa, sb, corpus.weights), align(sa, sb, corpus.weight)
        assert by_mapping == by_function
        assert np.array_equal(by_mapping.similarities, by_function.similarities)
