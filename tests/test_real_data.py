"""Regression guards on labelled data nobody here wrote (skipped where ../shared/data is absent).

The goals and the full figures live in bench/quality.py and bench/README.md; these guards
only catch a change that breaks what was measured.
"""

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")


def test_clough_derived_vs_not_on_the_report_part():
    from bench.datasets import load_clough
    from dedup.api import Corpus, judge
    from dedup.model import Relation

    data = load_clough(DATA)
    corpus = Corpus.from_articles(data.articles.values())
    pairs = [p for p in data.pairs if p.part == "report"]
    right = sum((judge(p.a, p.b, corpus=corpus).relation >= Relation.REWRITE) == (p.label != "non") for p in pairs)
    assert right / len(pairs) >= 0.85  # measured 0.939 (bench/README.md)


def test_wikiref_scan_merges_no_two_topics():
    from bench.datasets import load_wikiref
    from dedup.api import scan

    data = load_wikiref(DATA)
    result = scan(data.articles)
    for cluster in result.clusters:
        assert len({data.cluster_of[m] for m in cluster.members}) == 1, cluster.members


def test_french_news_exact_duplicate_groups_are_found():
    """OrangeSum lists groups of pages scraped twice with identical text: each must cluster."""
    import itertools
    import json

    from dedup.api import scan
    from dedup.model import Article, Relation

    path = DATA / "fr_news_corpus" / "articles.jsonl"
    records = [json.loads(line) for line in itertools.islice(path.open(encoding="utf-8"), 600)]
    articles = [Article(r["id"], r["text"], language=r.get("language")) for r in records]
    by_text: dict[str, list[str]] = {}
    for r in records:
        by_text.setdefault(r["text"], []).append(r["id"])
    groups = [sorted(ids) for ids in by_text.values() if len(ids) > 1]
    assert groups, "the first 600 records hold exact duplicates"
    result = scan(articles, min_relation=Relation.EXACT)
    clustered = [sorted(c.members) for c in result.clusters]
    for group in groups:
        assert any(set(group) <= set(c) for c in clustered), group
