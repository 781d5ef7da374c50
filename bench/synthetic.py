"""The real French corpus expanded deterministically to any size, with controlled variants.

``expand(n)`` yields ``n`` records: the real articles of ``fr_news_corpus`` first, then
synthetic ones, each made from real sentences and seeded by its number (the same record for
the same number, every run):

- 80% **mixes**: 3-6 consecutive sentences from each of 2-4 random real articles, with half of
  the numbers changed: new articles, which share sentences only partly with others;
- 10% **copies** of a real article with one sentence dropped and one number changed
  (``near_duplicate`` of it);
- 10% **rewrites**: a fifth of the sentences dropped, two neighbours swapped, one word in
  three cut from some sentences (derived from it).

So the share of duplicates stays the same at every size, as in a news archive, and the cost
of a scan measures the method rather than a corpus that repeats itself.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from bench.datasets import DEFAULT_DATA_DIR, read_jsonl

CORPUS = DEFAULT_DATA_DIR / "fr_news_corpus" / "articles.jsonl"
_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ý«\"0-9])")
_NUMBER = re.compile(r"\b\d+(?:[,.]\d+)?\b")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.split()) >= 4]


def _renumber(text: str, rng: random.Random, share: float) -> str:
    return _NUMBER.sub(lambda m: str(rng.randint(2, 2_000)) if rng.random() < share else m[0], text)


def _variant(n: int, sources: list[list[str]], seed: int) -> tuple[str, str]:
    rng = random.Random(f"{seed}:{n}")
    kind = rng.choices(("mix", "copy", "rewrite"), weights=(8, 1, 1))[0]
    if kind == "mix":
        picked = []
        for source in rng.sample(sources, rng.randint(2, 4)):
            take = min(len(source), rng.randint(3, 6))
            start = rng.randrange(len(source) - take + 1)
            picked += source[start : start + take]
        return kind, _renumber(" ".join(picked), rng, 0.5)
    original = list(rng.choice(sources))
    if kind == "copy":
        if len(original) > 3:
            del original[rng.randrange(len(original))]
        text = " ".join(original)
        numbers = list(_NUMBER.finditer(text))
        if numbers:
            m = rng.choice(numbers)
            text = text[: m.start()] + str(int(float(m[0].replace(",", "."))) + 7) + text[m.end() :]
        return kind, text
    kept = [s for s in original if rng.random() >= 0.2] or original[:1]
    if len(kept) > 2:
        k = rng.randrange(len(kept) - 1)
        kept[k], kept[k + 1] = kept[k + 1], kept[k]
    cut = [" ".join(w for i, w in enumerate(s.split()) if i % 3 != 2) if rng.random() < 0.5 else s for s in kept]
    return kind, " ".join(cut)


def expand(n: int, path: Path = CORPUS, seed: int = 0) -> Iterator[dict[str, str]]:
    """``n`` records (``id``, ``text``, ``language``; real ones keep their other fields)."""
    real = list(read_jsonl(path))
    yield from real[:n]
    sources = [s for s in (_sentences(r["text"]) for r in real) if len(s) >= 3]
    for k in range(len(real), n):
        kind, text = _variant(k, sources, seed)
        yield {"id": f"syn-{kind}-{k}", "text": text, "language": "fr"}


def write(n: int, out: Path, path: Path = CORPUS, seed: int = 0) -> Path:
    """Write ``expand(n)`` as JSONL."""
    with out.open("w", encoding="utf-8") as f:
        for record in expand(n, path, seed):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out
