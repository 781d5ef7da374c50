"""Article analysis speed: what ``dedup scan`` spends per article before candidates are found.

    python bench/analysis_speed.py /tmp/s3/c10k.jsonl --articles 3000
    python bench/analysis_speed.py FILE --detect     # records' languages dropped: detection timed too

Times ``pipeline.profile_articles`` (tokens, sentences, fingerprints, the compact per-article
data verification reuses, document terms) over chunks of ``pipeline.ARTICLE_CHUNK``, in this one
process as ``scan --jobs 1`` runs it, in CPU time (steadier than wall time on a shared machine),
best of ``--repeats``. The first chunk runs once beforehand (numba compilation, caches).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup.fingerprint import Settings
from dedup.pipeline import ARTICLE_CHUNK, profile_articles
from dedup.read import read_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path, help="articles (JSONL, CSV, folder: anything scan reads)")
    parser.add_argument("--articles", type=int, default=None, help="only the first N")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--detect", action="store_true", help="drop the records' languages: detect them")
    args = parser.parse_args()

    articles = read_paths([args.path]).articles[: args.articles]
    if args.detect:
        articles = [dataclasses.replace(a, language=None) for a in articles]
    settings = Settings()
    chunks = [articles[k : k + ARTICLE_CHUNK] for k in range(0, len(articles), ARTICLE_CHUNK)]
    profile_articles(chunks[0], settings)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    best = float("inf")
    for _ in range(args.repeats):
        start = time.process_time()
        for chunk in chunks:
            profile_articles(chunk, settings)
        best = min(best, time.process_time() - start)
    print(f"{len(articles)} articles: {best:.2f} s CPU, {best / len(articles) * 1000:.3f} ms an article")


if __name__ == "__main__":
    main()
