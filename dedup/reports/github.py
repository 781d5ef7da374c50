"""GitHub Actions workflow commands: ``::error`` for articles failing the check, ``::warning``
for weaker notable matches, escaped as GitHub documents and capped at what it displays;
:func:`step_summary` is the full list as Markdown for ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import re

from dedup.check import CheckResult
from dedup.reports import ci

# GitHub shows at most 10 error and 10 warning annotations per step; more are dropped.
MAX_PER_LEVEL = 10
_COMMAND = {ci.Level.ERROR: "error", ci.Level.WARNING: "warning"}


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF escaped (``%`` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as a message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, message: str, **properties: str | int) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items())
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def _verdict(result: CheckResult) -> str:
    failing = len(result.failures)
    return (
        f"dedup check: {_count(len(result.articles), 'article')} checked against "
        f"{_count(result.indexed, 'indexed article')}; {_count(failing, 'article')} at {result.fail_on.label} "
        "or stronger."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def render(result: CheckResult) -> str:
    lines = [_verdict(result)]
    shown = {ci.Level.ERROR: 0, ci.Level.WARNING: 0}
    hidden = {ci.Level.ERROR: 0, ci.Level.WARNING: 0}
    found = ci.items(result, ci.Level.WARNING)
    for item in sorted(found, key=lambda i: -i.level):  # errors first; stable within a level
        if shown[item.level] == MAX_PER_LEVEL:
            hidden[item.level] += 1
            continue
        path, line = ci.location(item.article)
        title = f"dedup: {ci.relation_text(item.relation)} {item.match.id}"
        lines.append(_command(_COMMAND[item.level], item.message(), file=path, line=line, title=title))
        shown[item.level] += 1
    if any(hidden.values()):
        rest = " and ".join(_count(n, f"more {_COMMAND[lvl]}") for lvl, n in hidden.items() if n)
        lines.append(
            _command(
                "notice",
                f"{rest} not shown (GitHub displays {MAX_PER_LEVEL} of each per step); "
                "the job summary or --format json lists them all.",
                title="dedup: more findings",
            )
        )
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _cell(text: str) -> str:
    """Untrusted text as one Markdown table cell: one line, no markup, no column breaks."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split())) or " "


def step_summary(result: CheckResult) -> str:
    """Every new article and every match as a Markdown table (for ``$GITHUB_STEP_SUMMARY``)."""
    out = [
        f"### {_cell(_verdict(result))}",
        "",
        "| article | status | match | in | relation | score |",
        "| --- | --- | --- | --- | --- | ---: |",
    ]
    for _, finding in ci.pairs(result):
        status = "**fail**" if finding.fails(result.fail_on) else "pass"
        if not finding.matches:
            out.append(f"| {_cell(finding.id)} | {status} | – | | | |")
        for m in finding.matches:
            where = "index" if m.in_index else "batch"
            out.append(
                f"| {_cell(finding.id)} | {status} | {_cell(m.id)} | {where} | "
                f"{m.verdict.relation.label} | {m.verdict.score:.2f} |"
            )
    return "\n".join(out) + "\n\n"
