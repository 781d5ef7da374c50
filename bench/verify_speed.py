"""Time of verifying a scan's candidate pairs, alone, in one process.

    python bench/verify_speed.py /tmp/s3/c10k.jsonl [--jobs 2]

Articles are profiled and candidates found as ``dedup scan`` does (``--jobs`` processes), then
every candidate pair is verified by ``pipeline.verify_candidates`` in this process (``jobs=1``):
its articles weighed once, then the pairs chunk by chunk, as a scan's workers do.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup import pipeline
from dedup.fingerprint import Settings
from dedup.normalise import silent
from dedup.read import read_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--jobs", type=int, default=2, help="processes for profiling (verification uses one)")
    parser.add_argument("--max-candidates", type=int, default=0, help="0: every candidate")
    args = parser.parse_args()
    articles = read_paths([args.path]).articles
    with tempfile.TemporaryDirectory() as folder:
        profiled = pipeline.profile_batch(articles, Settings(), args.jobs, folder, silent, args.max_candidates or None)
        candidates = profiled.candidates
        print(f"load average {os.getloadavg()[0]:.2f}; {len(articles):,} articles, {len(candidates):,} candidate pairs")
        wall, cpu = time.perf_counter(), time.process_time()
        ids = [a.id for a in articles]
        verdicts = pipeline.verify_candidates(candidates, profiled.spill, profiled.corpus, ids, 1, silent)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    kept = [(v.a, v.b, int(v.relation), v.score, list(v.scores.items())) for v in verdicts]
    digest = hashlib.sha256(repr(kept).encode()).hexdigest()[:12]  # equal digests: equal verdicts
    print(f"verified in {wall:.1f} s wall, {cpu:.1f} s CPU: {cpu / len(candidates) * 1000:.3f} ms CPU a pair")
    print(f"{len(kept):,} pairs at least related, verdicts digest {digest}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
