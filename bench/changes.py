"""Controlled-change benchmark for the divergence report, on real French news.

    python bench/changes.py                     # 200 articles, rich table
    python bench/changes.py --n 50 --show-misses 3
    python bench/changes.py --json --cases > changes.json

Each sampled article A (``fr_news_corpus``, report part by ``hash_part(id)``, sorted by id,
at least 4 sentences and 150 words) gets one copy B per change type with ONE change made to
the original string, everything else byte-identical. ``compare(A, B)`` must report what the
change introduced, and nothing else:

* ``number``: a number fact's digits +7 (or its number word replaced by a larger one);
* ``person``: ", selon <new name>, <role>" inserted before a sentence's final full stop;
* ``drop``: one sentence removed that holds a fact (kind and value) found nowhere else in A;
* ``weekday``: a weekday inside a date fact replaced by another;
* ``quote``: one word of a quotation of at least 6 words replaced;
* negatives, where nothing should be reported: apostrophes ' <-> ’, quotation marks « » <-> " ",
  spaces before : ; ? ! (plain <-> no-break), accents on capitals (É -> E, Etat -> État), and
  two adjacent paragraphs swapped.

The expectation is checked on the facts the extractor actually finds at the changed
characters (``extract_facts`` on A and B), never assumed. A divergence item (a conflict, an
``only_a`` or an ``only_b`` group) is *expected* when it holds a fact at the changed characters
and is of a kind the change allows (a dropped sentence allows ``only_a`` only, an added person
``only_b`` only); every other item is *spurious*.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

try:
    import bench.datasets  # noqa: F401
    import dedup  # noqa: F401
except ImportError:  # run from a checkout without an install: python bench/changes.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.datasets import DEFAULT_DATA_DIR, hash_part, read_jsonl, to_article
from dedup.api import Comparison, compare
from dedup.diverge import Divergences
from dedup.facts import Fact, extract_facts
from dedup.model import Article, Span
from dedup.normalise import analyse, fold

ERR = Console(stderr=True)
MIN_SENTENCES = 4
MIN_WORDS = 150
MIN_QUOTE_WORDS = 6

# --- the changes ---------------------------------------------------------------------------


@dataclass(slots=True)
class Edit:
    """One controlled change: B's text, what was changed, and where (in A and in B)."""

    text: str
    what: str
    a_region: Span | None = None  # characters of A the change touched
    b_region: Span | None = None  # characters of B the change wrote
    target: Fact | None = None  # the A fact changed (number, weekday, quote)
    b_target: Span | None = None  # the B characters whose fact must show up (the person's name)
    expected_a: list[Fact] = field(default_factory=list)  # drop: the facts that must be in only_a


@dataclass(frozen=True, slots=True)
class Source:
    article: Article
    facts: list[Fact]
    sentences: list[Span]


def _pick(items: Sequence[Any], key: str) -> Any:
    """A deterministic, varied choice among ``items``."""
    return items[int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(items)]


def _splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _overlaps(span: Span, region: Span) -> bool:
    if region.start == region.end:
        return span.start <= region.start < span.end
    return span.start < region.end and region.start < span.end


