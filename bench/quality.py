"""Quality benchmark: dedup's verdicts against the labelled sets, next to two plain baselines.

    python bench/quality.py                    # every dataset, report part
    python bench/quality.py --part calibration --only meter
    python bench/quality.py --json > quality.json

Baselines, scored on the same rows: word 5-gram shingle Jaccard over lowercased ``\\w+``
tokens, and ``rapidfuzz.fuzz.token_set_ratio / 100`` on the raw texts. Where a metric needs a
relation, each baseline gets ordered thresholds fitted on the calibration part (best value
of the same metric) and applied to the part being reported.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from rich.console import Console
from rich.progress import track
from rich.table import Table
from scipy.stats import spearmanr

try:
    import bench.datasets  # noqa: F401
    import dedup  # noqa: F401
except ImportError:  # run from a checkout without an install: python bench/quality.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.datasets import (
    DEFAULT_DATA_DIR,
    FOLDERS,
    ClusterSet,
    LabelledPair,
    Part,
    in_part,
    load_clough,
    load_meter,
    load_semeval,
    load_stsb,
    load_wikiref,
    select,
)
from dedup.api import Corpus, judge, scan
from dedup.model import Relation
from dedup.similarity import sentence_similarity

ERR = Console(stderr=True, log_path=False)

# --- baselines ------------------------------------------------------------------------

WORD = re.compile(r"\w+")
SHINGLE = 5


@lru_cache(maxsize=8192)
def shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


def jaccard(a: str, b: str) -> float:
    """Word 5-gram shingle Jaccard over lowercased ``\\w+`` tokens."""
    sa, sb = shingles(a), shingles(b)
    shared = len(sa & sb)
    union = len(sa) + len(sb) - shared
    return shared / union if union else 0.0


def token_set(a: str, b: str) -> float:
    return fuzz.token_set_ratio(a, b) / 100


BASELINES: dict[str, Callable[[str, str], float]] = {
    "jaccard": jaccard,
    "token_set": token_set,
}


class Stopwatch:
    """Wall seconds accumulated per key (``dedup`` and each baseline)."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, key: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[key] += time.perf_counter() - start


def baseline_scores(a: str, b: str, watch: Stopwatch) -> dict[str, float]:
    scores = {}
    for name, scorer in BASELINES.items():
        with watch(name):
            scores[name] = scorer(a, b)
    return scores


# --- scored units and metrics ---------------------------------------------------------


@dataclass(slots=True)
class Scored:
    """One labelled unit with dedup's verdict (selected part only) and the baseline scores."""

    label: str
    value: float  # the gold number that rank metrics correlate with
    part: Part
    baseline: dict[str, float]
    relation: Relation | None = None
    score: float | None = None
    group: str = ""
    key: str = ""


Prediction = frozenset[str]
Quality = Callable[[Sequence[str], Sequence[Prediction]], float]


def accuracy(golds: Sequence[str], preds: Sequence[Prediction]) -> float:
    """Share of units whose gold label is among the labels predicted for it."""
    return sum(g in p for g, p in zip(golds, preds, strict=True)) / len(golds) if golds else math.nan


