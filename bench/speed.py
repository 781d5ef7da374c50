"""Speed: MinHash signatures per second side by side, and ``dedup scan`` end to end at scale.

    python bench/speed.py                       # signatures, then scans of 10k and 100k articles
    python bench/speed.py --sizes 10000 100000 1000000 --jobs 2

1. **Signatures**: the same documents (real ``fr_news_corpus`` articles of at least 400 words,
   cut to their first 400 folded words) signed by datasketch's ``MinHash.update`` loop, its
   bulk API (``MinHash.bulk``), rensa's ``RMinHash`` (another scheme: speed only) and ours
   (``dedup.fingerprint.shingle_signatures``), 128 permutations, 5-word shingles. Every one
   starts from the document's word text, so building shingle strings counts for those that
   need them; rensa is also timed on prebuilt shingles, its best case.
2. **Scans**: the corpus expanded deterministically (``bench/synthetic.py``) to each size,
   ``python -m dedup scan FILE --format json --jobs N`` under ``/usr/bin/time -v`` (wall time,
   peak resident memory), then the exponent of a least-squares fit of log(time) on log(n),
   and the curve as ``bench/speed.png``.

The load average (others share this machine) is printed before each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import CORPUS, write
from dedup import minhash
from dedup.fingerprint import shingle_list, shingle_signatures, split_words
from dedup.normalise import tokens

HERE = Path(__file__).resolve().parent
WORDS = 400


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"


def documents(count: int) -> list[str]:
    """Word texts of the first ``count`` corpus articles with at least WORDS words, cut to WORDS."""
    out = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            words = [t.norm for t in tokens(json.loads(line)["text"], "fr") if not t.elided]
            if len(words) >= WORDS:
                out.append(" ".join(words[:WORDS]))
                if len(out) == count:
                    break
    return out


def best_rate(run: Callable[[], object], count: int, repeats: int) -> float:
    """Documents per second, the best of ``repeats`` runs (others' jobs only ever slow a run)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def signatures(count: int, repeats: int) -> dict[str, float]:
    from datasketch import MinHash
    from rensa import RMinHash

    docs = documents(count)
    shingled = [shingle_list(split_words(d), 5) for d in docs]

    def update_loop() -> None:
        for d in docs:
            m = MinHash(num_perm=128, seed=1, scheme="affine32")
            for s in shingle_list(split_words(d), 5):
                m.update(s.encode("utf-8"))

    def bulk() -> None:
        MinHash.bulk(
            ([s.encode("utf-8") for s in shingle_list(split_words(d), 5)] for d in docs),
            num_perm=128,
            seed=1,
            scheme="affine32",
        )

    def rensa(prebuilt: bool) -> Callable[[], None]:
        def run() -> None:
            for n, d in enumerate(docs):
                m = RMinHash(num_perm=128, seed=1)
                m.update(shingled[n] if prebuilt else shingle_list(split_words(d), 5))
                m.digest()

        return run

    minhash.use_compiled(False)
    numpy_rate = best_rate(lambda: shingle_signatures(docs), len(docs), repeats)
    minhash.use_compiled()  # what a scan signs with, past its first few thousand articles
    shingle_signatures(docs[:2])  # compile (or load) the kernel outside the timing
    print(f"signatures: {len(docs)} documents of {WORDS} words, 128 permutations; {load()}")
    rates = {
        "datasketch MinHash.update loop": best_rate(update_loop, len(docs), 1),
        "datasketch MinHash.bulk": best_rate(bulk, len(docs), 1),
        "rensa RMinHash": best_rate(rensa(False), len(docs), repeats),
        "rensa RMinHash, shingles prebuilt": best_rate(rensa(True), len(docs), repeats),
        "dedup shingle_signatures": best_rate(lambda: shingle_signatures(docs), len(docs), repeats),
        "dedup shingle_signatures, numpy": numpy_rate,
    }
    ours = rates["dedup shingle_signatures"]
    for name, rate in rates.items():
        print(f"  {name:36} {rate:10,.0f} docs/s   dedup is x{ours / rate:.2f}")
    return rates


def scan(
    n: int, jobs: int, folder: Path, compare_with: str | None = None, max_candidates: int | None = None
) -> dict[str, float]:
    data = write(n, folder / f"corpus-{n}.jsonl")
    capped = [] if max_candidates is None else ["--max-candidates", str(max_candidates)]
    print(f"scan of {n:,} articles, --jobs {jobs} {' '.join(capped)}; {load()}", flush=True)
    command = [sys.executable, "-m", "dedup", "scan", str(data), "--format", "json", "--jobs", str(jobs), *capped]
    report = folder / f"scan-{n}.json"
    with report.open("wb") as out:
        done = subprocess.run(["/usr/bin/time", "-v", *command], stdout=out, stderr=subprocess.PIPE, text=False)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise SystemExit(f"scan of {n} failed:\n{stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", stderr)
    assert wall is not None
    hours, minutes, seconds = wall.groups()
    seconds_total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)[1])  # type: ignore[index]
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", stderr)[1]) for kind in ("User", "System"))  # type: ignore[index]
    summary = _summary(report)
    if compare_with:
        text_dedup(compare_with, data, report, jobs, folder)
    data.unlink()
    row = {"n": n, "wall_s": seconds_total, "cpu_s": cpu, "peak_gb": rss / 1024**2, **summary}
    print(
        f"  {n:>9,} articles  {seconds_total:8.1f} s wall  {cpu:8.1f} s CPU  {rss / 1024**2:5.2f} GB peak  "
        f"{summary['candidates']:,} candidates  {summary['pairs']:,} pairs  {summary['clusters']:,} clusters",
        flush=True,
    )
    return row


