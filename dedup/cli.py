"""The ``dedup`` command: parses options, calls :mod:`dedup.api`, picks a renderer.

Exit codes (as ruff and mypy use them): 0 success, 1 ``check`` found an article at
``--fail-on`` or stronger, 2 usage, configuration, input, index or internal error.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from dedup import __version__
from dedup import config as configuration
from dedup.api import ScanResult, check, compare, index_add, index_remove, index_stats, index_vacuum, scan
from dedup.check import Add
from dedup.index import MAX_CANDIDATES
from dedup.model import Article, Problem, Relation
from dedup.output import check_output_path, write_text
from dedup.read import ArticleStream, InputError, Note, ReadResult, read_paths
from dedup.reports import github as github_report
from dedup.reports import gitlab as gitlab_report
from dedup.reports import json as json_report
from dedup.reports import junit as junit_report
from dedup.reports import sarif as sarif_report
from dedup.reports import text as text_report
from dedup.store import DEFAULT_PATH, LOCK_TIMEOUT, AddResult, StoreError

app = typer.Typer(
    help="Find near-duplicate news articles and reports of the same event.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
index_app = typer.Typer(
    help="The persistent index that `dedup check` compares new articles with.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(index_app, name="index")
stderr = Console(stderr=True, highlight=False)

FINDINGS = 1
ERROR = 2
PROGRESS_FROM = 200  # articles: below this a run is too quick for a progress bar


class Format(StrEnum):
    text = "text"
    json = "json"


class Engine(StrEnum):
    embedded = "embedded"
    spark = "spark"


class PageFormat(StrEnum):
    """``scan`` and ``compare`` also write a self-contained HTML page."""

    text = "text"
    json = "json"
    html = "html"


# ``check`` also speaks the formats CI platforms read; the configuration file checks the same list.
CheckFormat = StrEnum("CheckFormat", [(f, f) for f in configuration.FORMATS])  # type: ignore[misc]


# Renderers of the CI formats: each takes a CheckResult and returns the whole report.
CI_RENDERERS: dict[str, Callable[[Any], str]] = {
    CheckFormat.jsonl: json_report.render_jsonl,
    CheckFormat.github: github_report.render,
    CheckFormat.junit: junit_report.render,
    CheckFormat.sarif: sarif_report.render,
    CheckFormat.gitlab: gitlab_report.render,
}

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Report format.")]
CheckFormatOption = Annotated[
    CheckFormat,
    typer.Option(
        "--format",
        "-f",
        envvar="DEDUP_FORMAT",
        help="Report format: text and json for people and scripts; jsonl, github (workflow annotations), "
        "junit, sarif and gitlab (Code Quality) for CI.",
    ),
]


def _output_path(path: Path | None) -> Path | None:
    """Refuse a folder, FIFO or device as -o before the work rather than after it."""
    if path is not None:
        try:
            check_output_path(path)
        except OSError as e:
            raise _fail(str(e)) from None
    return path


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        callback=_output_path,
        help="Write the report here (replaced atomically) instead of stdout.",
    ),
]
IndexOption = Annotated[
    Path, typer.Option("--index", envvar="DEDUP_INDEX", help="The index file (DuckDB).", show_default=True)
]
LockTimeoutOption = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        envvar="DEDUP_LOCK_TIMEOUT",
        min=0,
        help="Seconds to wait for another process writing the index before giving up.",
    ),
]
SkipBadOption = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        envvar="DEDUP_SKIP_BAD",
        help="Skip unreadable articles with a counted warning instead of stopping.",
    ),
]
MaxCandidatesOption = Annotated[
    int,
    typer.Option(
        min=0,
        envvar="DEDUP_MAX_CANDIDATES",
        help="Verify only the pairs among an article's N strongest candidates (0: every candidate); "
        "keeps the work linear on dense corpora and large indexes.",
    ),
]
PathsArgument = Annotated[list[str], typer.Argument(help="Files or folders of articles; '-' reads JSONL from stdin.")]

# The configuration keys each command takes, and the parameter each one sets.
CONFIGURED = {
    "scan": {"min_relation": "min_relation", "skip_bad": "skip_bad", "max_candidates": "max_candidates"},
    "check": {
        "index": "index",
        "fail_on": "fail_on",
        "format": "fmt",
        "add": "add",
        "skip_bad": "skip_bad",
        "max_candidates": "max_candidates",
    },
    "add": {"index": "index", "skip_bad": "skip_bad"},
    "remove": {"index": "index"},
    "stats": {"index": "index"},
    "vacuum": {"index": "index"},
}


def _configure(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """Eager callback of ``--config`` and ``--isolated``: once both are known, the file's values
    become the command's defaults (click's ``default_map``), which options and environment
    variables override."""
    ctx.meta[f"dedup.{param.name}"] = value
    if not {"dedup.config", "dedup.isolated"} <= ctx.meta.keys() or ctx.resilient_parsing:
        return value
    path, isolated = ctx.meta["dedup.config"], ctx.meta["dedup.isolated"]
    if path is not None and isolated:
        raise _fail("--config and --isolated contradict each other: give one")
    try:
        found = configuration.Config() if isolated else configuration.load(path) if path else configuration.discover()
    except configuration.ConfigError as e:
        raise _fail(str(e)) from None
    wanted = CONFIGURED[ctx.command.name or ""]
    ctx.default_map = {wanted[k]: v for k, v in found.values.items() if k in wanted}
    return value


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        is_eager=True,
        callback=_configure,
        dir_okay=False,
        help="Read settings from this file (a dedup.toml, or a pyproject.toml with a tool.dedup table) "
        "instead of the one found upward from the working directory.",
    ),
]
IsolatedOption = Annotated[
    bool, typer.Option("--isolated", is_eager=True, callback=_configure, help="Ignore configuration files.")
]


def _relation_option(what: str, envvar: str) -> Any:
    choices = ", ".join(r.label for r in sorted(Relation, reverse=True) if r > Relation.UNRELATED)
    return typer.Option(envvar=envvar, help=f"{what}: {choices}.")


def _relation(value: str) -> Relation:
    try:
        return Relation.parse(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def _fail(message: str) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True, highlight=False)
    return typer.Exit(ERROR)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Find near-duplicate news articles and reports of the same event."""


