"""Precision and recall of extracted facts against the hand-checked list of the seeds.

The list is ``fixtures/facts/seeds_expected.json`` (how it was made: ``fixtures/facts/README.md``).
A fact matches an expected one when ``(kind, value)`` agree; each list counts as a set. Types of
entities and speakers of quotes (the ``slot``) are scored apart, as an agreement rate over the
matched facts. Used by ``tests/test_facts.py`` and ``bench/ner.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dedup.facts import KINDS, Fact

EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "facts" / "seeds_expected.json"


@dataclass(slots=True)
class Tally:
    """Counts for one kind of fact; ``slot_*`` over the matched facts that have an expected slot."""

    hits: int = 0
    found: int = 0
    expected: int = 0
    slot_hits: int = 0
    slot_total: int = 0

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Scores:
    by_kind: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})

    @property
    def total(self) -> Tally:
        fields = ("hits", "found", "expected", "slot_hits", "slot_total")
        return Tally(*(sum(getattr(t, f) for t in self.by_kind.values()) for f in fields))


def load_expected(path: Path = EXPECTED) -> dict[str, list[dict[str, Any]]]:
    """The hand-checked facts by seed file name."""
    return json.loads(path.read_text(encoding="utf-8"))


def score_facts(found: Mapping[str, Iterable[Fact]], expected: Mapping[str, list[dict[str, Any]]]) -> Scores:
    """Score the facts found per seed (keyed by the first three characters of the file name, "001")."""
    scores = Scores()
    for name, wanted in expected.items():
        facts = list(found[name[:3]])
        got = {(f.kind, f.value) for f in facts}
        want = {(e["kind"], e["value"]): e for e in wanted}
        for kind, tally in scores.by_kind.items():
            tally.hits += sum(1 for k in got & want.keys() if k[0] == kind)
            tally.found += sum(1 for k in got if k[0] == kind)
            tally.expected += sum(1 for k in want if k[0] == kind)
        for key in got & want.keys():
            if "slot" in want[key]:
                tally = scores.by_kind[key[0]]
                tally.slot_total += 1
                tally.slot_hits += want[key]["slot"] in {f.slot for f in facts if (f.kind, f.value) == key}
    return scores
