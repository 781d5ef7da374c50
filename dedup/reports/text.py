"""The terminal report: clusters first, then the notable pairs with the scores behind them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from dedup.api import ScanResult

_STYLE = {
    "exact": "bold red",
    "near_duplicate": "red",
    "rewrite": "yellow",
    "same_event": "cyan",
    "related": "dim",
}
# Score name -> column header, short enough for an 80-column terminal.
_SHOWN = {"containment": "contain", "phrases": "phrase", "coverage": "align", "cosine": "cosine", "facts": "facts"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


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
            console.print(f"  • {member}", highlight=False)
        for p in cluster.pairs:
            label = p.relation.label
            console.print(f"    {p.a} ~ {p.b}: [{_STYLE.get(label, '')}]{label}[/] {p.score:.2f}", highlight=False)
    notable = [p for p in result.pairs if p.relation.label != "related"]
    if not result.pairs:
        console.print("\nNo pairs worth reporting.")
        return
    table = Table(title=f"Pairs ({len(notable)} notable, {len(result.pairs) - len(notable)} related)")
    table.add_column("a", no_wrap=True)
    table.add_column("b", no_wrap=True)
    table.add_column("relation", no_wrap=True)
    table.add_column("score", justify="right")
    for header in _SHOWN.values():
        table.add_column(header, justify="right")
    for p in result.pairs:
        label = p.relation.label
        cells = [f"{p.scores[k]:.2f}" if p.scores.get(k) is not None else "–" for k in _SHOWN]
        table.add_row(p.a, p.b, f"[{_STYLE.get(label, '')}]{label}[/]", f"{p.score:.2f}", *cells)
    console.print()
    console.print(table)