@app.command("scan")
def scan_command(
    ctx: typer.Context,
    paths: PathsArgument,
    min_relation: Annotated[
        str, _relation_option("Cluster pairs at this relation or stronger", "DEDUP_MIN_RELATION")
    ] = "rewrite",
    fmt: Annotated[
        PageFormat,
        typer.Option(
            "--format", "-f", help="Report format: text, json, or html (one page; each pair opens its comparison)."
        ),
    ] = PageFormat.text,
    output: OutputOption = None,
    skip_bad: SkipBadOption = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Processes to use (default: one per CPU).")
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(help="embedded: this process; spark: JSONL and Parquet files on Spark (extra 'spark')."),
    ] = Engine.embedded,
    max_candidates: MaxCandidatesOption = MAX_CANDIDATES,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """Group duplicates, rewrites and same-event reports in a batch of articles."""
    relation = _relation(min_relation)
    if engine is Engine.spark:
        source = ctx.get_parameter_source("max_candidates")
        if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
            raise _fail("--max-candidates does not apply to --engine spark, which verifies every candidate")
        result = _scan_spark(paths, relation, skip_bad)
    else:
        stream = ArticleStream(paths, skip_bad=skip_bad)
        try:
            # Read as scanned, keeping no text, unless the report shows texts (the HTML page does).
            articles = list(stream) if fmt is PageFormat.html else stream
            with _progress(len(articles) if isinstance(articles, list) else None) as progress:
                result = scan(
                    articles,
                    min_relation=relation,
                    progress=progress,
                    jobs=jobs,
                    max_candidates=max_candidates or None,
                )
        except InputError as e:
            raise _fail(str(e)) from None
        _after_reading(stream.skipped, stream.notes, len(result.articles), "scan")
        result.skipped = stream.skipped
    _emit(result, fmt, output, text_report.render_scan)


