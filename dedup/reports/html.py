"""The HTML pages: ``dedup compare``'s side by side, and ``dedup scan``'s overview holding the
comparisons of its pairs. Each is one self-contained file with no script; both build a
comparison with the same template macro (``templates/macros.html``).

Article text is untrusted. Every piece of it goes through :func:`markupsafe.escape` (sentences
with their highlights are built here) or the template's autoescaping; nothing is ever inserted
raw. The Content-Security-Policy forbids scripts, external requests and every image but
``data:``, so even a mistake here could not run code or fetch anything.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from dedup.api import Comparison, ScanResult, compare
from dedup.corpus import Corpus
from dedup.facts import Fact
from dedup.language import detect_language
from dedup.model import Article, Span
from dedup.normalise import Analysis, analyse_all
from dedup.reports.text import SCORE_ORDER, SHOWN_SCORES

CSP = Markup("default-src 'none'; style-src 'unsafe-inline'; img-src data:")  # a constant: not escaped
MAX_COMPARISONS = 100  # side-by-side comparisons embedded in a scan page; the rest are listed only
FOLD_AFTER = 12  # facts listed before the rest of a panel section folds into <details>

# Bidirectional controls can make text read differently from what it holds (the "Trojan Source"
# trick); in a page about what two texts say, each is shown as a visible code instead. Plain
# text, so it is escaped like the rest wherever it lands, attributes included.
_SHOW_BIDI = str.maketrans(
    {c: f"[U+{ord(c):04X}]" for c in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"}
)


def visible(value: Any) -> Any:
    """Article text as the page shows it: bidirectional controls replaced by visible codes."""
    return value.translate(_SHOW_BIDI) if isinstance(value, str) and not isinstance(value, Markup) else value


_env = Environment(
    loader=PackageLoader("dedup", "templates"),
    autoescape=True,
    finalize=visible,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(slots=True)
class _Mark:
    """One highlighted fact occurrence: its anchor id and the panel entry it links back to."""

    span: Span
    kind: str
    anchor: str  # "a-f12"
    entry: str  # "fact-3"
    status: str  # "conflict", "only", "shared"


@dataclass(slots=True)
class _Marks:
    """One side's highlighted facts sorted by start, so a sentence finds its own without scanning all."""

    marks: list[_Mark]
    starts: list[int]
    longest: int

    @classmethod
    def of(cls, marks: list[_Mark]) -> _Marks:
        marks = sorted(marks, key=lambda m: m.span.start)
        longest = max((m.span.end - m.span.start for m in marks), default=0)
        return cls(marks, [m.span.start for m in marks], longest)

    def near(self, lo: int, hi: int) -> list[_Mark]:
        """Every mark that may overlap ``[lo, hi)`` (and a few that end before it)."""
        return self.marks[bisect_left(self.starts, lo - self.longest) : bisect_left(self.starts, hi)]


@dataclass(slots=True)
class _Entry:
    """One line of the facts panel."""

    id: str
    kind: str
    label: str
    a: list[tuple[str, str]] = field(default_factory=list)  # (anchor, surface text)
    b: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


def render(c: Comparison) -> str:
    """The whole page for one comparison."""
    view = comparison_view(c)
    return _env.get_template("compare.html").render(csp=CSP, lang=view["lang"], c=view)


def render_scan(result: ScanResult, *, limit: int = MAX_COMPARISONS, corpus: Corpus | None = None) -> str:
    """The overview page of a scan: summary, clusters, pairs, and the side-by-side comparison of
    the first ``limit`` pairs (strongest first) in sections of the same page.

    Each comparison uses the batch's term rarity (``corpus``; by default the scan's own, or built
    from its articles when the result carries none), so its verdict is the one in the pairs table.
    The page shows texts: a scan of a stream, which keeps none, raises ValueError.
    """
    articles = [a for a in result.articles if isinstance(a, Article)]
    if len(articles) < len(result.articles):
        raise ValueError("the HTML report shows the articles' texts: scan a list of articles, not a stream")
    corpus = corpus or result.corpus or Corpus.from_analyses(analyse_all(articles))
    by_id = {a.id: a for a in articles}
    embedded = {(p.a, p.b): n for n, p in enumerate(result.pairs[:limit], 1)}
    comparisons = [
        comparison_view(compare(by_id[p.a], by_id[p.b], corpus=corpus), f"c{n}-")
        for n, p in enumerate(result.pairs[:limit], 1)
    ]
    languages = {a.language or detect_language(a.text) for a in articles}
    pairs = [
        {
            "n": n,
            "a": p.a,
            "b": p.b,
            "relation": p.relation.label,
            "score": p.score,
            "scores": [p.scores.get(k) for k in SHOWN_SCORES],
            "embedded": n <= limit,
        }
        for n, p in enumerate(result.pairs, 1)
    ]
    clusters = [
        {"members": c.members, "pairs": [(embedded.get((p.a, p.b)), p) for p in c.pairs]} for c in result.clusters
    ]
    return _env.get_template("scan.html").render(
        csp=CSP,
        lang=languages.pop() if len(languages) == 1 else "und",
        summary=result.to_dict()["summary"],
        min_relation=result.min_relation.label,
        skipped=result.skipped,
        clusters=clusters,
        pairs=pairs,
        score_names=list(SHOWN_SCORES.values()),
        comparisons=comparisons,
        limit=limit,
    )


