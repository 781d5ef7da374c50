"""LSH candidates against the all-pairs oracle: every pair verification would call a rewrite
or stronger must be a candidate."""

import itertools
import json
import random

import pytest

from dedup.api import scan
from dedup.corpus import Corpus
from dedup.fingerprint import Settings, fingerprint
from dedup.index import candidate_pairs
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
