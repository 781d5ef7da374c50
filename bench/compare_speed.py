"""Speed of ``dedup.api.compare`` (verdict, alignment, facts, divergences) on real French news.

    python bench/compare_speed.py

Pairs of about 1,000 and 5,000 words are made from ``fr_news_corpus`` articles (consecutive
articles of the report part joined until the length is reached), one process, one core.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

try:
    import bench.datasets  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.datasets import DEFAULT_DATA_DIR, hash_part, read_jsonl
from dedup.api import compare
from dedup.model import Article

PAIRS = 15


def texts_of(words: int, count: int) -> list[str]:
    """``count`` texts of at least ``words`` words, each a run of consecutive articles."""
    path = DEFAULT_DATA_DIR / "fr_news_corpus" / "articles.jsonl"
    out, current = [], []
    for record in read_jsonl(path):
        if hash_part(record["id"]) != "report":
            continue
        current.append(record["text"])
        if sum(len(t.split()) for t in current) >= words:
            out.append("\n\n".join(current))
            current = []
            if len(out) == count:
                break
    return out


def main() -> None:
    for words in (1000, 5000):
        texts = texts_of(words, 2 * PAIRS)
        times = []
        for n in range(PAIRS):
            a = Article(f"a{n}", texts[2 * n], language="fr")
            b = Article(f"b{n}", texts[2 * n + 1], language="fr")
            start = time.perf_counter()
            compare(a, b)
            times.append(time.perf_counter() - start)
        print(
            f"{words:>5} words: p50 {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {PAIRS} pairs"
        )


if __name__ == "__main__":
    main()
