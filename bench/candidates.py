"""Candidates per article against ``--max-candidates``: how many pairs each limit keeps, and
how many synthetic copies and rewrites stay paired with (or clustered with) their source.

    python bench/candidates.py --articles 100000 --limits 0 50 20 10 5 3

The corpus is ``bench.synthetic``'s (the real ``fr_news_corpus`` articles first, then mixes,
copies and rewrites); a copy or rewrite's id names its source, which is the truth here. Only
the sources present in the corpus count (a rewrite of a real article's slot has none). The
articles are profiled once, then the band index is rebuilt for each limit.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import write
from dedup.fingerprint import Settings
from dedup.index import MemoryIndex
from dedup.normalise import silent
from dedup.pipeline import default_jobs, profiles
from dedup.read import read_paths

_VARIANT = re.compile(r"(copy|rewrite)-of-syn-(\d+)@\d+$")


def _roots(n: int, pairs: np.ndarray) -> np.ndarray:
    parent = np.arange(n)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs.tolist():
        parent[root(i)] = root(j)
    return np.array([root(x) for x in range(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--limits", type=int, nargs="*", default=[0, 50, 20, 10, 5, 3], help="0: no limit")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        articles = read_paths([write(args.articles, Path(folder) / "corpus.jsonl")]).articles
    started = time.perf_counter()
    kept = [(p.shingle_bands, p.salient_bands, p.salient) for p in profiles(articles, settings, args.jobs, silent)]
    print(f"{len(articles):,} articles profiled in {time.perf_counter() - started:.0f} s")
    position = {a.id: k for k, a in enumerate(articles)}
    truth: dict[str, list[tuple[int, int]]] = {"copy": [], "rewrite": []}
    for k, a in enumerate(articles):
        if (m := _VARIANT.match(a.id)) and (source := position.get(f"syn-{m[2]}@{m[2]}")) is not None:
            truth[m[1]].append((source, k))
    copies, rewrites = len(truth["copy"]), len(truth["rewrite"])
    print(f"variants with their source in the corpus: {copies:,} copies, {rewrites:,} rewrites")
    print("| limit | candidates | per article | 99th pct | copies paired | rewrites paired | rewrites clustered |")
    print("|---|---|---|---|---|---|---|")
    for limit in args.limits:
        index = MemoryIndex(settings.salient_min_jaccard, limit or None, settings)
        for doc, (shingles, salient, sketch) in enumerate(kept):
            index.add_bands(doc, shingles, salient, sketch)
        keys = index.candidate_keys()
        pairs = np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)
        found = set(keys.tolist())
        roots = _roots(len(articles), pairs)
        degree = np.bincount(pairs.ravel(), minlength=len(articles))

        def paired(kind: str, found: set[int] = found) -> str:
            hits = sum((min(i, j) << 32 | max(i, j)) in found for i, j in truth[kind])
            return f"{hits:,} / {len(truth[kind]):,} ({hits / max(1, len(truth[kind])):.2%})"

        clustered = sum(roots[i] == roots[j] for i, j in truth["rewrite"]) / max(1, rewrites)
        print(
            f"| {limit or 'none'} | {len(keys):,} | {len(keys) / len(articles):.2f} | {np.percentile(degree, 99):.0f} "
            f"| {paired('copy')} | {paired('rewrite')} | {clustered:.2%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
