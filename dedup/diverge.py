"""Where two reports differ: facts shared, facts one-sided, and facts in conflict.

Facts match on their normalised value, so a fact reworded (États-Unis / Etats-Unis, the same
quote with other apostrophes) is shared, not a divergence. A conflict is one slot given
different values: the number of countries (31 pays / 35 pays), the weekday of aligned
sentences, a quote altered, or the same quote given to another speaker.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz

from dedup.align import THRESHOLD as FACING
from dedup.align import Alignment
from dedup.facts import Fact

# Quotes this close (rapidfuzz ratio of their normalised values) are one quote altered.
ALTERED_QUOTE = 70.0


@dataclass(slots=True)
class FactGroup:
    """Every occurrence of one fact value, on each side."""

    kind: str
    value: str
    a: list[Fact] = field(default_factory=list)
    b: list[Fact] = field(default_factory=list)


@dataclass(slots=True)
class Conflict:
    """One slot, different values: what A says against what B says."""

    kind: str
    slot: str
    reason: str  # "different value", "altered quote", "different speaker"
    a: list[Fact]
    b: list[Fact]


@dataclass(slots=True)
class Divergences:
    shared: list[FactGroup]
    only_a: list[FactGroup]
    only_b: list[FactGroup]
    conflicts: list[Conflict]

    def to_dict(self, text_a: str, text_b: str) -> dict[str, Any]:
        def side(facts: list[Fact], text: str) -> list[dict[str, Any]]:
            return [_fact_dict(f, text) for f in facts]

        def group(g: FactGroup) -> dict[str, Any]:
            return {"kind": g.kind, "value": g.value, "a": side(g.a, text_a), "b": side(g.b, text_b)}

        return {
            "shared": [group(g) for g in self.shared],
            "only_a": [group(g) for g in self.only_a],
            "only_b": [group(g) for g in self.only_b],
            "conflicts": [
                {"kind": c.kind, "slot": c.slot, "reason": c.reason, "a": side(c.a, text_a), "b": side(c.b, text_b)}
                for c in self.conflicts
            ],
        }


def _fact_dict(f: Fact, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"text": f.text, "value": f.value, "slot": f.slot, "span": [f.span.start, f.span.end]}
    out["sentence"] = f.sentence
    if f.speaker:
        out["speaker"] = f.speaker
    return out


def _groups(facts: list[Fact]) -> dict[tuple[str, str], list[Fact]]:
    by_value: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        by_value[f.kind, f.value].append(f)
    return by_value


def diverge(facts_a: list[Fact], facts_b: list[Fact], alignment: Alignment | None = None) -> Divergences:
    """Compare the facts of two articles; ``alignment`` lets weekdays of matched sentences conflict."""
    facts_a, facts_b = _full_names(facts_a, facts_b), _full_names(facts_b, facts_a)
    ga, gb = _groups(facts_a), _groups(facts_b)
    shared = [FactGroup(k, v, ga[k, v], gb[k, v]) for k, v in ga if (k, v) in gb]
    left = {key: facts for key, facts in ga.items() if key not in gb}
    right = {key: facts for key, facts in gb.items() if key not in ga}
    conflicts = _number_conflicts(left, right, shared, alignment)
    conflicts += _quote_conflicts(left, right, shared, _named_speakers(facts_a), _named_speakers(facts_b))
    if alignment is not None:
        conflicts += _date_conflicts(facts_a, facts_b, alignment)
    in_conflict = {id(f) for c in conflicts for f in c.a + c.b}
    only_a = [FactGroup(k, v, fs) for (k, v), fs in left.items() if not any(id(f) in in_conflict for f in fs)]
    only_b = [FactGroup(k, v, [], fs) for (k, v), fs in right.items() if not any(id(f) in in_conflict for f in fs)]
    order = {"number": 0, "date": 1, "entity": 2, "quote": 3}

    def first(g: FactGroup) -> tuple[int, int]:
        occurrences = g.a or g.b
        return order.get(g.kind, 9), occurrences[0].span.start

    return Divergences(sorted(shared, key=first), sorted(only_a, key=first), sorted(only_b, key=first), conflicts)


def _full_names(facts: list[Fact], other: list[Fact]) -> list[Fact]:
    """A bare surname here is the full name the other article gives, when exactly one fits:
    "Salomon" here, "Jérôme Salomon" there (each article already resolves its own surnames)."""
    named = {f.value for f in other if f.kind == "entity"}
    full: dict[str, set[str]] = defaultdict(set)
    for f in other:
        if f.kind == "entity" and f.slot == "person" and " " in f.value:
            full[f.value.rsplit(" ", 1)[-1]].add(f.value)

    def resolved(f: Fact) -> Fact:
        if f.kind != "entity" or " " in f.value or f.value in named or len(full.get(f.value, ())) != 1:
            return f
        return replace(f, value=next(iter(full[f.value])), slot="person")

    return [resolved(f) for f in facts]


def _number_conflicts(left: dict, right: dict, shared: list[FactGroup], alignment: Alignment | None) -> list[Conflict]:
    """Numbers counting the same thing with different values: two that face each other in
    aligned sentences, or the only value of that thing on each side when no value of it is
    shared ("trois ans" against "un an" and "quatre ans" is three durations, not a dispute)."""
    agreed = {g.a[0].slot for g in shared if g.kind == "number"}
    by_slot_a = _by_slot(left, "number")
    by_slot_b = _by_slot(right, "number")
    aligned = _aligned(alignment)
    conflicts = []
    for slot in sorted(by_slot_a.keys() & by_slot_b.keys()):
        if not slot:
            continue
        fa, fb = by_slot_a[slot], by_slot_b[slot]
        single = len({f.value for f in fa}) == 1 and len({f.value for f in fb}) == 1 and slot not in agreed
        facing = [(x, y) for x in fa for y in fb if (x.sentence, y.sentence) in aligned]
        if facing and not single:
            fa, fb = _unique([x for x, _ in facing]), _unique([y for _, y in facing])
        if single or facing:
            conflicts.append(Conflict("number", slot, "different value", fa, fb))
    return conflicts


def _aligned(alignment: Alignment | None) -> set[tuple[int, int]]:
    """(sentence of A, sentence of B) that face each other: in one aligned group and similar on
    their own. A group that merged several sentences may pair a Thursday summit with the
    Wednesday dinner before it; only sentences that say the same thing can contradict."""
    if alignment is None:
        return set()
    sims = alignment.similarities
    return {(i, j) for p in alignment.pairs for i in p.a for j in p.b if sims.get((i, j), 0.0) >= FACING}


def _unique(facts: list[Fact]) -> list[Fact]:
    return list({id(f): f for f in facts}.values())


def _by_slot(facts: dict, kind: str) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = defaultdict(list)
    for (k, _), fs in facts.items():
        if k == kind:
            out[fs[0].slot].extend(fs)
    return out


# Characters after a quote within which "», a déclaré X" names its speaker.
_SPEAKER_REACH = 200


def _named_speakers(facts: list[Fact]) -> dict[int, str]:
    """Quotes (by id) whose speaker is a person named beside them, not a "he said" carried over
    from an earlier quote: that guess changes when paragraphs move, so it cannot contradict."""
    people = [f for f in facts if f.kind == "entity" and f.slot == "person"]

    def beside(p: Fact, q: Fact) -> bool:
        return p.sentence == q.sentence or 0 <= p.span.start - q.span.end <= _SPEAKER_REACH

    return {
        id(q): q.speaker
        for q in facts
        if q.kind == "quote" and q.speaker and any(p.value == q.speaker and beside(p, q) for p in people)
    }


def _quote_conflicts(
    left: dict, right: dict, shared: list[FactGroup], named_a: dict[int, str], named_b: dict[int, str]
) -> list[Conflict]:
    conflicts = []
    for g in shared:  # the same words given to different named people
        if g.kind == "quote":
            # "un de ses conseillers" and "un conseiller de l'Elysée" may be one person: only
            # named speakers can disagree.
            speakers_a = {named_a[id(f)] for f in g.a if id(f) in named_a}
            speakers_b = {named_b[id(f)] for f in g.b if id(f) in named_b}
            if speakers_a and speakers_b and not speakers_a & speakers_b:
                conflicts.append(Conflict("quote", g.value, "different speaker", g.a, g.b))
    quotes_b = [(v, fs) for (k, v), fs in right.items() if k == "quote" and fs[0].slot != "term"]
    taken: set[str] = set()
    for (k, value), fs in left.items():
        if k != "quote" or fs[0].slot == "term":
            continue
        best = max(quotes_b, key=lambda q: fuzz.ratio(value, q[0]), default=None)
        if best and best[0] not in taken and fuzz.ratio(value, best[0]) >= ALTERED_QUOTE:
            taken.add(best[0])
            conflicts.append(Conflict("quote", value, "altered quote", fs, best[1]))
    return conflicts


_WEEKDAYS = frozenset("lundi mardi mercredi jeudi vendredi samedi dimanche".split())


def _date_type(value: str) -> str:
    """Only dates of one type can contradict: a weekday and a day of the month can both hold."""
    if value.split(" ")[0] in _WEEKDAYS:
        return "weekday"
    return "day" if value[:1].isdigit() else ""


def _date_conflicts(facts_a: list[Fact], facts_b: list[Fact], alignment: Alignment) -> list[Conflict]:
    """Facing sentences that name different days: each side has a date of one type the other's
    sentence lacks. The days may be shared elsewhere (an article that says "dimanche" twice)."""
    by_sentence_a, by_sentence_b = _dates_by_sentence(facts_a), _dates_by_sentence(facts_b)
    conflicts = []
    for i, j in sorted(_aligned(alignment)):
        da, db = by_sentence_a.get(i, []), by_sentence_b.get(j, [])
        if any(not _date_type(f.value) for f in da + db):
            continue  # "jeudi ... la veille au soir" against "mercredi soir": relative days agree
        for kind in ("weekday", "day"):
            xa = [f for f in da if _date_type(f.value) == kind]
            xb = [f for f in db if _date_type(f.value) == kind]
            va, vb = {f.value for f in xa}, {f.value for f in xb}
            if va - vb and vb - va:
                a_only = [f for f in xa if f.value not in vb]
                b_only = [f for f in xb if f.value not in va]
                conflicts.append(Conflict("date", a_only[0].slot, "different value", a_only, b_only))
    return conflicts


def _dates_by_sentence(facts: list[Fact]) -> dict[int, list[Fact]]:
    out: dict[int, list[Fact]] = defaultdict(list)
    for f in facts:
        if f.kind == "date":
            out[f.sentence].append(f)
    return out
