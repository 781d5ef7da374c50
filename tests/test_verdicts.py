"""Verdicts in numpy columns give back the very PairVerdicts they were packed from."""

import random

from dedup.cluster import clusters
from dedup.model import PairVerdict, Relation
from dedup.verdicts import Verdicts

IDS = ["b", "a", "c", "é", "A"]


def _verdict(rng: random.Random, i: int, j: int) -> PairVerdict:
    scores = {"jaccard": rng.random(), "fuzzy": rng.choice([0.0, 1.0, rng.random()]), "date_gap_days": None}
    if rng.random() < 0.5:
        scores["date_gap_days"] = rng.randrange(40)
    return PairVerdict(IDS[i], IDS[j], rng.choice(list(Relation)), rng.choice([0.5, rng.random()]), scores)


def test_pack_gives_back_the_verdicts_and_sorts_as_python_would():
    rng = random.Random(3)
    numbered = [(i, j, _verdict(rng, i, j)) for i in range(5) for j in range(5) if i != j for _ in range(2)]
    halves = [Verdicts.pack((), numbered[:17]), Verdicts.pack((), []), Verdicts.pack((), numbered[17:])]
    verdicts = Verdicts.concatenate(IDS, halves)
    expected = [v for _, _, v in numbered]
    assert list(verdicts) == expected and len(verdicts) == len(expected)
    assert [type(v.scores["date_gap_days"]) for v in verdicts] == [type(v.scores["date_gap_days"]) for v in expected]
    assert verdicts[3] == expected[3] and list(verdicts[2:9:3]) == expected[2:9:3]
    ranked = sorted(expected, key=lambda p: (-p.relation, -p.score, p.a, p.b))
    assert list(verdicts.strongest_first()) == ranked


def test_empty():
    assert list(Verdicts.concatenate(IDS, [Verdicts.pack((), [])])) == []


def test_clusters_of_verdicts_are_the_clusters_of_their_pairs():
    """Joined by number (a scan's verdicts) or by id (any pairs): the same members and pairs."""
    rng = random.Random(5)
    ids = [f"doc-{n:03d}" for n in range(120)]
    rng.shuffle(ids)
    numbered = []
    for _ in range(300):  # chains, stars and loose pairs, at every relation
        i, j = rng.sample(range(len(ids)), 2) if rng.random() < 0.3 else sorted(rng.sample(range(30), 2))
        relation = rng.choice(list(Relation))
        numbered.append((i, j, PairVerdict(ids[i], ids[j], relation, rng.random(), {"jaccard": rng.random()})))
    verdicts = Verdicts.concatenate(ids, [Verdicts.pack((), numbered)]).strongest_first()
    order = ids[::-1]
    for relation in (Relation.RELATED, Relation.REWRITE, Relation.EXACT):
        by_number, by_id = clusters(verdicts, relation, order), clusters(list(verdicts), relation, order)
        assert [c.members for c in by_number] == [c.members for c in by_id]
        assert [list(c.pairs) for c in by_number] == [list(c.pairs) for c in by_id]
        assert len(by_number) > 1 and all(len(c.pairs) for c in by_number)
    cluster = clusters(verdicts, Relation.RELATED, order)[0]
    assert list(cluster.pairs[1:3]) == list(cluster.pairs)[1:3] and cluster.pairs[-1] == list(cluster.pairs)[-1]
