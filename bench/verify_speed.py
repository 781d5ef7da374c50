"""Time of verifying a scan's candidate pairs, alone, in one process.

    python bench/verify_speed.py /tmp/s3/c10k.jsonl [--jobs 2]

Articles are profiled and candidates found as ``dedup scan`` does (``--jobs`` processes), then
every candidate pair is verified by ``pipeline._verify_pairs`` in this process, chunk by chunk as
a scan's worker does. The script uses nothing newer than that function, so it times the tree
it runs in: run it in two worktrees for a before/after.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup import pipeline
from dedup.corpus import Corpus
from dedup.fingerprint import Settings
from dedup.index import MemoryIndex
from dedup.read import read_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--jobs", type=int, default=2, help="processes for profiling (verification uses one)")
    args = parser.parse_args()
    articles = read_paths([args.path]).articles
    settings = Settings()
    profiles: list[pipeline.Profile] = []
    chunks = pipeline._chunks(articles, pipeline.ARTICLE_CHUNK)
    for _, chunk in pipeline._mapped(pipeline.profile_articles, chunks, args.jobs, extra=(settings,)):
        profiles += chunk
    df: Counter[str] = Counter()
    index = MemoryIndex(settings.salient_min_jaccard)
    for doc, p in enumerate(profiles):
        df.update(p.terms)
        index.add_bands(doc, p.shingle_bands, p.salient_bands, p.salient)
    prepared = [p.prepared for p in profiles]
    candidates = list(index.candidates())

    print(f"load average {os.getloadavg()[0]:.2f}; {len(articles):,} articles, {len(candidates):,} candidate pairs")
    pipeline._start_verifier(prepared, Corpus(df, len(prepared)))
    wall, cpu = time.perf_counter(), time.process_time()
    verdicts = [v for chunk in pipeline._chunks(candidates, pipeline.PAIR_CHUNK) for v in pipeline._verify_pairs(chunk)]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    kept = [(v.a, v.b, int(v.relation), v.score, list(v.scores.items())) for v in verdicts if v is not None]
    digest = hashlib.sha256(repr(kept).encode()).hexdigest()[:12]  # equal digests: equal verdicts
    print(f"verified in {wall:.1f} s wall, {cpu:.1f} s CPU: {cpu / len(candidates) * 1000:.3f} ms CPU a pair")
    print(f"{len(kept):,} pairs at least related, verdicts digest {digest}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
