"""Speed and size of the side-by-side HTML page (``dedup compare --format html``) on real French news.

    taskset -c 0 python bench/html_speed.py            # 5,000 words, 15 runs; sizes at 1k/5k/20k
    taskset -c 0 python bench/html_speed.py --runs 5

A is a run of consecutive report-part articles of ``fr_news_corpus`` (as in
``bench/compare_speed.py``); B is a changed version of A made deterministically, sentence by
sentence: some dropped, numbers changed in others, a few moved to the end, words swapped in
others, and sentences of another article inserted. So the page has every kind of row: aligned
pairs with word edits, sentences on one side only, moved pairs, facts in conflict.

Timed: ``compare(A, B)`` alone, ``html.render`` alone (the same comparison each run), and
both; the p50 and max over the runs, wall and CPU time. Goal: render ≤ 200 ms at 5,000 words (issue 4).
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import time
from pathlib import Path

try:
    import bench.datasets  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.compare_speed import texts_of
from dedup.api import compare
from dedup.model import Article
from dedup.normalise import sentences
from dedup.reports import html

GOAL_MS = 200
_NUMBER = re.compile(r"\d+")


def changed(text: str, other: str) -> str:
    """B: A with deterministic edits, every one chosen by the sentence's position."""
    own = [text[s.start : s.end] for s in sentences(text)]
    foreign = [other[s.start : s.end] for s in sentences(other)]
    out, moved = [], []
    for k, sentence in enumerate(own):
        if k % 9 == 4:
            continue  # dropped
        if k % 13 == 6:
            moved.append(sentence)
            continue
        if k % 5 == 2:
            sentence = _NUMBER.sub(lambda m: str(int(m.group()) + 7), sentence)
        if k % 4 == 1:
            words = sentence.split(" ")
            if len(words) > 6:
                words[2], words[4] = words[4], words[2]
                sentence = " ".join(words)
        out.append(sentence)
        if k % 10 == 7 and foreign:
            out.append(foreign[k % len(foreign)])  # inserted
    return "\n\n".join(out + moved)


def pair_of(words: int) -> tuple[Article, Article]:
    a_text, other = texts_of(words, 2)
    return Article("a", a_text, language="fr"), Article("b", changed(a_text, other), language="fr")


def timed(f, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each run (CPU time tells the work apart from a busy machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        f()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, {args.runs} runs")

    a, b = pair_of(5000)
    c = compare(a, b)
    al = c.alignment
    print(
        f"5,000-word pair: A {len(a.text.split())} words, B {len(b.text.split())} words; "
        f"{len(al.pairs)} aligned pairs ({sum(p.moved for p in al.pairs)} moved), {len(al.only_a)} only in A, "
        f"{len(al.only_b)} only in B, {len(c.divergences.conflicts)} conflicts"
    )
    print("| step | wall p50 | wall max | CPU p50 |\n|---|---|---|---|")
    p50 = {}
    for name, f in (
        ("compare", lambda: compare(a, b)),
        ("render", lambda: html.render(c)),
        ("compare + render", lambda: html.render(compare(a, b))),
    ):
        wall, cpu = timed(f, args.runs)
        p50[name] = statistics.median(wall)
        print(f"| {name} | {p50[name]:.0f} ms | {max(wall):.0f} ms | {statistics.median(cpu):.0f} ms |")
    verdict = "met" if p50["render"] <= GOAL_MS else "NOT met"
    print(f"render p50 {p50['render']:.0f} ms: goal ≤ {GOAL_MS} ms {verdict}")

    print("\n| words (A) | text A+B (bytes) | page (bytes) | page / text |\n|---|---|---|---|")
    for words in (1000, 5000, 20000):
        a, b = pair_of(words)
        text = len(a.text.encode()) + len(b.text.encode())
        page = len(html.render(compare(a, b)).encode())
        print(f"| {len(a.text.split()):,} | {text:,} | {page:,} | {page / text:.1f} |")


if __name__ == "__main__":
    main()