def comparison_view(c: Comparison, prefix: str = "") -> dict[str, Any]:
    """What the ``comparison`` macro shows of one comparison; every id in it starts with ``prefix``
    so that several comparisons can share a page."""
    marks: dict[str, list[_Mark]] = {"a": [], "b": []}
    seen: dict[tuple[str, int], str] = {}  # (side, id(fact)) -> anchor

    def occurrences(side: str, facts: list[Fact], entry: str, status: str) -> list[tuple[str, str]]:
        out = []
        for f in facts:
            key = (side, id(f))
            if key not in seen:
                seen[key] = f"{prefix}{side}-f{len(marks[side])}"
                marks[side].append(_Mark(f.span, f.kind, seen[key], entry, status))
            out.append((seen[key], f.text))
        return out

    d = c.divergences
    sections: list[tuple[str, str, list[_Entry]]] = []
    n = 0
    conflicts = []
    for conflict in d.conflicts:
        e = _Entry(f"{prefix}fact-{n}", conflict.kind, conflict.slot or conflict.kind, note=conflict.reason)
        e.a = occurrences("a", conflict.a, e.id, "conflict")
        e.b = occurrences("b", conflict.b, e.id, "conflict")
        conflicts.append(e)
        n += 1
    sections.append(("conflicts", "Conflicts", conflicts))
    for key, title, groups in (
        ("only-a", "Only in A", d.only_a),
        ("only-b", "Only in B", d.only_b),
        ("shared", "Shared", d.shared),
    ):
        entries = []
        status = "shared" if key == "shared" else "only"
        for g in groups:
            surface = (g.a or g.b)[0].text
            e = _Entry(f"{prefix}fact-{n}", g.kind, surface)
            e.a = occurrences("a", g.a, e.id, status)
            e.b = occurrences("b", g.b, e.id, status)
            entries.append(e)
            n += 1
        sections.append((key, title, entries))

    v = c.verdict
    lang_a, lang_b = c.a.language or "und", c.b.language or "und"
    return {
        "prefix": prefix,
        "lang": lang_a if lang_a == lang_b else "und",
        "lang_a": lang_a,
        "lang_b": lang_b,
        "a": _side(c.a),
        "b": _side(c.b),
        "relation": v.relation.label,
        "score": v.score,
        "scores": [(k, v.scores[k]) for k in SCORE_ORDER if v.scores.get(k) is not None],
        "date_gap": v.scores.get("date_gap_days"),
        "sections": sections,
        "fold": FOLD_AFTER,
        "rows": _rows(c, {side: _Marks.of(m) for side, m in marks.items()}, prefix),
        "pairs": len(c.alignment.pairs),
        "moved": sum(p.moved for p in c.alignment.pairs),
        "only_a": len(c.alignment.only_a),
        "only_b": len(c.alignment.only_b),
    }


def _side(analysis: Analysis) -> dict[str, Any]:
    article = analysis.article
    return {"id": article.id, "title": article.title, "source": article.source, "date": article.date}


def _rows(c: Comparison, marks: dict[str, _Marks], prefix: str) -> list[dict[str, Any]]:
    """One row per aligned pair and per unaligned sentence, in reading order.

    Pairs go in A's order. Before each pair come the sentences of A found only in A that precede
    it, then those of B that precede it in B (unless the pair was moved, so out of B's order);
    whatever is left closes the page. A moved pair also leaves a "moved" row where B tells it,
    and the two rows link to each other.
    """
    al = c.alignment
    edits_a: list[list[tuple[Span, str]]] = []
    edits_b: list[list[tuple[Span, str]]] = []
    for n, _ in enumerate(al.pairs):
        edits = c.edits(n)
        edits_a.append([(e.a, "del") for e in edits if e.a is not None])
        edits_b.append([(e.b, "ins") for e in edits if e.b is not None])
    order = sorted(range(len(al.pairs)), key=lambda n: min(al.pairs[n].a))
    pending_a = sorted(al.only_a)
    # B's side in B's order: its unaligned sentences (pair None) and the places of moved pairs
    pending_b = sorted([(j, None) for j in al.only_b] + [(min(p.b), n) for n, p in enumerate(al.pairs) if p.moved])
    rows: list[dict[str, Any]] = []

    def lone(side: str, i: int) -> dict[str, Any]:
        analysis = c.a if side == "a" else c.b
        cell = {"numbers": [i + 1], "html": _sentences(analysis, [i], marks[side], [])}
        return {"kind": f"only-{side}", side: cell}

    def b_row(j: int, n: int | None) -> dict[str, Any]:
        if n is None:
            return lone("b", j)
        pair = al.pairs[n]
        return {
            "kind": "moved-from",
            "id": f"{prefix}moved-{n}",
            "pair": f"{prefix}pair-{n}",
            "a": [i + 1 for i in pair.a],
            "b": [k + 1 for k in pair.b],
        }

    for n in order:
        pair = al.pairs[n]
        while pending_a and pending_a[0] < min(pair.a):
            rows.append(lone("a", pending_a.pop(0)))
        if not pair.moved:
            while pending_b and pending_b[0][0] < min(pair.b):
                rows.append(b_row(*pending_b.pop(0)))
        rows.append(
            {
                "kind": "pair",
                "id": f"{prefix}pair-{n}",
                "moved": f"{prefix}moved-{n}" if pair.moved else None,
                "similarity": pair.similarity,
                "a": {"numbers": [i + 1 for i in pair.a], "html": _sentences(c.a, pair.a, marks["a"], edits_a[n])},
                "b": {"numbers": [j + 1 for j in pair.b], "html": _sentences(c.b, pair.b, marks["b"], edits_b[n])},
            }
        )
    rows += [lone("a", i) for i in pending_a] + [b_row(*item) for item in pending_b]
    # Say which way a link between a moved pair and its place in B goes.
    position = {row["id"]: k for k, row in enumerate(rows) if "id" in row}
    for row in rows:
        if row["kind"] == "moved-from":
            row["above"] = position[row["pair"]] < position[row["id"]]
        elif row.get("moved"):
            row["above"] = position[row["moved"]] < position[row["id"]]
    return rows


