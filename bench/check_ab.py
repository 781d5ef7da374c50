"""``dedup check`` from two source trees, run alternately: which is faster, on a machine whose
speed drifts by a third within the hour.

    python bench/check_ab.py OLD_TREE NEW_TREE --index W/full.duckdb --batch W/new.jsonl [--runs 10]

Each round runs ``python -m dedup check BATCH --index INDEX --format json --exit-zero`` once
from each tree (a real subprocess, start-up included), so both meet the same moments of the
machine. Every report must be byte-identical to ``--reference`` (default: each tree's first
run's, for trees that report differently by design): a faster tree that reports something
else is not faster. Prints each run's wall time, CPU time
(user + system, with the processes it started) and minor page faults, then medians and the
new/old ratio. ``bench/index_speed.py`` builds an index and batch to run it on.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(tree: Path, index: Path, batch: Path, out: Path) -> tuple[float, float, int]:
    """One check from ``tree``: wall time, CPU time and minor page faults, its children's included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "dedup", "check", str(batch), "--index", str(index)]
    command += ["--format", "json", "-o", str(out), "--exit-zero"]
    subprocess.run(command, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, after.ru_minflt - before.ru_minflt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="a source tree (a checkout of the repository)")
    parser.add_argument("new", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--batch", type=Path, required=True, help="the new articles")
    parser.add_argument("--runs", type=int, default=10, help="rounds, one run of each tree a round")
    parser.add_argument("--reference", type=Path, help="the report every run must write")
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    figures: dict[str, list[tuple[float, float, int]]] = {name: [] for name in trees}
    given = args.reference.read_bytes() if args.reference else None
    references: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="dedup-check-ab-") as folder:
        out = Path(folder) / "report.json"
        for round_ in range(1, args.runs + 1):
            for name, tree in trees.items():
                wall, cpu, faults = run(tree, args.index.resolve(), args.batch.resolve(), out)
                reference = references.setdefault(name, given or out.read_bytes())
                if out.read_bytes() != reference:
                    sys.exit(f"{name} ({tree}) wrote another report in round {round_}")
                figures[name].append((wall, cpu, faults))
                print(f"round {round_:2d}  {name}  wall {wall:5.2f} s  CPU {cpu:5.2f} s  faults {faults:,}", flush=True)
    medians = {}
    for name, rows in figures.items():
        walls, cpus, faults = zip(*rows, strict=True)
        medians[name] = statistics.median(walls)
        print(
            f"{name} ({trees[name]}): wall median {medians[name]:.2f} s (min {min(walls):.2f}), "
            f"CPU median {statistics.median(cpus):.2f} s, faults median {statistics.median(faults):,.0f}"
        )
    print(f"new / old, wall medians: {medians['new'] / medians['old']:.2f}")
    print("the two trees' reports are", "identical" if references["old"] == references["new"] else "different")


if __name__ == "__main__":
    main()