def _values(facts: list[Fact]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for f in facts:
        out[f.kind, f.value] = out.get((f.kind, f.value), 0) + 1
    return out


_NUMBER_WORD_SWAP = {
    "deux": "cinq", "trois": "six", "quatre": "sept", "cinq": "huit", "six": "neuf", "sept": "dix",
    "huit": "onze", "neuf": "douze", "dix": "treize", "onze": "quatorze", "douze": "quinze", "quinze": "vingt",
    "vingt": "trente", "trente": "quarante", "quarante": "cinquante", "cinquante": "soixante",
}  # fmt: skip
_NUMBER_WORD = re.compile(r"(?<![^\W\d_])(" + "|".join(_NUMBER_WORD_SWAP) + r")(?![^\W\d_-])", re.IGNORECASE)


def change_number(src: Source) -> Edit | None:
    text, counts = src.article.text, _values(src.facts)
    options: list[tuple[Fact, int, int, list[str]]] = []
    for f in src.facts:
        if f.kind != "number" or not f.slot or counts[f.kind, f.value] > 1:
            continue
        runs = list(re.finditer(r"\d+", f.text))
        words = list(_NUMBER_WORD.finditer(f.text))
        if len(runs) == 1 and not words:
            m, old = runs[0], int(runs[0].group())
            options.append((f, f.span.start + m.start(), f.span.start + m.end(), [str(old + d) for d in (7, 13, 19)]))
        elif len(words) == 1 and not runs:
            m = words[0]
            new = _NUMBER_WORD_SWAP[m.group().lower()]
            options.append((f, f.span.start + m.start(), f.span.start + m.end(), [_same_case(new, m.group())]))
    # The new value must be new: "8 %" changed to "15 %" says nothing when A also has "15 %".
    for f, start, end, candidates in _rotated(options, src.article.id + "number"):
        for new in candidates:
            changed = _splice(text, start, end, new)
            region = Span(start, start + len(new))
            if all(counts.get((g.kind, g.value), 0) == 0 for g in _facts_at(src, changed, region, "number")):
                return Edit(
                    changed,
                    f"{f.text!r} -> {text[f.span.start : start] + new + text[end : f.span.end]!r}",
                    Span(start, end),
                    region,
                    target=f,
                )
    return None


def _same_case(word: str, like: str) -> str:
    return word.capitalize() if like[0].isupper() else word


def _rotated(options: list[Any], key: str) -> list[Any]:
    """``options`` starting at a deterministic, varied position."""
    if not options:
        return []
    i = int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(options)
    return options[i:] + options[:i]


def _facts_at(src: Source, text: str, region: Span, kind: str) -> list[Fact]:
    """The facts of ``kind`` the extractor finds over ``region`` of a changed text."""
    facts = extract_facts(analyse(replace(src.article, text=text)))
    return [f for f in facts if f.kind == kind and _overlaps(f.span, region)]


_NAMES = [
    ("Camille Dufresne", "porte-parole du ministère"),
    ("Hélène Marchetti", "directrice de l'agence régionale"),
    ("Bruno Lavergne", "adjoint au maire"),
    ("Nadia Benhamou", "chercheuse à l'université"),
    ("Julien Carpentier", "responsable syndical"),
    ("Sophie Berthelot", "avocate de la famille"),
    ("Yannick Le Gall", "président de l'association"),
    ("Mathilde Rousselet", "économiste"),
]
_QUOTE_MARKS = '«»"“”'


def add_person(src: Source) -> Edit | None:
    text = src.article.text
    folded = fold(text)
    names = [(n, r) for n, r in _NAMES if not any(fold(w) in folded for w in n.split())]
    spots = []
    for s in src.sentences[1:]:
        sentence = text[s.start : s.end]
        plain = not any(c in sentence for c in _QUOTE_MARKS)
        if plain and sentence.endswith(".") and sentence[-2].isalpha() and len(sentence.split()) >= 6:
            spots.append(s.end - 1)
    if not names or not spots:
        return None
    name, role = _pick(names, src.article.id + "name")
    at = _pick(spots, src.article.id + "person")
    clause = f", selon {name}, {role}"
    name_at = at + len(", selon ")
    return Edit(
        _splice(text, at, at, clause),
        f"inserted {clause!r} at {at}",
        Span(at, at),
        Span(at, at + len(clause)),
        b_target=Span(name_at, name_at + len(name)),
    )


def drop_sentence(src: Source) -> Edit | None:
    text, counts = src.article.text, _values(src.facts)
    spans = src.sentences
    options = []
    for i, s in enumerate(spans):
        inside = [f for f in src.facts if s.start <= f.span.start < s.end]
        here = _values(inside)
        unique = [f for f in inside if counts[f.kind, f.value] == here[f.kind, f.value]]  # nowhere else in A
        if not unique:
            continue
        # Remove the sentence with the spaces that join it to a neighbour in its paragraph.
        if i + 1 < len(spans) and text[s.end : spans[i + 1].start].strip(" \u00a0\u202f\t") == "":
            cut = Span(s.start, spans[i + 1].start)
        elif i > 0 and text[spans[i - 1].end : s.start].strip(" \u00a0\u202f\t") == "":
            cut = Span(spans[i - 1].end, s.end)
        else:
            continue  # alone in its paragraph: removing it would leave an empty paragraph
        options.append((s, cut, inside, unique))
    if not options:
        return None
    s, cut, inside, unique = _pick(options, src.article.id + "drop")
    return Edit(
        _splice(text, cut.start, cut.end, ""),
        f"dropped {text[s.start : s.end][:90]!r}… (unique facts: {[f.value for f in unique]})",
        Span(s.start, s.end),
        Span(cut.start, cut.start),
        expected_a=unique,
    )


_WEEKDAYS = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
_WEEKDAY = re.compile(r"(?<![^\W\d_])(" + "|".join(_WEEKDAYS) + r")(?![^\W\d_])", re.IGNORECASE)


def change_weekday(src: Source) -> Edit | None:
    text = src.article.text
    present = {f.value.split()[0] for f in src.facts if f.kind == "date"}
    options = []
    for f in src.facts:
        if f.kind != "date":
            continue
        for m in _WEEKDAY.finditer(f.text):
            old = m.group().lower()
            k = _WEEKDAYS.index(old)
            new = next(
                (_WEEKDAYS[(k + d) % 7] for d in (2, 3, 4, 5, 1, 6) if _WEEKDAYS[(k + d) % 7] not in present), None
            )
            if new:
                new = _same_case(new, m.group())
                options.append((f, f.span.start + m.start(), f.span.start + m.end(), new))
    if not options:
        return None
    f, start, end, new = _pick(options, src.article.id + "weekday")
    return Edit(
        _splice(text, start, end, new),
        f"{f.text!r} -> {text[f.span.start : start] + new + text[end : f.span.end]!r}",
        Span(start, end),
        Span(start, start + len(new)),
        target=f,
    )


_REPLACEMENTS = ["important", "difficile", "nécessaire", "essentiel", "inacceptable", "normal"]
_LOWER_WORD = re.compile(r"(?<![^\W\d_'’-])[a-zàâäéèêëîïôöùûüç]{5,}(?![^\W\d_'’-])")


def alter_quote(src: Source) -> Edit | None:
    text, counts = src.article.text, _values(src.facts)
    options = []
    for f in src.facts:
        if f.kind != "quote" or f.slot == "term" or counts[f.kind, f.value] > 1 or "+" in f.text:
            continue
        if len(f.text.split()) < MIN_QUOTE_WORDS:
            continue
        words = [m for m in _LOWER_WORD.finditer(f.text) if m.start() > 0 and m.end() < len(f.text)]
        options += [(f, f.span.start + m.start(), f.span.start + m.end()) for m in words]
    if not options:
        return None
    f, start, end = _pick(options, src.article.id + "quote")
    new = _pick([r for r in _REPLACEMENTS if fold(r) != fold(text[start:end])], src.article.id + "word")
    return Edit(
        _splice(text, start, end, new),
        f"{text[start:end]!r} -> {new!r} in {f.text[:100]!r}",
        Span(start, end),
        Span(start, start + len(new)),
        target=f,
    )


def _whole(text: str, new: str, what: str) -> Edit | None:
    return None if new == text else Edit(new, what)


def typo_apostrophes(src: Source) -> Edit | None:
    text = src.article.text
    return _whole(text, text.translate(str.maketrans({"'": "’", "’": "'"})), "apostrophes ' <-> ’")


_GUILLEMETS = re.compile(r"«[ \u00a0\u202f]*([^«»\n]*?)[ \u00a0\u202f]*»|\"([^\"\n]*)\"")
_STRAIGHT = re.compile(r"\"([^\"\n]*)\"")
_GUILLEMETS_ONLY = re.compile(r"«[ \u00a0\u202f]*([^«»\n]*?)[ \u00a0\u202f]*»")


def _paired(line: str) -> bool:
    """Whether the straight quotes of a line pair up plausibly: an even count, and no "quote"
    that starts with a space or closing punctuation or ends with a space or an opening bracket."""
    if line.count('"') % 2:
        return False
    for m in _GUILLEMETS.finditer(line):
        inner = m.group(2)
        if inner is not None and (not inner or inner[0] in " \u00a0),;.:]" or inner[-1] in " \u00a0(["):
            return False
    return True


def typo_quotes(src: Source) -> Edit | None:
    def guillemets(m: re.Match[str]) -> str:
        return f"«\u00a0{m.group(1)}\u00a0»"

    def swap(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return f"«\u00a0{m.group(2)}\u00a0»"
        inner = m.group(1)  # straight quotes nested in guillemets become guillemets in straight ones
        return '"' + (_STRAIGHT.sub(guillemets, inner) if inner.count('"') % 2 == 0 else inner) + '"'

    # A line whose straight quotes cannot be paired with confidence (a stray one, or straight
    # quotes nested in straight quotes) keeps them as they are: only its guillemets change.
    text = src.article.text
    lines = text.split("\n")
    new = [(_GUILLEMETS if _paired(line) else _GUILLEMETS_ONLY).sub(swap, line) for line in lines]
    return _whole(text, "\n".join(new), 'quotation marks « » <-> " "')


_BEFORE_PUNCT = re.compile(r"(?<=[^\s\d])([ \u00a0\u202f]?)([:;?!])(?=\s|$)")


def typo_spaces(src: Source) -> Edit | None:
    def swap(m: re.Match[str]) -> str:
        return (" " if m.group(1) in ("\u00a0", "\u202f") else "\u00a0") + m.group(2)

    text = src.article.text
    return _whole(text, _BEFORE_PUNCT.sub(swap, text), "space before : ; ? ! plain <-> no-break (added if none)")


_ACCENTED_CAPITALS = str.maketrans("ÉÈÊÀÂÇÎÔ", "EEEAACIO")
_ACCENT_ADDED = {w: "É" + w[1:] for w in "Etat Etats Egypte Elysée Ecole Economie Energie Education Eglise".split()}
_UNACCENTED = re.compile(r"(?<![^\W\d_])(" + "|".join(_ACCENT_ADDED) + r")(?![^\W\d_])")


def typo_capitals(src: Source) -> Edit | None:
    text = src.article.text
    stripped = text.translate(_ACCENTED_CAPITALS)  # same length: offsets stay aligned with A

    def accent(m: re.Match[str]) -> str:
        # Only a word already unaccented in A gains an accent ("Etat" -> "État").
        return _ACCENT_ADDED[m.group()] if text[m.start() : m.end()] == m.group() else m.group()

    return _whole(text, _UNACCENTED.sub(accent, stripped), "accents on capitals É -> E (and Etat -> État)")


def swap_paragraphs(src: Source) -> Edit | None:
    text = src.article.text
    parts = re.split(r"(\n[ \t]*\n\s*)", text)
    paragraphs = list(range(0, len(parts), 2))
    if len(paragraphs) < 2:
        return None
    i = _pick(paragraphs[:-1], src.article.id + "swap")
    parts[i], parts[i + 2] = parts[i + 2], parts[i]
    return Edit("".join(parts), f"paragraphs {i // 2} and {i // 2 + 1} swapped")


@dataclass(frozen=True, slots=True)
class ChangeType:
    name: str
    make: Callable[[Source], Edit | None]
    allowed: frozenset[str]  # item categories an expected fact may show up in
    positive: bool = True


CHANGES = [
    ChangeType("number", change_number, frozenset({"conflict:number", "conflict:quote", "only_a", "only_b"})),
    ChangeType("person", add_person, frozenset({"only_b"})),
    ChangeType("drop sentence", drop_sentence, frozenset({"only_a"})),
    ChangeType("weekday", change_weekday, frozenset({"conflict:date", "conflict:quote", "only_a", "only_b"})),
    ChangeType("quote", alter_quote, frozenset({"conflict:quote", "only_a", "only_b"})),
    ChangeType("typo: apostrophes", typo_apostrophes, frozenset(), positive=False),
    ChangeType('typo: « » <-> " "', typo_quotes, frozenset(), positive=False),
    ChangeType("typo: space before :;?!", typo_spaces, frozenset(), positive=False),
    ChangeType("typo: É <-> E", typo_capitals, frozenset(), positive=False),
    ChangeType("swap paragraphs", swap_paragraphs, frozenset(), positive=False),
]

# --- checking ------------------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """One divergence item, flattened: its category ("only_a", "conflict:number"...) and facts."""

    category: str
    detail: str
    a: list[Fact]
    b: list[Fact]


def items(d: Divergences) -> list[Item]:
    out = [Item(f"conflict:{c.kind}", f"{c.reason}, slot {c.slot!r}", c.a, c.b) for c in d.conflicts]
    out += [Item("only_a", f"{g.kind} {g.value!r}", g.a, []) for g in d.only_a]
    out += [Item("only_b", f"{g.kind} {g.value!r}", [], g.b) for g in d.only_b]
    return out


def describe(item: Item) -> str:
    a = " | ".join(sorted({f.text[:60] for f in item.a}))
    b = " | ".join(sorted({f.text[:60] for f in item.b}))
    return f"{item.category} ({item.detail}): A[{a}] B[{b}]"


def where(fact: Fact, side: str, listing: list[Item], d: Divergences) -> str:
    """Where a fact ended up in the report: shared, only_a, conflict:number…, or absent."""
    for it in listing:
        if fact in (it.a if side == "a" else it.b):
            return it.category
    if any(fact in (g.a if side == "a" else g.b) for g in d.shared):
        return "shared"
    return "absent"


@dataclass(slots=True)
class Case:
    change: str
    article: str
    what: str
    detected: bool | None
    as_conflict: bool
    spurious: list[str]
    seconds: float
    note: str = ""
    facts_expected: int = 0
    facts_found: int = 0


def check(kind: ChangeType, src: Source, edit: Edit) -> Case:
    b = replace(src.article, id=src.article.id + "~changed", text=edit.text)
    start = time.perf_counter()
    result: Comparison = compare(src.article, b)
    seconds = time.perf_counter() - start
    facts_b = extract_facts(result.b)
    listing = items(result.divergences)
    expected_a = [f for f in src.facts if edit.a_region and _overlaps(f.span, edit.a_region)]
    expected_b = [f for f in facts_b if edit.b_region and _overlaps(f.span, edit.b_region)]
    spurious = []
    for it in listing:
        involved = any(f in expected_a for f in it.a) or any(f in expected_b for f in it.b)
        if not (involved and it.category in kind.allowed):
            spurious.append(describe(it))
    case = Case(kind.name, src.article.id, edit.what, None, False, spurious, seconds)
    if not kind.positive:
        return case
    d = result.divergences
    if kind.name == "drop sentence":
        places = [where(f, "a", listing, d) for f in edit.expected_a]
        case.facts_expected, case.facts_found = len(places), places.count("only_a")
        case.detected = case.facts_found == case.facts_expected
        case.note = "; ".join(f"{f.kind} {f.value!r}: {p}" for f, p in zip(edit.expected_a, places, strict=True))
        return case
    if kind.name == "person":
        assert edit.b_target is not None
        named = [f for f in facts_b if f.kind == "entity" and _overlaps(f.span, edit.b_target)]
        places = [where(f, "b", listing, d) for f in named]
        case.detected = "only_b" in places
        case.note = "; ".join(f"{f.value!r} ({f.slot}): {p}" for f, p in zip(named, places, strict=True))
        case.note = case.note or "no entity extracted at the inserted name"
        return case
    # number, weekday, quote: a conflict holding both facts, or the new value in only_b with
    # the old one in only_a (or still present in B, hence shared).
    assert edit.target is not None and edit.b_region is not None
    old = edit.target
    new = [f for f in facts_b if f.kind == old.kind and _overlaps(f.span, edit.b_region)]
    conflict = f"conflict:{old.kind}"
    case.as_conflict = any(it.category == conflict and old in it.a and set(new) & set(it.b) for it in listing)
    old_at = where(old, "a", listing, d)
    new_at = [where(f, "b", listing, d) for f in new]
    case.detected = case.as_conflict or ("only_b" in new_at and old_at in ("only_a", "shared"))
    new_desc = ", ".join(f"{f.value!r}: {p}" for f, p in zip(new, new_at, strict=True)) or "nothing extracted"
    case.note = f"A {old.value!r} ({old.slot}): {old_at}; B {new_desc}"
    return case


# --- sampling and running ------------------------------------------------------------------


def sample(path: Path, n: int, offset: int = 0) -> list[Source]:
    """``n`` usable articles of the report part, in id order, after the first ``offset`` of them."""
    records = [r for r in read_jsonl(path) if hash_part(str(r["id"])) == "report"]
    records.sort(key=lambda r: str(r["id"]))
    out: list[Source] = []
    seen: set[str] = set()
    usable = 0
    for r in records:
        if len(out) >= n:
            break
        article = to_article(r, str(path))
        if article.text in seen or len(article.text.split()) < MIN_WORDS:
            continue  # OrangeSum repeats some pages verbatim: one copy is enough
        analysis = analyse(article)
        if len(analysis.sentences) < MIN_SENTENCES:
            continue
        seen.add(article.text)
        usable += 1
        if usable > offset:
            out.append(Source(article, extract_facts(analysis), analysis.sentences))
    return out


@dataclass(slots=True)
class Row:
    change: str
    positive: bool
    tried: int
    cases: list[Case]

    def summary(self) -> dict[str, Any]:
        n = len(self.cases)
        detected = sum(1 for c in self.cases if c.detected)
        spurious = sum(len(c.spurious) for c in self.cases)
        times = sorted(c.seconds for c in self.cases)
        out: dict[str, Any] = {
            "change": self.change,
            "negative": not self.positive,
            "articles": self.tried,
            "applicable": n,
            "skipped": self.tried - n,
            "spurious_items": spurious,
            "spurious_per_case": round(spurious / n, 3) if n else None,
            "cases_with_spurious": sum(1 for c in self.cases if c.spurious),
            "ms_per_compare_mean": round(1000 * statistics.fmean(times), 1) if times else None,
            "ms_per_compare_max": round(1000 * times[-1], 1) if times else None,
        }
        if self.positive:
            out["detected"] = detected
            out["recall"] = round(detected / n, 3) if n else None
            out["as_conflict"] = sum(1 for c in self.cases if c.as_conflict)
            if any(c.facts_expected for c in self.cases):
                out["facts_expected"] = sum(c.facts_expected for c in self.cases)
                out["facts_found"] = sum(c.facts_found for c in self.cases)
        return out


def run(sources: list[Source]) -> list[Row]:
    rows = [Row(k.name, k.positive, len(sources), []) for k in CHANGES]
    for n, src in enumerate(sources, 1):
        for kind, row in zip(CHANGES, rows, strict=True):
            edit = kind.make(src)
            if edit is not None:
                row.cases.append(check(kind, src, edit))
        if n % 25 == 0:
            ERR.log(f"{n}/{len(sources)} articles")
    return rows


def table(rows: list[Row], n: int) -> Table:
    t = Table(title=f"Divergences under controlled changes ({n} French news articles)", title_justify="left")
    header = "change|applicable|skipped|detected|recall|as conflict|spurious items|spurious/case|cases w/ spurious"
    header += "|ms/compare"
    for i, name in enumerate(header.split("|")):
        t.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        s = row.summary()
        dash = "—"
        t.add_row(
            s["change"],
            str(s["applicable"]),
            str(s["skipped"]),
            str(s["detected"]) if row.positive else dash,
            f"{s['recall']:.3f}" if row.positive and s["recall"] is not None else dash,
            str(s["as_conflict"]) if row.positive and row.change in ("number", "weekday", "quote") else dash,
            str(s["spurious_items"]),
            f"{s['spurious_per_case']:.2f}" if s["spurious_per_case"] is not None else dash,
            str(s["cases_with_spurious"]),
            f"{s['ms_per_compare_mean']:.0f}" if s["ms_per_compare_mean"] is not None else dash,
        )
    return t


def show_misses(out: Console, rows: list[Row], k: int) -> None:
    for row in rows:
        bad = [c for c in row.cases if (c.detected is False) or c.spurious]
        misses = [c for c in bad if c.detected is False] + [c for c in bad if c.detected is not False]
        for c in misses[:k]:
            label = "MISS" if c.detected is False else "SPURIOUS"
            out.print(f"\n[bold]{escape(row.change)}[/] {label} {c.article}: {escape(c.what)}", highlight=False)
            if c.note:
                out.print(f"  found: {c.note}", highlight=False, markup=False)
            for s in c.spurious[:6]:
                out.print(f"  spurious: {s}", highlight=False, markup=False)
            if len(c.spurious) > 6:
                out.print(f"  … {len(c.spurious) - 6} more", highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="data folder")
    parser.add_argument("--n", type=int, default=200, help="articles to sample")
    parser.add_argument(
        "--offset", type=int, default=0, help="skip the first K usable articles (a held-out sample)", metavar="K"
    )
    parser.add_argument("--show-misses", type=int, default=0, metavar="K", help="print K misses per change")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--cases", action="store_true", help="with --json: every case, not only the summary")
    args = parser.parse_args(argv)

    path = args.data / "fr_news_corpus" / "articles.jsonl"
    if not path.is_file():
        print(f"skipped: {path} is absent", file=sys.stderr)
        return 0
    sources = sample(path, args.n, args.offset)
    ERR.log(f"{len(sources)} articles sampled")
    rows = run(sources)
    if args.json:
        report: dict[str, Any] = {"data": str(path), "articles": len(sources), "rows": [r.summary() for r in rows]}
        if args.cases:
            report["cases"] = [
                {k: getattr(c, k) for k in Case.__slots__}  # type: ignore[attr-defined]
                for r in rows
                for c in r.cases
            ]
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    out = Console(width=None if sys.stdout.isatty() else 160)
    out.print(table(rows, len(sources)))
    drop = next((r.summary() for r in rows if r.change == "drop sentence"), {})
    if drop.get("facts_expected"):
        out.print(
            f"• drop sentence: {drop['facts_found']} of {drop['facts_expected']} unique facts in only_a",
            highlight=False,
        )
    times = [1000 * c.seconds for r in rows for c in r.cases]
    if times:
        mean, median = statistics.fmean(times), statistics.median(times)
        out.print(
            f"• compare(): {mean:.0f} ms mean, {median:.0f} ms median, {max(times):.0f} ms max, {len(times)} calls"
        )
    if args.show_misses:
        show_misses(out, rows, args.show_misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