def pairs_within(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {(a, b) if a < b else (b, a) for g in groups for k, a in enumerate(g) for b in g[k + 1 :]}


def joined(pairs: list[dict], at_least: set[str]) -> list[list[str]]:
    """Clusters of the report's pairs whose relation is in ``at_least`` (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for p in pairs:
        if p["relation"] in at_least:
            parent[find(p["a"])] = find(p["b"])
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [g for g in groups.values() if len(g) > 1]


def text_dedup(python: str, data: Path, report: Path, jobs: int, folder: Path) -> None:
    """text-dedup's MinHash (5-grams, 128 permutations, Jaccard 0.5) on the same file, its
    clusters against ours (its ``--debug`` union-find, read with its own interpreter)."""
    out = folder / "text-dedup"
    command = [python, "-m", "text_dedup.minhash", "--path", "json", "--data_files", str(data), "--split", "train"]
    command += ["--output", str(out), "--column", "text", "--num_perm", "128", "--ngram", "5", "--threshold", "0.5"]
    command += ["--num_proc", str(jobs), "--debug"]
    print(f"text-dedup MinHash on the same file; {load()}", flush=True)
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"  text-dedup failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    read_uf = (
        "import json, pickle, sys; u = pickle.load(open(sys.argv[1], 'rb'));"
        "print(json.dumps({k: u.find(k) for k in u.parent}))"
    )
    dumped = subprocess.run([python, "-c", read_uf, str(out / "uf.pkl")], capture_output=True, check=True)
    roots = json.loads(dumped.stdout)
    with data.open(encoding="utf-8") as f:
        ids = [json.loads(line)["id"] for line in f]
    groups: dict[int, list[str]] = {}
    for row, root in roots.items():
        groups.setdefault(root, []).append(ids[int(row)])
    theirs = pairs_within([g for g in groups.values() if len(g) > 1])
    ours = json.loads(report.read_text(encoding="utf-8"))
    near = pairs_within(joined(ours["pairs"], {"exact", "near_duplicate"}))
    derived = pairs_within(joined(ours["pairs"], {"exact", "near_duplicate", "rewrite"}))
    print(f"  {seconds:.1f} s wall; {len(theirs):,} pairs in its clusters")
    for name, mine in (("near_duplicate or stronger", near), ("rewrite or stronger", derived)):
        both = len(theirs & mine)
        print(
            f"  dedup {name}: {len(mine):,} pairs in clusters; {both:,} shared "
            f"({both / max(len(theirs), 1):.1%} of text-dedup's, {both / max(len(mine), 1):.1%} of dedup's)"
        )


def _summary(report: Path) -> dict[str, int]:
    """The report's summary, read from its head: parsing a million articles' report whole took
    more than the machine's 23 GB."""
    with report.open(encoding="utf-8") as fh:
        head = fh.read(1 << 16)
    found = re.search(r'"summary": (\{[^{}]*\})', head)
    if found is None:
        raise SystemExit(f"{report}: no summary in its first 64 kB")
    return json.loads(found[1])


def exponent(rows: list[dict[str, float]], key: str) -> float:
    """The slope of log(time) against log(n)."""
    return float(np.polyfit(np.log([r["n"] for r in rows]), np.log([r[key] for r in rows]), 1)[0])


def plot(rows: list[dict[str, float]], slope: float, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = np.array([r["n"] for r in rows])
    t = np.array([r["cpu_s"] for r in rows])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.loglog(n, [r["wall_s"] for r in rows], "s--", label="wall time (shared machine)")
    ax.loglog(n, t, "o-", label="CPU time, all processes")
    ax.loglog(n, t[0] * (n / n[0]), ":", color="grey", label="linear from the first point")
    for x, y, r in zip(n, t, rows, strict=True):
        ax.annotate(f"{y:.0f} s CPU, {r['peak_gb']:.1f} GB", (x, y), textcoords="offset points", xytext=(5, -12))
    ax.set_xlabel("articles")
    ax.set_ylabel("seconds")
    ax.set_title(f"dedup scan --jobs 2: CPU time ~ n^{slope:.2f}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=2000, help="documents for the signature comparison")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--plot", type=Path, default=HERE / "speed.png")
    parser.add_argument("--max-candidates", type=int, help="for dedup scan (0: all candidates)")
    parser.add_argument(
        "--text-dedup", metavar="PYTHON", help="an interpreter with text-dedup installed: compared at the first size"
    )
    args = parser.parse_args()
    if args.documents:
        signatures(args.documents, args.repeats)
    if not args.sizes:
        return
    with tempfile.TemporaryDirectory(prefix="dedup-speed-") as tmp:
        rows = [
            scan(n, args.jobs, Path(tmp), args.text_dedup if k == 0 else None, args.max_candidates)
            for k, n in enumerate(args.sizes)
        ]
    if len(rows) >= 2:
        slope = exponent(rows, "cpu_s")
        print(f"fitted exponent against n: wall time {exponent(rows, 'wall_s'):.2f}, CPU time {slope:.2f}")
        plot(rows, slope, args.plot)
        print(f"curve: {args.plot}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
