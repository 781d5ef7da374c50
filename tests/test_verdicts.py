"""Verdicts in numpy columns give back the very PairVerdicts they were packed from."""

import random

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
