"""The terminal report: clusters first, then the notable pairs with the scores behind them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from dedup.api import Comparison, ScanResult
from dedup.check import CheckResult
from dedup.model import Relation, Span
from dedup.store import IndexStats

if TYPE_CHECKING:  # annotations only: a check need not compile the fact patterns
    from dedup.diverge import FactGroup
    from dedup.facts import Fact

_STYLE = {
    "exact": "bold red",
    "near_duplicate": "red",
    "rewrite": "yellow",
    "same_event": "cyan",
    "related": "dim",
}
# Score name -> column header, short enough for an 80-column terminal.
SHOWN_SCORES = {
    "containment": "contain",
    "phrases": "phrase",
    "coverage": "align",
    "cosine": "cosine",
    "facts": "facts",
}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


SHOWN_PAIRS = 50  # the strongest; a terminal table of a large scan's every pair helps nobody


def render_scan(result: ScanResult, console: Console) -> None:
    summary = result.to_dict()["summary"]
    console.print(
        f"[bold]{_count(summary['articles_read'], 'article')}[/] read, {summary['articles_skipped']} skipped; "
        f"{_count(summary['candidates'], 'candidate pair')}; {_count(len(result.clusters), 'cluster')} "
        f"at {result.min_relation.label} or stronger."
    )
    for n, cluster in enumerate(result.clusters, 1):
        console.print(f"\n[bold]Cluster {n}[/] ({len(cluster.members)} articles)")
        for member in cluster.members:
            console.print(f"  • {escape(member)}", highlight=False)
        for p in cluster.pairs:
            label = p.relation.label
            console.print(
                f"    {escape(p.a)} ~ {escape(p.b)}: [{_STYLE.get(label, '')}]{label}[/] {p.score:.2f}", highlight=False
            )
    notable = sum(p.relation > Relation.RELATED for p in result.pairs)
    if not result.pairs:
        console.print("\nNo pairs worth reporting.")
        return
    table = Table(title=f"Pairs ({notable} notable, {len(result.pairs) - notable} related)")
    table.add_column("a", no_wrap=True)
    table.add_column("b", no_wrap=True)
    table.add_column("relation", no_wrap=True)
    table.add_column("score", justify="right")
    for header in SHOWN_SCORES.values():
        table.add_column(header, justify="right")
    for p in result.pairs[:SHOWN_PAIRS]:
        label = p.relation.label
        cells = [f"{p.scores[k]:.2f}" if p.scores.get(k) is not None else "–" for k in SHOWN_SCORES]
        table.add_row(escape(p.a), escape(p.b), f"[{_STYLE.get(label, '')}]{label}[/]", f"{p.score:.2f}", *cells)
    console.print()
    console.print(table)
    if len(result.pairs) > SHOWN_PAIRS:
        console.print(f"… and {len(result.pairs) - SHOWN_PAIRS:,} weaker pairs: every pair is in --format json.")


# --- compare -----------------------------------------------------------------------------

SCORE_ORDER = (
    "jaccard",
    "containment",
    "phrases",
    "fuzzy",
    "lcs_containment",
    "coverage",
    "loose_coverage",
    "order",
    "cosine",
    "facts",
)


def _facts(facts: list[Fact]) -> str:
    return " / ".join(dict.fromkeys(f.text for f in facts))


def _group_line(g: FactGroup) -> Text:
    line = Text(f"  {g.kind:<7} ", style="dim")
    line.append(_facts(g.a or g.b))
    return line


def _highlighted(text: str, spans: list[Span], style: str) -> Text:
    """``text`` (untrusted: never parsed as markup) with ``spans`` styled."""
    out = Text(text)
    for span in spans:
        out.stylize(style, span.start, span.end)
    return out


def render_compare(c: Comparison, console: Console) -> None:
    v = c.verdict
    label = v.relation.label
    head = Text()
    head.append(v.a, style="bold")
    head.append(" ~ ")
    head.append(v.b, style="bold")
    head.append(": ")
    head.append(label, style=_STYLE.get(label, ""))
    head.append(f" (score {v.score:.2f})")
    console.print(head)
    scores = [f"{k} {v.scores[k]:.2f}" for k in SCORE_ORDER if v.scores.get(k) is not None]
    if v.scores.get("date_gap_days") is not None:
        scores.append(f"date gap {v.scores['date_gap_days']:.0f} days")
    console.print(Text(" · ".join(scores), style="dim"))

    d = c.divergences
    console.print(Text(f"\nConflicts ({len(d.conflicts)})", style="bold"))
    for conflict in d.conflicts:
        line = Text(f"  {conflict.kind:<7} ", style="dim")
        line.append(_facts(conflict.a), style="red")
        line.append("  ≠  ")
        line.append(_facts(conflict.b), style="green")
        line.append(f"  ({conflict.reason})", style="dim")
        console.print(line)
    for title, groups in ((f"Only in {v.a}", d.only_a), (f"Only in {v.b}", d.only_b)):
        console.print(Text(f"\n{title} ({len(groups)})", style="bold"))
        for g in groups:
            console.print(_group_line(g))
    console.print(Text(f"\nShared ({len(d.shared)})", style="bold"))
    console.print(Text("  " + "; ".join(_facts(g.a) for g in d.shared)))

    al = c.alignment
    console.print(
        Text(
            f"\nAligned sentences ({len(al.pairs)} pairs; {len(al.only_a)} only in A, {len(al.only_b)} only in B)",
            style="bold",
        )
    )
    ta, tb = c.a.article.text, c.b.article.text
    for n, pair in enumerate(al.pairs):
        edits = c.edits(n)
        tag = f"  A{'+'.join(str(i + 1) for i in pair.a)} ↔ B{'+'.join(str(j + 1) for j in pair.b)}"
        console.print(Text(f"{tag}  similarity {pair.similarity:.2f}{'  moved' if pair.moved else ''}", style="dim"))
        for side, text, idx, spans, style in (
            ("A", ta, pair.a, [e.a for e in edits if e.a], "red strike"),
            ("B", tb, pair.b, [e.b for e in edits if e.b], "green underline"),
        ):
            sentences = [c.a.sentences[i] if side == "A" else c.b.sentences[i] for i in idx]
            start, end = sentences[0].start, sentences[-1].end
            shifted = [Span(s.start - start, s.end - start) for s in spans if start <= s.start < end]
            line = Text(f"    {side}: ")
            line.append_text(_highlighted(text[start:end], shifted, style))
            console.print(line)


# --- check and the index -----------------------------------------------------------------


def render_check(result: CheckResult, console: Console) -> None:
    """One line of verdict, then each new article with its strongest matches."""
    failing = len(result.failures)
    level = result.fail_on.label
    verdict = (
        f"[bold red]{_count(failing, 'article')} at {level} or stronger[/]"
        if failing
        else (f"[green]nothing at {level} or stronger[/]")
    )
    console.print(
        f"[bold]{_count(len(result.articles), 'article')}[/] checked against "
        f"{_count(result.indexed, 'indexed article')} ({escape(result.index_path)}); {verdict}."
    )
    for finding in result.findings:
        if not finding.matches:
            continue
        mark = "[bold red]✗[/]" if finding.fails(result.fail_on) else "[dim]·[/]"
        console.print(f"\n{mark} {escape(finding.id)}", highlight=False)
        for m in finding.matches:
            label = m.verdict.relation.label
            where = "indexed" if m.in_index else "in this batch"
            console.print(
                f"    → {escape(m.id)} [dim]({where})[/]: [{_STYLE.get(label, '')}]{label}[/] {m.verdict.score:.2f}",
                highlight=False,
            )
    quiet = sum(1 for f in result.findings if not f.matches)
    if quiet:
        console.print(f"\n{_count(quiet, 'article')} with no match worth reporting.")


def render_stats(stats: IndexStats, console: Console) -> None:
    per = stats.bytes_per_article
    console.print(f"[bold]{escape(stats.path)}[/] (format version {stats.format_version})")
    console.print(f"  articles     {stats.articles}")
    console.print(f"  buckets      {stats.buckets}")
    console.print(f"  terms        {stats.terms}")
    if stats.compact:
        console.print("  prepared     none kept (compact: verification re-reads the originals)")
        if stats.uncounted:
            console.print(f"  uncounted    {stats.uncounted} removed articles' terms (originals gone or changed)")
    else:
        console.print(f"  prepared     {stats.prepared_bytes} bytes compressed")
    console.print(f"  file         {stats.file_bytes} bytes" + (f" ({per:.0f} per article)" if per is not None else ""))
    settings = ", ".join(f"{k}={v}" for k, v in stats.settings.items())
    console.print(f"  settings     {escape(settings)}", highlight=False)
