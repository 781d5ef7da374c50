"""`dedup scan` against `dedup scan --engine spark` on the same real French articles: wall
time, peak memory, and whether the two reports agree.

    python bench/spark_scan.py [--articles 5000]

Reads the first ``--articles`` records of ../shared/data/fr_news_corpus. Peak memory is the
dedup process's (for Spark, the driver: the JVM and its Python workers are other processes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "fr_news_corpus" / "articles.jsonl"


def timed_scan(source: Path, report: Path, *engine: str) -> tuple[float, int]:
    """Wall seconds and peak kB of one ``dedup scan`` (GNU time measures the child)."""
    command = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "dedup", "scan", str(source)]
    done = subprocess.run(
        [*command, *engine, "--format", "json", "-o", str(report)], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        sys.exit(f"dedup scan {' '.join(engine)} failed: {done.stderr.strip().splitlines()[-1]}")
    seconds, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, CORPUS.open(encoding="utf-8") as fh:
        source = Path(tmp) / "articles.jsonl"
        source.write_text("".join(line for _, line in zip(range(args.articles), fh, strict=False)), encoding="utf-8")
        print(f"load before: {os.getloadavg()[0]:.1f}")
        runs = {
            engine: timed_scan(source, Path(tmp) / f"{engine}.json", "--engine", engine)
            for engine in ("embedded", "spark")
        }
        print(f"load after: {os.getloadavg()[0]:.1f}")
        embedded, spark = (json.loads((Path(tmp) / f"{e}.json").read_text(encoding="utf-8")) for e in runs)
    for engine, (seconds, kilobytes) in runs.items():
        print(f"{engine:>8}: {seconds:7.1f} s wall, peak {kilobytes / 1024:6.0f} MiB")
    print(f"spark / embedded wall time: {runs['spark'][0] / runs['embedded'][0]:.2f}")
    print("summary", embedded["summary"], "(embedded)")
    print("summary", spark["summary"], "(spark)")

    def pairs(report: dict) -> list[str]:
        return sorted(json.dumps(p, sort_keys=True) for p in report["pairs"])

    same_members = [c["members"] for c in embedded["clusters"]] == [c["members"] for c in spark["clusters"]]
    print(
        f"same articles: {embedded['articles'] == spark['articles']}, same pairs: {pairs(embedded) == pairs(spark)}, "
        f"same cluster members: {same_members}, identical report: {embedded == spark}"
    )


if __name__ == "__main__":
    main()