@app.command("check")
def check_command(
    paths: PathsArgument,
    index: IndexOption = DEFAULT_PATH,
    fail_on: Annotated[
        str, _relation_option("Exit 1 when a new article matches another at this relation or stronger", "DEDUP_FAIL_ON")
    ] = "rewrite",
    add: Annotated[
        Add,
        typer.Option(
            "--add",
            envvar="DEDUP_ADD",
            help="Add the batch to the index (created when missing): --add=pass when no article fails, "
            "--add=always whatever the verdict.",
        ),
    ] = Add.NEVER,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when articles fail the check.")] = False,
    fmt: CheckFormatOption = CheckFormat.text,  # type: ignore[assignment]
    output: OutputOption = None,
    skip_bad: SkipBadOption = False,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    max_candidates: MaxCandidatesOption = MAX_CANDIDATES,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """Check new articles against the index and each other (the CI gate): exit 1 on a match at --fail-on."""
    relation = _relation(fail_on)
    read = _read(paths, skip_bad, "check")
    try:
        with _progress(len(read.articles)) as progress:
            result = check(
                read.articles,
                index,
                fail_on=relation,
                add=add,
                lock_timeout=lock_timeout,
                progress=progress,
                max_candidates=max_candidates or None,
            )
    except StoreError as e:
        raise _fail(str(e)) from None
    result.skipped = read.skipped
    if result.added is not None:
        stderr.print(_added(result.added, index), highlight=False, markup=False, soft_wrap=True)
    elif add is Add.PASS:
        stderr.print(f"not added to {index}: the check failed", highlight=False, markup=False, soft_wrap=True)
    for lost in result.unverified:
        _say("warning", f"indexed article {lost} not verified: its original is gone or changed")
    _emit(result, fmt, output, text_report.render_check)
    if fmt is CheckFormat.github and os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_step_summary(github_report.step_summary(result), Path(os.environ["GITHUB_STEP_SUMMARY"]))
    if result.failed and not exit_zero:
        raise typer.Exit(FINDINGS)


@index_app.command("add")
def index_add_command(
    paths: PathsArgument,
    index: IndexOption = DEFAULT_PATH,
    skip_bad: SkipBadOption = False,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="Create an index that keeps no prepared article data (about 270 bytes an article instead of "
            "2,300): check then re-reads and re-analyses each candidate's original file, and warns when it is "
            "gone or changed.",
        ),
    ] = False,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """Add articles to the index (created when missing); re-adding an id replaces the article."""
    read = _read(paths, skip_bad, "add")
    try:
        with _progress(len(read.articles)) as progress:
            added = index_add(
                read.articles, index, compact=compact or None, lock_timeout=lock_timeout, progress=progress
            )
    except StoreError as e:
        raise _fail(str(e)) from None
    typer.echo(_added(added, index))


