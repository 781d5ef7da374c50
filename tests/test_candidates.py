"""LSH candidates against the all-pairs oracle: every pair verification would call a rewrite
or stronger must be a candidate."""

import itertools
import json
import random

import numpy as np
import pytest

from dedup.api import scan
from dedup.corpus import Corpus
from dedup.fingerprint import Settings, fingerprint
from dedup.index import MemoryIndex, candidate_pairs, key_pairs, pair_keys, strongest
from dedup.model import Article, Relation
from dedup.normalise import analyse
from dedup.score import prepare, verify
from tests.conftest import DATA


def _variants(records: list[dict], rng: random.Random) -> list[Article]:
    """Real French articles, and for some of them a trimmed copy or a paragraph-shuffled one."""
    out = [Article(r["id"], r["text"], language="fr") for r in records]
    for r in records[::3]:
        paragraphs = r["text"].split("\n\n")
        if len(paragraphs) > 2:
            rng.shuffle(paragraphs)
            out.append(Article(r["id"] + "-shuffled", "\n\n".join(paragraphs), language="fr"))
        out.append(Article(r["id"] + "-trimmed", r["text"][: len(r["text"]) * 2 // 3], language="fr"))
    return out


@pytest.mark.skipif(not (DATA / "fr_news_corpus").is_dir(), reason="../shared/data is absent")
def test_candidates_hold_every_pair_the_oracle_calls_rewrite_or_stronger():
    path = DATA / "fr_news_corpus" / "articles.jsonl"
    records = [json.loads(line) for line in itertools.islice(path.open(encoding="utf-8"), 45)]
    articles = _variants(records, random.Random(7))
    analyses = [analyse(a) for a in articles]
    corpus = Corpus.from_analyses(analyses)
    prepared = [prepare(a) for a in analyses]
    oracle = {
        (i, j)
        for i, j in itertools.combinations(range(len(articles)), 2)
        if verify(prepared[i], prepared[j], corpus).relation >= Relation.REWRITE
    }
    assert len(oracle) >= 25  # the variants at least
    settings = Settings()
    found = set(candidate_pairs((fingerprint(a, settings) for a in analyses), settings.salient_min_jaccard))
    assert oracle <= found, sorted(oracle - found)
    assert len(found) < len(articles) * (len(articles) - 1) // 2 / 4  # far from all pairs
    clustered = {frozenset(c.members) for c in scan(articles).clusters}
    for i, j in oracle:
        assert any({articles[i].id, articles[j].id} <= c for c in clustered)


def test_strongest_keeps_each_articles_best_pairs_and_breaks_ties_by_order():
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (2, 3)]
    keys = pair_keys(*np.array(pairs).T)
    strength = np.array([0.9, 0.5, 0.5, 0.1, 0.2])
    # 0 keeps (0, 1); 1 keeps (0, 1); 2 keeps (0, 2) (0.5 before 0.2 and 0.1); 3 keeps (0, 3)
    # (tied with nothing stronger: 0.5 > 0.2).
    assert key_pairs(strongest(keys, strength, 1)) == [(0, 1), (0, 2), (0, 3)]
    assert key_pairs(strongest(keys, strength, 2)) == [(0, 1), (0, 2), (0, 3), (1, 2), (2, 3)]
    tied = np.full(len(keys), 0.5)
    assert key_pairs(strongest(keys, tied, 1)) == [(0, 1), (0, 2), (0, 3)]  # the first given wins


def test_strongest_of_the_first_article_only():
    """New articles and indexed ones are numbered apart: (new 0, indexed 0) is not a loop, and
    only the new article's ranking counts."""
    keys = pair_keys(np.array([0, 0, 0, 1, 1]), np.array([0, 1, 2, 0, 1]))
    strength = np.array([0.2, 0.9, 0.5, 0.3, 0.3])
    assert key_pairs(strongest(keys, strength, 1, first_only=True)) == [(0, 1), (1, 0)]  # a tie: the first
    assert key_pairs(strongest(keys, strength, 2, first_only=True)) == [(0, 1), (0, 2), (1, 0), (1, 1)]
    assert key_pairs(strongest(keys, strength, 1)) != [(0, 1), (1, 0)]  # both ends ranked: another choice


@pytest.mark.skipif(not (DATA / "fr_news_corpus").is_dir(), reason="../shared/data is absent")
def test_a_candidate_cap_keeps_the_strongest_and_a_high_one_changes_nothing():
    path = DATA / "fr_news_corpus" / "articles.jsonl"
    records = [json.loads(line) for line in itertools.islice(path.open(encoding="utf-8"), 45)]
    articles = _variants(records, random.Random(7))
    settings = Settings()
    fps = [fingerprint(analyse(a), settings) for a in articles]

    def found(cap: int | None) -> list[tuple[int, int]]:
        index = MemoryIndex(settings.salient_min_jaccard, cap, settings)
        for doc, fp in enumerate(fps):
            index.add(doc, fp)
        return list(index.candidates())

    every = found(None)
    degree = np.bincount(np.array(every).ravel(), minlength=len(articles))
    assert found(int(degree.max())) == every
    one = found(1)
    kept = np.bincount(np.array(one).ravel(), minlength=len(articles))
    assert set(one) < set(every) and ((kept >= 1) == (degree >= 1)).all()  # no article loses every candidate


@pytest.mark.parametrize("cut_every", [1, 50, 10**9])
def test_cutting_candidates_as_they_come_is_the_same_as_cutting_all_at_once(monkeypatch, cut_every):
    """The capped search cuts its candidates as salient pairs come in, and drops a salient
    pair weaker than both its articles' floors on sight; the oracle ranks every candidate at
    once. Few bucket and sketch values make crowded buckets, many pairs per article and many
    ties (a floor that dropped a pair tied with it fails here)."""
    import dedup.index as index
    from dedup.index import strength

    monkeypatch.setattr(index, "CUT_EVERY", cut_every)
    rng = np.random.default_rng(cut_every)
    settings = Settings()
    documents = 300
    memory = MemoryIndex(0.1, 3, settings)
    for doc in range(documents):
        salient = rng.integers(0, 3, 32).tolist() if doc % 7 else []  # some have no salient bands
        memory.add_bands(doc, rng.integers(0, 20, 32).tolist(), salient, rng.integers(0, 2, 64).astype(np.uint8))
    uncapped = MemoryIndex(0.1, None, settings)
    uncapped._shingles, uncapped._salient = memory._shingles, memory._salient
    uncapped._has_salient, uncapped._sketches = memory._has_salient, memory._sketches
    every = uncapped.candidate_keys()
    shingle_keys = np.sort(np.concatenate([index.bucket_pairs(c) for c in memory._shingles.array().T]))
    shingle_keys, shared = index.distinct(shingle_keys)
    rated = strength(every, shingle_keys, shared, memory._salient_estimates, settings)
    assert len(every) > 10 * documents  # enough for the cap to bite
    assert np.array_equal(memory.candidate_keys(), strongest(every, rated, 3))
