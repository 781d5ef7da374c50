"""Acceptance on the founding example: the five Coalition des volontaires articles."""

from dedup.api import judge, scan
from dedup.model import Relation


def _verdicts(result):
    return {(p.a[:3], p.b[:3]): p for p in result.pairs}


def test_scan_of_the_seeds(seed_articles):
    result = scan(list(seed_articles.values()))
    pairs = _verdicts(result)
    assert pairs["001", "002"].relation >= Relation.REWRITE
    assert pairs["003", "004"].relation >= Relation.SAME_EVENT
    # 000 is the March 2025 summit: no cluster holds it.
    assert all(not m.startswith("000") for c in result.clusters for m in c.members)
    clustered = [sorted(m[:3] for m in c.members) for c in result.clusters]
    assert ["001", "002"] in clustered


def test_000_is_never_derived_from_the_others(seed_articles):
    result = scan(list(seed_articles.values()), min_relation=Relation.SAME_EVENT)
    for p in result.pairs:
        if "000" in (p.a[:3], p.b[:3]):
            assert p.relation <= Relation.SAME_EVENT


def test_copy_and_exact_duplicate(seed_articles):
    from dedup.model import Article

    a = seed_articles["003"]
    assert judge(a, Article("same", a.text)).relation is Relation.EXACT
    trimmed = Article("trimmed", a.text[: len(a.text) * 3 // 4] + " Mise à jour à 18h.")
    assert judge(a, trimmed).relation is Relation.NEAR_DUPLICATE


def test_graded_score_ranks_the_rewrite_above_the_different_summit(seed_articles):
    result = scan(list(seed_articles.values()), min_relation=Relation.RELATED)
    pairs = _verdicts(result)
    assert pairs["001", "002"].score > pairs["000", "001"].score
    assert all(0.0 <= p.score <= 1.0 for p in result.pairs)