def _sentences(analysis: Analysis, indices: list[int], marks: _Marks, edits: list[tuple[Span, str]]) -> Markup:
    return Markup(" ").join(_highlight(analysis.article.text, analysis.sentences[i], marks, edits) for i in indices)


_LABEL = {"del": "deleted: ", "ins": "inserted: "}


def _highlight(text: str, sentence: Span, marks: _Marks, edits: list[tuple[Span, str]]) -> Markup:
    """One sentence as HTML, its text split at every fact and edit boundary and every piece escaped.

    Facts are the outer ``<mark>`` runs and edits the inner ``<del>``/``<ins>``, so overlapping
    spans always nest. Where facts overlap each other, the shortest one covering a piece wins
    (an entity inside a quote is shown as the entity). Only the first run of a fact carries its
    anchor id.
    """
    lo, hi = sentence.start, sentence.end

    def clip(span: Span) -> tuple[int, int] | None:
        s, e = max(span.start, lo), min(span.end, hi)
        return (s, e) if s < e else None

    facts = [(r, m) for m in marks.near(lo, hi) if (r := clip(m.span))]
    changes = [(r, tag) for span, tag in edits if (r := clip(span))]
    cuts = sorted({lo, hi, *(x for r, _ in facts for x in r), *(x for r, _ in changes for x in r)})
    pieces = []  # (start, end, fact or None, edit tag or None)
    for s, e in pairwise(cuts):
        covering = [m for (fs, fe), m in facts if fs <= s and e <= fe]
        fact = min(covering, key=lambda m: (m.span.end - m.span.start, m.span.start)) if covering else None
        tag = next((t for (cs, ce), t in changes if cs <= s and e <= ce), None)
        pieces.append((s, e, fact, tag))

    runs = []  # (fact or None, pieces)
    i = 0
    while i < len(pieces):
        j = i
        while j < len(pieces) and pieces[j][2] is pieces[i][2]:
            j += 1
        runs.append((pieces[i][2], pieces[i:j]))
        i = j
    last = {id(fact): n for n, (fact, _) in enumerate(runs) if fact is not None}
    # A fact hidden everywhere under another one (the same words as entity and quote) still
    # needs its anchor: an empty one just before the run where it starts.
    hidden: dict[int, list[str]] = {}
    for (start, _), m in facts:
        if id(m) not in last:
            at = next(n for n, (_, run) in enumerate(runs) if run[0][0] <= start < run[-1][1])
            hidden.setdefault(at, []).append(m.anchor)
    out: list[str] = []
    anchored: set[str] = set()
    for n, (fact, run) in enumerate(runs):
        out += [f'<span class="alias" id="{anchor}"></span>' for anchor in hidden.get(n, [])]
        inner = _edits(text, run)
        if fact is None:
            out.append(inner)
            continue
        anchor = "" if fact.anchor in anchored else f' id="{fact.anchor}"'
        anchored.add(fact.anchor)
        part = "" if last[id(fact)] == n else " part"  # the kind marker goes on a fact's last run only
        out.append(
            f'<mark class="fact k-{escape(fact.kind)} s-{fact.status}{part}"{anchor}>'
            f'<a href="#{fact.entry}" title="{escape(fact.kind)}, {fact.status}: go to the facts panel">'
            f"{inner}</a></mark>"
        )
    return Markup("".join(out))


def _edits(text: str, pieces: list[tuple[int, int, Any, str | None]]) -> str:
    out = []
    i = 0
    while i < len(pieces):
        tag = pieces[i][3]
        j = i
        while j < len(pieces) and pieces[j][3] == tag:
            j += 1
        chunk = str(escape(visible(text[pieces[i][0] : pieces[j - 1][1]])))
        out.append(chunk if tag is None else f'<{tag}><span class="sr">{_LABEL[tag]}</span>{chunk}</{tag}>')
        i = j
    return "".join(out)