@index_app.command("remove")
def index_remove_command(
    ids: Annotated[list[str], typer.Argument(help="Ids of the articles to remove.")],
    index: IndexOption = DEFAULT_PATH,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """Remove articles from the index by id."""
    try:
        removed = index_remove(ids, index, lock_timeout=lock_timeout)
    except StoreError as e:
        raise _fail(str(e)) from None
    for missing in sorted(set(ids) - set(removed)):
        _say("warning", f"not in the index: {missing}")
    typer.echo(f"removed {_count(len(removed), 'article')} from {index}")


@index_app.command("stats")
def index_stats_command(
    index: IndexOption = DEFAULT_PATH,
    fmt: FormatOption = Format.text,
    output: OutputOption = None,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """What the index holds: articles, band buckets, terms, bytes, fingerprint settings."""
    try:
        stats = index_stats(index, lock_timeout=lock_timeout)
    except StoreError as e:
        raise _fail(str(e)) from None
    _emit(stats, fmt, output, text_report.render_stats)


@index_app.command("vacuum")
def index_vacuum_command(
    index: IndexOption = DEFAULT_PATH,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """Rewrite the index into a fresh file, giving back the space that adds and removes left free."""
    try:
        before, after = index_vacuum(index, lock_timeout=lock_timeout)
    except StoreError as e:
        raise _fail(str(e)) from None
    typer.echo(f"{index}: {before:,} bytes before, {after:,} after")


def _added(added: AddResult, index: Path) -> str:
    replaced = f" ({len(added.replaced)} replaced)" if added.replaced else ""
    return f"added {_count(len(added.added), 'article')}{replaced} to {index}; it holds {added.total}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _read(paths: list[str], skip_bad: bool, verb: str) -> ReadResult:
    try:
        read = read_paths(paths, skip_bad=skip_bad)
    except InputError as e:
        raise _fail(str(e)) from None
    _after_reading(read.skipped, read.notes, len(read.articles), verb)
    return read


def _after_reading(skipped: list[Problem], notes: list[Note], articles: int, verb: str) -> None:
    """Warn of the inputs skipped, note the caveats, and fail when no article was read."""
    _warn_skipped(skipped)
    _print_notes(notes)
    if not articles:
        raise _fail(f"no articles to {verb}")


def _say(level: str, message: str) -> None:
    """One line on stderr, ``warning:`` or ``note:`` first; the message (ids, paths) is not markup."""
    colour = "yellow" if level == "warning" else "cyan"
    stderr.print(f"[{colour}]{level}:[/] {escape(message)}", soft_wrap=True, markup=True, highlight=False)


def _warn_skipped(problems: list[Problem]) -> None:
    for problem in problems:
        _say("warning", f"skipped {problem}")


def _scan_spark(paths: list[str], relation: Relation, skip_bad: bool) -> ScanResult:
    try:
        from dedup.spark import SparkUnavailable, scan_spark
    except ImportError as e:
        raise _fail(f"the spark engine needs pyspark ({e}); install it with: pip install 'dedup[spark]'") from None
    try:
        result = scan_spark(paths, min_relation=relation, skip_bad=skip_bad)
    except (InputError, SparkUnavailable) as e:
        raise _fail(str(e)) from None
    _warn_skipped(result.skipped)
    if not result.articles:
        raise _fail("no articles to scan")
    return result


@app.command("compare")
def compare_command(
    a: Annotated[str, typer.Argument(help="The first article: a file, or '-' for one JSONL record on stdin.")],
    b: Annotated[str, typer.Argument(help="The second article.")],
    fmt: Annotated[
        PageFormat,
        typer.Option("--format", "-f", help="Report format: text, json, or html (one self-contained page)."),
    ] = PageFormat.text,
    output: OutputOption = None,
) -> None:
    """Compare two articles: relation and scores, facts shared, one-sided and in conflict, aligned sentences."""
    _emit(compare(_one_article(a), _one_article(b)), fmt, output, text_report.render_compare)


def _print_notes(notes: list[Note]) -> None:
    for note in notes:
        _say("note", str(note))


def _one_article(path: str) -> Article:
    try:
        read = read_paths([path])
    except InputError as e:
        raise _fail(str(e)) from None
    _print_notes(read.notes)
    articles = read.articles
    if len(articles) != 1:
        raise _fail(f"{path}: holds {len(articles)} articles; compare takes one article per argument")
    return articles[0]


def _append_step_summary(markdown: str, path: Path) -> None:
    """Append to GitHub's job summary file; failing to is a warning, never a lost verdict."""
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(markdown)
    except OSError as e:
        _say("warning", f"GITHUB_STEP_SUMMARY not written: {e}")


def _emit(
    result: Any,
    fmt: Format | PageFormat | CheckFormat,
    output: Path | None,
    render_text: Callable[[Any, Console], None],
) -> None:
    """Render a result in the chosen format and write it where asked."""
    rendered: str | Iterator[str]
    if fmt == "json":
        rendered = json_report.render_chunks(result)
    elif fmt == "html":
        from dedup.reports import html as html_report  # jinja2 only for a page: a check starts faster

        rendered = html_report.render_scan(result) if isinstance(result, ScanResult) else html_report.render(result)
    elif fmt in CI_RENDERERS:
        rendered = CI_RENDERERS[fmt](result)
    else:
        rendered = _render_text(lambda console: render_text(result, console), to_terminal=output is None)
    try:
        write_text(rendered, output)
    except OSError as e:
        raise _fail(str(e)) from None


@contextmanager
def _progress(count: int | None) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A progress callback drawing bars on stderr, or None for a batch too small to need one.

    ``count``: the articles, None while unknown (a stream); the bars then start once a stage
    reaches PROGRESS_FROM steps, and a stage of unknown total shows its count alone ("n/?")."""
    if count is not None and count < PROGRESS_FROM:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with ExitStack() as shown:
        bar = Progress(*columns, console=stderr, transient=True)
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if not tasks:
                if count is None and done < PROGRESS_FROM:
                    return
                shown.enter_context(bar)
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total, completed=done)
            if done == total or done % 100 == 0:
                bar.update(tasks[stage], completed=done, total=total)

        yield progress


def _render_text(render: Callable[[Console], None], to_terminal: bool) -> str:
    # Rich decides colour from the terminal and NO_COLOR/FORCE_COLOR; a file gets plain text.
    terminal = to_terminal and sys.stdout.isatty()
    width = None if terminal else 120
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal or None, width=width, highlight=False)
    if not terminal and "FORCE_COLOR" not in os.environ:
        console = Console(file=buffer, width=width, highlight=False, no_color=True, color_system=None)
    render(console)
    return buffer.getvalue()


def run() -> None:
    """Console-script entry point: an unexpected exception is exit 2 with one line, never 1."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)
    except Exception as e:
        if os.environ.get("DEDUP_DEBUG"):
            raise
        stderr.print(f"[bold red]internal error:[/] {type(e).__name__}: {e} (set DEDUP_DEBUG=1 for a traceback)")
        sys.exit(ERROR)
