"""The persistent index at scale: ``index add`` throughput, bytes per article, and ``dedup
check`` of 1,000 new articles against it (goal: ≤ 5 s against 1,000,000 on 2 cores).

    python bench/index_speed.py --articles 1000000 [--work /tmp/dedup-bench-index]

The indexed articles are ``bench.synthetic`` articles (real French sentences of
``fr_news_corpus``, mixed and varied deterministically), written as JSONL batches, read and
analysed once, and added to a full and a compact index (see ``build``). The 1,000
new articles are ``--rewrites`` true rewrites of randomly chosen indexed articles (recall: the
source must be matched at ``rewrite`` or stronger) and fresh articles made only of held-out
corpus sentences (a failure there is a false alarm). ``dedup check`` runs as a real
subprocess, so its time includes start-up.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import pstats
import random
import signal
import subprocess
import sys
import time
from collections import deque
from multiprocessing.pool import AsyncResult
from pathlib import Path

try:
    import bench.synthetic  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import Synthetic
from dedup.api import check, index_stats
from dedup.fingerprint import Settings
from dedup.index import MAX_CANDIDATES
from dedup.model import Article, Relation
from dedup.pipeline import Profile, profile_articles
from dedup.read import read_paths
from dedup.store import Store

ROOT = Path(__file__).resolve().parents[1]


def write_jsonl(articles: list[Article], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps({"id": a.id, "text": a.text, "language": a.language}, ensure_ascii=False) + "\n")


_synth: Synthetic | None = None  # set before the analysing processes fork, so that none is sent the corpus


def _analysed(path: Path, start: int, stop: int) -> tuple[list[Article], list[Profile], float]:
    """One batch written as JSONL, read and analysed (the first half of ``dedup.api.index_add``),
    and the CPU seconds that took."""
    assert _synth is not None
    write_jsonl(list(_synth.articles(start, stop)), path)
    began = time.process_time()
    articles = read_paths([path]).articles
    return articles, profile_articles(articles, Settings()), time.process_time() - began


def build(synth: Synthetic, work: Path, articles: int, batch: int, jobs: int, spent: dict[str, float]) -> None:
    """Add synthetic articles, in batches, to a full and a compact index until they hold
    ``articles``, continuing from ``spent["done"]`` (what the indexes already hold: article
    *n* is the same in every run). ``spent`` is saved to ``build.json`` after each batch, so a
    build stopped (SIGTERM or ^C: at the end of a batch) or killed goes on where it was.

    ``jobs`` processes read and analyse batches (each once, for both kinds) while this one
    writes them to both indexes with ``Store.add`` (the second half of ``index add``), in
    order, at most ``jobs`` batches ahead (each holds its texts). ``spent`` sums the seconds of
    each part: analysis is CPU time over the processes (what one ``dedup index add`` process
    would spend), writing and the build (``wall``) are wall time.
    """
    global _synth
    _synth = synth
    stop = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.append(True))
    starts = iter(range(int(spent["done"]), articles, batch))
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_worker_signals) as pool:
        pending: deque[AsyncResult] = deque()
        began_batch = time.perf_counter()
        while True:
            while len(pending) <= jobs and (start := next(starts, None)) is not None:
                stop_at = min(articles, start + batch)
                pending.append(pool.apply_async(_analysed, (work / f"batch-{start:08d}.jsonl", start, stop_at)))
            if not pending or stop:
                break
            batch_articles, profiles, seconds = pending.popleft().get()
            spent["analysis"] += seconds
            for kind in ("full", "compact"):
                began = time.perf_counter()
                with Store.open(work / f"{kind}.duckdb", write=True, compact=kind == "compact") as store:
                    total = store.add(batch_articles, profiles).total
                spent[kind] += time.perf_counter() - began
            spent["done"] = total
            spent["wall"] += time.perf_counter() - began_batch
            began_batch = time.perf_counter()
            (work / "build.json").write_text(json.dumps(spent))
            sizes = ", ".join(f"{k} {(work / f'{k}.duckdb').stat().st_size / total:.0f}" for k in ("full", "compact"))
            times = ", ".join(f"{k} {v:.0f} s" for k, v in spent.items() if k != "done")
            print(f"  {total:>9,} indexed; bytes/article: {sizes}; time so far: {times}; {_load()}", flush=True)
    if stop:
        sys.exit(f"stopped at {spent['done']:,} articles; run again to go on")


def _worker_signals() -> None:
    """Analysing processes leave ^C to this one, and die on the SIGTERM of Pool.terminate
    (they inherit the handler that only marks a stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def check_run(index: Path, batch: Path, work: Path, sources: list[int], fresh: int, cap: int) -> str:
    """``dedup check`` of ``batch`` against ``index`` as a subprocess: its time and recall."""
    report = work / f"check-{index.stem}.json"
    command = ["check", str(batch), "--index", str(index), "--format", "json", "-o", str(report), "--exit-zero"]
    command += ["--max-candidates", str(cap)]
    began = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "dedup", *command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - began
    if run.returncode != 0:
        sys.exit(f"dedup check failed: {run.stderr.strip()}")
    result = json.loads(report.read_text(encoding="utf-8"))
    findings = {f["id"]: f for f in result["findings"]}

    def matched(finding: dict, source: str) -> bool:
        return any(
            m["id"] == source and m["in_index"] and Relation.parse(m["relation"]) >= Relation.REWRITE
            for m in finding["matches"]
        )

    found = sum(matched(findings[f"rewrite-of-syn-{n}"], f"syn-{n}") for n in sources)
    alarms = sum(
        any(m["in_index"] and Relation.parse(m["relation"]) >= Relation.REWRITE for m in f["matches"])
        for i, f in findings.items()
        if i.startswith("fresh-")
    )
    summary = result["summary"]
    return (
        f"{took:.1f} s (a subprocess, start-up included); {summary['candidates']:,} candidates verified, "
        f"{summary.get('candidates_unverified', 0)} unverified; rewrites found {found}/{len(sources)}; "
        f"fresh articles matching an indexed one at rewrite or stronger {alarms}/{fresh}"
    )


def index_part(index: Path, batch: Path, cap: int) -> str:
    """The index's share of a check, in-process: the SQL band join (with the salient
    confirmation) and fetching the candidates' prepared data (stored, or made again from the
    originals in a compact index, on 2 processes). The rest of a check is analysis and
    verification."""
    articles = read_paths([batch]).articles
    profiles = profile_articles(articles, Settings())
    with Store.open(index) as store:
        began = time.perf_counter()
        pairs = store.candidates(profiles, [a.id for a in articles], cap or None)
        joined = time.perf_counter() - began
        began = time.perf_counter()
        found, lost = store.prepared({doc for _, doc in pairs}, jobs=2)
        fetched = time.perf_counter() - began
    return (
        f"band join {joined:.2f} s ({len(pairs):,} candidates); "
        f"fetching {len(found):,} indexed articles {fetched:.2f} s ({len(lost)} lost)"
    )


def profile(index: Path, batch: Path, cap: int) -> None:
    """cProfile of ``check()`` in this one process (``jobs=1``): where a check's seconds go."""
    articles = read_paths([batch]).articles
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.runcall(check, articles, index, jobs=1, max_candidates=cap or None)
    print(f"check() in one process: {time.perf_counter() - began:.1f} s ({_load()})")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--rewrites", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench-index"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="processes analysing the index's batches")
    parser.add_argument("--max-candidates", type=int, default=MAX_CANDIDATES, help="of dedup check (0: no limit)")
    parser.add_argument("--kinds", nargs="+", default=["full", "compact"], help="the indexes to check against")
    parser.add_argument("--profile", action="store_true", help="profile check() in one process instead")
    parser.add_argument("--rebuild", action="store_true", help="build the indexes even when --work holds them")
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    synth = Synthetic.load(seed=args.seed)
    # The build's progress and seconds (see build): the indexes hold spent["done"] articles.
    built = args.work / "build.json"
    spent = json.loads(built.read_text()) if built.exists() and not args.rebuild else {}
    if not spent or spent["done"] > args.articles:
        for stale in [*args.work.glob("*.duckdb*"), built]:
            stale.unlink(missing_ok=True)
        spent = {"done": 0, "analysis": 0.0, "full": 0.0, "compact": 0.0, "wall": 0.0}
    if spent["done"] < args.articles:
        print(f"building {args.articles:,} articles in {args.work} from {spent['done']:,}", flush=True)
        build(synth, args.work, args.articles, args.batch, args.jobs, spent)
    else:
        print(f"reusing the {args.articles:,}-article indexes in {args.work} (--rebuild to build again)")

    rng = random.Random(f"{args.seed}:check")
    sources = rng.sample(range(args.articles), args.rewrites)
    new = [synth.rewrite(synth.article(n), n) for n in sources]
    new += [synth.fresh(n) for n in range(args.new - args.rewrites)]
    batch = args.work / "new.jsonl"
    write_jsonl(new, batch)
    for kind in args.kinds:
        index = args.work / f"{kind}.duckdb"
        if args.profile:
            profile(index, batch, args.max_candidates)
            continue
        stats = index_stats(index)
        seconds = spent["analysis"] + spent[kind]
        print(
            f"{kind}: index add {args.articles / seconds:,.0f} articles/s in one process ({spent['analysis']:.0f} s "
            f"analysis CPU + {spent[kind]:.0f} s writing); the whole build of both took {spent['wall']:.0f} s wall"
        )
        print(
            f"{kind}: {stats.file_bytes:,} bytes = {stats.bytes_per_article:.0f} bytes/article (prepared "
            f"{stats.prepared_bytes / stats.articles:.0f}; buckets {stats.buckets:,}; terms {stats.terms:,})"
        )
        print(
            f"{kind}: dedup check of {args.new:,} new articles against {stats.articles:,} ({_load()}): ",
            end="",
            flush=True,
        )
        print(check_run(index, batch, args.work, sources, args.new - args.rewrites, args.max_candidates), flush=True)
        print(f"{kind}: index part of the check: {index_part(index, batch, args.max_candidates)}", flush=True)


if __name__ == "__main__":
    main()
