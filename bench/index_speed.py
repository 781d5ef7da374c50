"""The persistent index at scale: ``index add`` throughput, bytes per article, and ``dedup
check`` of 1,000 new articles against it (goal: ≤ 5 s against 1,000,000 on 2 cores).

    python bench/index_speed.py --articles 1000000 [--compact] [--work /tmp/dedup-bench-index]

The indexed articles are ``bench.synthetic`` articles (real French sentences of
``fr_news_corpus``, mixed and varied deterministically), written as JSONL batches and added
with ``dedup.api.index_add`` — what ``dedup index add`` runs — one batch per call. The 1,000
new articles are ``--rewrites`` true rewrites of randomly chosen indexed articles (recall: the
source must be matched at ``rewrite`` or stronger) and fresh articles made only of held-out
corpus sentences (a failure there is a false alarm). ``dedup check`` runs as a real
subprocess, so its time includes start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

try:
    import bench.synthetic  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import Synthetic
from dedup.api import index_add, index_stats
from dedup.model import Article, Relation

ROOT = Path(__file__).resolve().parents[1]


def write_jsonl(articles: list[Article], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps({"id": a.id, "text": a.text, "language": a.language}, ensure_ascii=False) + "\n")


def build(synth: Synthetic, index: Path, work: Path, articles: int, batch: int, compact: bool) -> float:
    """Add ``articles`` synthetic articles in batches; returns the seconds spent in ``index_add``."""
    spent = 0.0
    for start in range(0, articles, batch):
        stop = min(articles, start + batch)
        path = work / f"batch-{start:08d}.jsonl"
        write_jsonl(list(synth.articles(start, stop)), path)
        began = time.perf_counter()
        result = index_add([path], index, compact=compact or None)
        took = time.perf_counter() - began
        spent += took
        print(f"  {result.total:>9,} indexed; batch of {stop - start:,} in {took:.1f} s", flush=True)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--rewrites", type=int, default=300)
    parser.add_argument("--compact", action="store_true", help="an index that keeps no texts")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench-index"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    index = args.work / ("compact.duckdb" if args.compact else "index.duckdb")
    for stale in (index, index.with_name(index.name + ".wal")):
        stale.unlink(missing_ok=True)
    synth = Synthetic.load(seed=args.seed)
    print(f"building {args.articles:,} articles ({'compact' if args.compact else 'with texts'}) in {index}")
    spent = build(synth, index, args.work, args.articles, args.batch, args.compact)
    stats = index_stats(index)
    print(
        f"index add: {args.articles / spent:,.0f} articles/s ({spent:.0f} s); "
        f"{stats.file_bytes:,} bytes = {stats.bytes_per_article:.0f} bytes/article "
        f"(texts {stats.text_bytes / args.articles:.0f}, band rows {stats.band_rows:,}, terms {stats.terms:,})"
    )

    rng = random.Random(f"{args.seed}:check")
    sources = rng.sample(range(args.articles), args.rewrites)
    new = [synth.rewrite(synth.article(n), n) for n in sources]
    new += [synth.fresh(n) for n in range(args.new - args.rewrites)]
    batch = args.work / "new.jsonl"
    write_jsonl(new, batch)
    report = args.work / "check.json"
    began = time.perf_counter()
    command = ["check", str(batch), "--index", str(index), "--format", "json", "-o", str(report), "--exit-zero"]
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
    findings = {f["id"]: f for f in json.loads(report.read_text(encoding="utf-8"))["findings"]}
    found = sum(
        any(m["id"] == f"syn-{n}" and Relation.parse(m["relation"]) >= Relation.REWRITE for m in f["matches"])
        for n, f in ((n, findings[f"rewrite-of-syn-{n}"]) for n in sources)
    )
    alarms = sum(f["status"] == "fail" for i, f in findings.items() if i.startswith("fresh-"))
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    print(
        f"dedup check of {args.new:,} new articles against {stats.articles:,}: {took:.1f} s "
        f"(a subprocess, start-up included); {summary['candidates']:,} candidates verified; "
        f"rewrites found {found}/{args.rewrites}; fresh articles failing {alarms}/{args.new - args.rewrites}"
    )


if __name__ == "__main__":
    main()