def f1(golds: Sequence[str], preds: Sequence[Prediction], cls: str) -> float:
    tp = sum(g == cls and cls in p for g, p in zip(golds, preds, strict=True))
    fp = sum(g != cls and cls in p for g, p in zip(golds, preds, strict=True))
    fn = sum(g == cls and cls not in p for g, p in zip(golds, preds, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def f1_of(cls: str) -> Quality:
    return lambda golds, preds: f1(golds, preds, cls)


def macro_f1(classes: Sequence[str]) -> Quality:
    return lambda golds, preds: sum(f1(golds, preds, c) for c in classes) / len(classes)


def spearman(gold: Sequence[float], scores: Sequence[float]) -> float:
    if len(gold) < 3:
        return math.nan
    return float(spearmanr(gold, scores).statistic)


# --- "fit thresholds on calibration, apply on report" ---------------------------------

MAX_CANDIDATES = 40


def candidate_cuts(scores: Sequence[float]) -> list[float]:
    values = sorted(set(scores))
    mids = [(x + y) / 2 for x, y in itertools.pairwise(values)]
    if len(mids) > MAX_CANDIDATES:
        step = (len(mids) - 1) / (MAX_CANDIDATES - 1)
        mids = sorted({mids[round(i * step)] for i in range(MAX_CANDIDATES)})
    return [-math.inf, *mids, math.inf]


def classify(score: float, cuts: Sequence[float], levels: Sequence[str]) -> str:
    """``levels`` run weak to strong; a score at or above ``cuts[i]`` reaches ``levels[i+1]``."""
    return levels[bisect.bisect_right(cuts, score)]


def fit_cuts(
    scores: Sequence[float],
    golds: Sequence[str],
    levels: Sequence[str],
    quality: Quality,
) -> tuple[float, ...]:
    """The ordered thresholds (one fewer than levels) that maximise ``quality``.

    Among equally good choices, the middle one (in lexicographic order), so that a single
    threshold sits in the middle of its plateau rather than at its lower edge.
    """
    options = list(itertools.combinations_with_replacement(candidate_cuts(scores), len(levels) - 1))
    values = [quality(golds, [frozenset({classify(s, cuts, levels)}) for s in scores]) for cuts in options]
    best = max(values)
    ties = [cuts for cuts, v in zip(options, values, strict=True) if v == best]
    return ties[len(ties) // 2]


# --- report ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Goal:
    op: str  # ">=" or "=="
    target: float

    def met(self, value: float | None) -> bool | None:
        if value is None or math.isnan(value):
            return None
        return value >= self.target if self.op == ">=" else value == self.target

    def __str__(self) -> str:
        if self.op == "==":
            return f"= {self.target:g}"
        return f"≥ {self.target:.2f}"


@dataclass(slots=True)
class Row:
    dataset: str
    metric: str
    part: str
    n: int
    dedup: float | None
    baselines: dict[str, float | None] = field(default_factory=dict)
    goal: Goal | None = None
    fmt: str = ".3f"


@dataclass(slots=True)
class Confusion:
    title: str
    labels: list[str]
    counts: dict[str, Counter[str]]  # gold label -> relation label -> count


@dataclass(slots=True)
class Report:
    part: str
    rows: list[Row] = field(default_factory=list)
    confusions: list[Confusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fmt_cuts_by_name(cuts: dict[str, tuple[float, ...]]) -> str:
    return "; ".join(f"{name} {'/'.join(f'{c:.3f}' for c in cs)}" for name, cs in cuts.items())


@dataclass(frozen=True, slots=True)
class LabelTask:
    """A metric on relations: gold classes (weak to strong), how dedup's relation predicts them."""

    metric: str
    levels: tuple[str, ...]
    gold: Callable[[str], str]  # the unit's label -> its class for this metric
    predict: Callable[[Relation], Prediction]
    quality: Quality
    goal: Goal | None = None


def fit_baselines(units: Sequence[Scored], task: LabelTask) -> dict[str, tuple[float, ...]]:
    """Each baseline's thresholds fitted on the calibration units."""
    calibration = [u for u in units if u.part == "calibration"]
    golds = [task.gold(u.label) for u in calibration]
    return {
        name: fit_cuts([u.baseline[name] for u in calibration], golds, task.levels, task.quality) for name in BASELINES
    }


def label_metric(report: Report, dataset: str, task: LabelTask, units: Sequence[Scored]) -> None:
    """Dedup's relations, and baselines with thresholds fitted on calibration, on the part."""
    chosen = select(units, report.part)
    golds = [task.gold(u.label) for u in chosen]
    dedup = task.quality(golds, [task.predict(_relation(u)) for u in chosen])
    cuts = fit_baselines(units, task)
    values: dict[str, float | None] = {
        name: task.quality(
            golds,
            [frozenset({classify(u.baseline[name], c, task.levels)}) for u in chosen],
        )
        for name, c in cuts.items()
    }
    report.rows.append(Row(dataset, task.metric, report.part, len(chosen), dedup, values, task.goal))
    n = sum(u.part == "calibration" for u in units)
    report.notes.append(
        f"{dataset} {task.metric}: baseline thresholds ({' < '.join(task.levels)}) fitted on the "
        f"calibration part (n={n}), applied to {report.part}: {fmt_cuts_by_name(cuts)}"
    )


def rank_metric(
    report: Report,
    dataset: str,
    metric: str,
    units: Sequence[Scored],
    goal: Goal | None = None,
) -> None:
    """Spearman of each method's score against the gold value."""
    chosen = select(units, report.part)
    gold = [u.value for u in chosen]
    dedup = spearman(gold, [u.score or 0.0 for u in chosen])
    values: dict[str, float | None] = {name: spearman(gold, [u.baseline[name] for u in chosen]) for name in BASELINES}
    report.rows.append(Row(dataset, metric, report.part, len(chosen), dedup, values, goal))


def confusion(report: Report, title: str, labels: Sequence[str], units: Sequence[Scored]) -> None:
    counts: dict[str, Counter[str]] = {label: Counter() for label in labels}
    for u in select(units, report.part):
        counts[u.label][_relation(u).label] += 1
    report.confusions.append(Confusion(title, list(labels), counts))


def speed(report: Report, dataset: str, n: int, watch: Stopwatch) -> None:
    baselines: dict[str, float | None] = {name: watch.seconds[name] for name in BASELINES}
    report.rows.append(
        Row(
            dataset,
            "wall time (s)",
            report.part,
            n,
            watch.seconds["dedup"],
            baselines,
            fmt=".2f",
        )
    )


def _relation(u: Scored) -> Relation:
    if u.relation is None:
        raise ValueError(f"no dedup verdict for {u.key or u.label}")
    return u.relation


# --- scoring pairs --------------------------------------------------------------------


def score_pairs(
    pairs: Sequence[LabelledPair],
    corpus_for: Callable[[LabelledPair], Corpus],
    wanted: str,
    watch: Stopwatch,
    description: str,
) -> list[Scored]:
    """Baselines on every pair (thresholds are fitted on calibration); dedup on ``wanted``."""
    units = [
        Scored(
            p.label,
            p.value,
            p.part,
            baseline_scores(p.a.text, p.b.text, watch),
            key=p.b.id,
        )
        for p in pairs
    ]
    todo = [(u, p) for u, p in zip(units, pairs, strict=True) if in_part(p.part, wanted)]
    for u, p in track(todo, description=description, console=ERR, transient=True):
        with watch("dedup"):
            verdict = judge(p.a, p.b, corpus=corpus_for(p))
        u.relation, u.score = verdict.relation, verdict.score
    return units


def _corpus(articles: Iterable[Any], watch: Stopwatch) -> Corpus:
    with watch("dedup"):
        return Corpus.from_articles(list(articles))


# --- datasets -------------------------------------------------------------------------

ORDERED = sorted(Relation, reverse=True)  # exact ... unrelated

CLOUGH_LABELS = ("cut", "light", "heavy", "non")
CLOUGH_ACCEPT: dict[str, frozenset[Relation]] = {
    "cut": frozenset({Relation.EXACT, Relation.NEAR_DUPLICATE}),
    "light": frozenset({Relation.NEAR_DUPLICATE, Relation.REWRITE}),
    "heavy": frozenset({Relation.REWRITE}),
    "non": frozenset({Relation.RELATED, Relation.UNRELATED}),
}
DERIVED = Relation.REWRITE


def clough_derived(label: str) -> str:
    return "not_derived" if label == "non" else "derived"


def predict_derived(relation: Relation) -> Prediction:
    return frozenset({"derived" if relation >= DERIVED else "not_derived"})


def predict_clough_level(relation: Relation) -> Prediction:
    return frozenset(label for label, ok in CLOUGH_ACCEPT.items() if relation in ok)


CLOUGH_DERIVED = LabelTask(
    "derived-vs-not accuracy",
    levels=("not_derived", "derived"),
    gold=clough_derived,
    predict=predict_derived,
    quality=accuracy,
    goal=Goal(">=", 0.97),
)
CLOUGH_LEVEL = LabelTask(
    "4-level accuracy",
    levels=("non", "heavy", "light", "cut"),
    gold=str,
    predict=predict_clough_level,
    quality=accuracy,
    goal=Goal(">=", 0.85),
)


def eval_clough(data_dir: Path, report: Report) -> None:
    data = load_clough(data_dir)
    watch = Stopwatch()
    corpus = _corpus(data.articles.values(), watch)
    units = score_pairs(data.pairs, lambda _: corpus, report.part, watch, "clough")
    label_metric(report, "clough", CLOUGH_DERIVED, units)
    label_metric(report, "clough", CLOUGH_LEVEL, units)
    confusion(report, "clough: label × relation", CLOUGH_LABELS, units)
    speed(report, "clough", len(select(units, report.part)), watch)


# Newspaper-article level from the strongest relation over the story's PA files.
METER_LEVEL: dict[Relation, str] = {
    Relation.EXACT: "wholly_derived",
    Relation.NEAR_DUPLICATE: "wholly_derived",
    Relation.REWRITE: "partially_derived",
    Relation.SAME_EVENT: "non_derived",
    Relation.RELATED: "non_derived",
    Relation.UNRELATED: "non_derived",
}
METER_LABELS = ("non_derived", "partially_derived", "wholly_derived")  # weak to strong
METER_TASK = LabelTask(
    "macro F1, 3 levels (per newspaper article)",
    levels=METER_LABELS,
    gold=str,
    predict=lambda relation: frozenset({METER_LEVEL[relation]}),
    quality=macro_f1(METER_LABELS),
    goal=Goal(">=", 0.75),
)


def strongest(units: Sequence[Scored]) -> Scored:
    """One unit per group: dedup's strongest verdict (relation, then score), max baselines."""
    first = units[0]
    best = max(units, key=lambda u: (u.relation or 0, u.score or 0.0))
    baseline = {name: max(u.baseline[name] for u in units) for name in BASELINES}
    return Scored(
        first.label,
        first.value,
        first.part,
        baseline,
        best.relation,
        best.score,
        key=first.key,
    )


def eval_meter(data_dir: Path, report: Report) -> None:
    data = load_meter(data_dir)
    watch = Stopwatch()
    corpus = _corpus(data.articles.values(), watch)
    pairs = score_pairs(data.pairs, lambda _: corpus, report.part, watch, "meter")
    by_newspaper: defaultdict[str, list[Scored]] = defaultdict(list)
    for u in pairs:
        by_newspaper[u.key].append(u)
    units = [strongest(group) for group in by_newspaper.values()]
    label_metric(report, "meter", METER_TASK, units)
    confusion(report, "meter: label × strongest relation", METER_LABELS[::-1], units)
    speed(report, "meter", len(select(pairs, report.part)), watch)


SEMEVAL_GOALS = {"all": Goal(">=", 0.80), "fr-fr": Goal(">=", 0.82)}
SEMEVAL_SAME = LabelTask(
    "F1 same story (overall ≤ 2 vs ≥ same_event)",
    levels=("different", "same_story"),
    gold=str,
    predict=lambda r: frozenset({"same_story" if r >= Relation.SAME_EVENT else "different"}),
    quality=f1_of("same_story"),
)


def eval_semeval(data_dir: Path, report: Report) -> None:
    data = load_semeval(data_dir)
    watch = Stopwatch()
    by_language: defaultdict[str, list[Any]] = defaultdict(list)
    for article in data.articles.values():
        by_language[article.language or ""].append(article)
    corpora = {lang: _corpus(articles, watch) for lang, articles in by_language.items()}
    units = score_pairs(data.pairs, lambda p: corpora[p.a.language or ""], report.part, watch, "semeval")
    for u, p in zip(units, data.pairs, strict=True):
        u.value, u.group = -p.value, p.record["lang_pair"]
    groups = sorted({u.group for u in units})
    for group in [*groups, "all"]:
        members = [u for u in units if group in ("all", u.group)]
        rank_metric(
            report,
            "semeval",
            f"Spearman vs -overall ({group})",
            members,
            SEMEVAL_GOALS.get(group),
        )
    label_metric(report, "semeval", SEMEVAL_SAME, units)
    confusion(report, "semeval: label × relation", ("same_story", "different"), units)
    speed(report, "semeval", len(select(units, report.part)), watch)


def false_merges(groups: Iterable[Sequence[str]], cluster_of: dict[str, str]) -> tuple[int, int]:
    """(false, true) merged pairs: different gold groups versus the same group."""
    false = true = 0
    for members in groups:
        for x, y in itertools.combinations(members, 2):
            cx, cy = cluster_of[x], cluster_of[y]
            if cx == cy:
                true += 1
            else:
                false += 1
    return false, true


def components(ids: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components (union-find) of ``ids`` joined by ``edges``."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for x, y in edges:
        parent[root(x)] = root(y)
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for i in ids:
        groups[root(i)].append(i)
    return list(groups.values())


def baseline_merges(
    report: Report, data_dir: Path, data: ClusterSet, watch: Stopwatch
) -> dict[str, tuple[int, int] | None]:
    """(false, true) merged pairs per baseline, joining every pair at or above the Clough
    derived-vs-not threshold fitted on Clough calibration (WikiRef has nothing to fit on)."""
    if not (data_dir / FOLDERS["clough"]).is_dir():
        report.notes.append("wikiref baselines: n/a (clough data absent, no threshold)")
        return dict.fromkeys(BASELINES)
    calibration = [
        Scored(p.label, p.value, p.part, baseline_scores(p.a.text, p.b.text, Stopwatch()))
        for p in load_clough(data_dir).pairs
        if p.part == "calibration"
    ]
    cuts = fit_baselines(calibration, CLOUGH_DERIVED)
    report.notes.append(
        "wikiref baselines: every pair joined at the clough derived-vs-not threshold fitted "
        f"on clough calibration ({fmt_cuts_by_name(cuts)})"
    )
    edges: dict[str, list[tuple[str, str]]] = {name: [] for name in BASELINES}
    for a, b in itertools.combinations(data.articles, 2):
        for name, score in baseline_scores(a.text, b.text, watch).items():
            if score >= cuts[name][0]:
                edges[name].append((a.id, b.id))
    ids = [a.id for a in data.articles]
    return {name: false_merges(components(ids, pairs), data.cluster_of) for name, pairs in edges.items()}


def eval_wikiref(data_dir: Path, report: Report) -> None:
    if report.part == "calibration":
        report.notes.append("wikiref: skipped, it has no calibration part (report only)")
        return
    data = load_wikiref(data_dir)
    watch = Stopwatch()
    with watch("dedup"):
        result = scan(data.articles, min_relation=Relation.REWRITE)
    dedup_false, dedup_true = false_merges((c.members for c in result.clusters), data.cluster_of)

    merged = baseline_merges(report, data_dir, data, watch)
    n = len(data.articles)
    for index, metric, value, goal in (
        (0, "false merges (pairs), scan ≥ rewrite", dedup_false, Goal("==", 0)),
        (1, "same-cluster merged pairs (info)", dedup_true, None),
    ):
        baselines = {k: (None if v is None else float(v[index])) for k, v in merged.items()}
        report.rows.append(Row("wikiref", metric, "report", n, value, baselines, goal, fmt=".0f"))
    found = Counter(v.relation for v in result.pairs)
    for relation in ORDERED:
        report.rows.append(
            Row(
                "wikiref",
                f"scan pairs: {relation.label}",
                "report",
                n,
                found[relation],
                fmt=".0f",
            )
        )
    speed(report, "wikiref", n, watch)


def eval_stsb(data_dir: Path, report: Report) -> None:
    pairs = select(load_stsb(data_dir), report.part)
    watch = Stopwatch()
    units = []
    for p in track(pairs, description="stsb", console=ERR, transient=True):
        with watch("dedup"):
            score = sentence_similarity(p.text_a, p.text_b)
        baseline = baseline_scores(p.text_a, p.text_b, watch)
        units.append(Scored("", p.score, p.part, baseline, score=score, key=p.id))
    rank_metric(report, "stsb", "Spearman, news pairs", units, Goal(">=", 0.75))
    speed(report, "stsb", len(units), watch)


EVALUATORS: dict[str, Callable[[Path, Report], None]] = {
    "clough": eval_clough,
    "meter": eval_meter,
    "semeval": eval_semeval,
    "wikiref": eval_wikiref,
    "stsb": eval_stsb,
}


# --- output ---------------------------------------------------------------------------


def build_table(title: str, header: Sequence[str], body: Iterable[Sequence[str]], left: int = 1) -> Table:
    """A rich table; the first ``left`` columns are text, the others right-aligned numbers."""
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i < left else "right")
    for cells in body:
        table.add_row(*cells)
    return table


def _number(value: float | None, fmt: str) -> str:
    return "—" if value is None or math.isnan(value) else format(value, fmt)


def _clean(value: float | None, fmt: str) -> float | int | None:
    if value is None or math.isnan(value):
        return None
    return int(value) if fmt == ".0f" else round(float(value), 4)


def main_table(report: Report) -> Table:
    names = list(BASELINES)
    header = [
        "dataset",
        "metric",
        "part",
        "n",
        "dedup",
        *(f"baseline {n}" for n in names),
        "goal",
    ]
    body = []
    for row in report.rows:
        dedup = _number(row.dedup, row.fmt)
        met = row.goal.met(row.dedup) if row.goal else None
        if met is not None:
            dedup = f"[{'green' if met else 'red'}]{dedup}[/]"
        baselines = [_number(row.baselines.get(name), row.fmt) for name in names]
        goal = str(row.goal) if row.goal else ""
        body.append([row.dataset, row.metric, row.part, str(row.n), dedup, *baselines, goal])
    return build_table(f"dedup quality ({report.part} part)", header, body, left=3)


def confusion_table(c: Confusion) -> Table:
    header = ["gold \\ dedup", *(r.label for r in ORDERED)]
    body = [[label, *(str(c.counts[label][r.label]) for r in ORDERED)] for label in c.labels]
    return build_table(c.title, header, body)


def as_json(report: Report, data_dir: Path) -> dict[str, Any]:
    return {
        "data": str(data_dir),
        "part": report.part,
        "rows": [
            {
                "dataset": r.dataset,
                "metric": r.metric,
                "part": r.part,
                "n": r.n,
                "dedup": _clean(r.dedup, r.fmt),
                **{f"baseline_{k}": _clean(v, r.fmt) for k, v in r.baselines.items()},
                "goal": str(r.goal) if r.goal else None,
                "goal_met": r.goal.met(r.dedup) if r.goal else None,
            }
            for r in report.rows
        ],
        "confusions": {c.title: {label: dict(c.counts[label]) for label in c.labels} for c in report.confusions},
        "notes": report.notes,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("calibration", "report", "all"), default="report")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="labelled data folder")
    parser.add_argument("--only", choices=list(EVALUATORS), help="run one dataset")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    report = Report(args.part)
    for name, evaluate in EVALUATORS.items():
        if args.only and name != args.only:
            continue
        folder = args.data / FOLDERS[name]
        if not folder.is_dir():
            report.notes.append(f"{name}: skipped, {folder} is absent")
            continue
        ERR.log(f"{name} …")
        evaluate(args.data, report)
    report.notes.append(
        "wall time (s): dedup on the rows of the part shown; baselines also on the calibration "
        "rows where their thresholds are fitted there"
    )

    if args.json:
        print(json.dumps(as_json(report, args.data), indent=2, ensure_ascii=False))
        return 0
    out = Console(width=None if sys.stdout.isatty() else 160)  # no wrapping when piped
    out.print(main_table(report))
    for c in report.confusions:
        out.print(confusion_table(c))
    for note in report.notes:
        out.print(f"• {note}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
