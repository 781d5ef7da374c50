"""Where a streamed scan's parent process holds memory: tracemalloc at the stages' ends.

    python bench/scan_memory.py /tmp/s3/c10k.jsonl

Prints the traced memory (current and peak) and its largest allocation sites when the index is
full, during the candidate search, when verification starts and ends, and after the JSON report.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup import api, pipeline
from dedup.read import ArticleStream
from dedup.reports import json as json_report

snapshots: dict[str, tuple[tracemalloc.Snapshot, tuple[int, int]]] = {}


def snap(name: str) -> None:
    snapshots[name] = (tracemalloc.take_snapshot(), tracemalloc.get_traced_memory())


def watched_verify(*args: Any, **kwargs: Any) -> Any:
    snap("profiled (verification starts)")
    out = real_verify(*args, **kwargs)
    snap("verified")
    return out


def watched_keys(self: pipeline.MemoryIndex) -> Any:
    snap("index full (before candidate_keys)")
    tracemalloc.reset_peak()
    out = real_keys(self)
    print(f"candidate_keys: peak during it {tracemalloc.get_traced_memory()[1] / 1e6:.1f} MB")
    return out


real_verify, real_keys = pipeline.verify_candidates, pipeline.MemoryIndex.candidate_keys

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    pipeline.verify_candidates = watched_verify  # type: ignore[assignment]
    pipeline.MemoryIndex.candidate_keys = watched_keys  # type: ignore[method-assign]
    tracemalloc.start(1)
    result = api.scan(ArticleStream([args.path]), jobs=args.jobs)
    snap("scan returned")
    for _ in json_report.render_chunks(result):
        pass
    snap("report rendered")
    for name, (snapshot, (current, peak)) in snapshots.items():
        print(f"\n== {name}: current {current / 1e6:.1f} MB, peak so far {peak / 1e6:.1f} MB")
        for stat in snapshot.statistics("lineno")[:8]:
            frame = stat.traceback[0]
            print(f"  {stat.size / 1e6:8.1f} MB {stat.count:9d} blocks  {frame.filename}:{frame.lineno}")
