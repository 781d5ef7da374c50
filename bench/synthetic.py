"""Deterministic synthetic French news at any scale, made from the real ``fr_news_corpus``.

    from bench.synthetic import Synthetic
    synth = Synthetic.load()            # the corpus, split once into sentences
    synth.article(123_456)              # the same article for the same number, every run
    synth.rewrite(synth.article(7), 7)  # a controlled rewrite of it

How an article is made (``article(n)``, seeded by ``n``): 3–6 real sentences from each of
2–4 corpus articles picked at random, kept in each source's order, then numbers replaced by
other numbers and a few capitalised names swapped for names from other articles. So every
sentence is real French news prose, articles differ in the mix, and near 1M of them share
sentences only partly — as a news archive does, without the corpus's 15k articles repeating
verbatim.

``copy(article, n)`` is a near-duplicate: one sentence dropped, one number changed.
``rewrite(article, n)`` is a true derived version for recall checks: a fifth of the sentences
dropped, two neighbours swapped, one word in three of the rest removed from some sentences and
one number changed. ``fresh(n)`` mixes only held-out corpus articles (never used by
``article``, less any sentence a used article also has), so it is new to any index of
``article`` s. The corpus has about 15k articles, so at a million each source article lends
sentence runs to some 200 synthetic ones: the index is full of partial overlaps, a harder
case for candidate search than most archives.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.datasets import DEFAULT_DATA_DIR, read_jsonl
from dedup.model import Article

CORPUS = DEFAULT_DATA_DIR / "fr_news_corpus" / "articles.jsonl"
HELD_OUT = 1_000  # the corpus's last articles, kept for ``fresh``
_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ý«\"'0-9])")
_NUMBER = re.compile(r"\b\d+(?:[,.]\d+)?\b")
_NAME = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]{3,}\b")


@dataclass(slots=True)
class Synthetic:
    sources: list[list[str]]  # sentences of each corpus article used by ``article``
    held_out: list[list[str]]  # sentences of each article kept for ``fresh``
    names: list[str]
    seed: int = 0

    @classmethod
    def load(cls, path: Path = CORPUS, seed: int = 0) -> Synthetic:
        texts = [record["text"] for record in read_jsonl(path)]
        split = [s for s in ([x.strip() for x in _SENTENCE.split(t) if len(x.split()) >= 4] for t in texts) if s]
        names = sorted({m for t in texts[:2_000] for m in _NAME.findall(t)})
        sources = split[:-HELD_OUT]
        # The corpus repeats articles (OrangeSum pages): a held-out sentence that a source also
        # has would make ``fresh`` articles copies of indexed ones.
        used = {sentence for source in sources for sentence in source}
        held_out = [kept for kept in ([x for x in s if x not in used] for s in split[-HELD_OUT:]) if len(kept) >= 3]
        return cls(sources, held_out, names, seed)

    def _rng(self, kind: str, n: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{n}")

    def _mix(self, pool: list[list[str]], rng: random.Random) -> str:
        sentences = []
        for source in rng.sample(pool, rng.randint(2, 4)):
            take = min(len(source), rng.randint(3, 6))
            start = rng.randrange(len(source) - take + 1)
            sentences.extend(source[start : start + take])
        text = " ".join(sentences)
        text = _NUMBER.sub(lambda m: str(rng.randint(2, 2_000)) if rng.random() < 0.5 else m[0], text)
        present = sorted(set(_NAME.findall(text)))
        swaps = {name: rng.choice(self.names) for name in rng.sample(present, k=min(3, len(present)))}
        return _NAME.sub(lambda m: swaps.get(m[0], m[0]), text)

    def article(self, n: int) -> Article:
        """Synthetic article number ``n`` (id ``syn-n``)."""
        return Article(f"syn-{n}", self._mix(self.sources, self._rng("article", n)), language="fr")

    def articles(self, start: int, stop: int) -> Iterator[Article]:
        return (self.article(n) for n in range(start, stop))

    def fresh(self, n: int) -> Article:
        """An article made only of held-out sentences: new to any index of ``article`` s."""
        return Article(f"fresh-{n}", self._mix(self.held_out, self._rng("fresh", n)), language="fr")

    def rewrite(self, article: Article, n: int) -> Article:
        """A derived version of ``article``: sentences dropped and moved, words cut, a number changed."""
        rng = self._rng("rewrite", n)
        sentences = _SENTENCE.split(article.text)
        kept = [s for s in sentences if rng.random() >= 0.2] or sentences[:1]
        if len(kept) > 2:
            i = rng.randrange(len(kept) - 1)
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
        cut = []
        for sentence in kept:
            words = sentence.split()
            if rng.random() < 0.4 and len(words) > 6:
                words = [w for w in words if rng.random() >= 1 / 3]
            cut.append(" ".join(words))
        text = " ".join(cut)
        numbers = _NUMBER.findall(text)
        if numbers:
            text = text.replace(rng.choice(numbers), str(rng.randint(2, 2_000)), 1)
        return Article(f"rewrite-of-{article.id}", text, language="fr")

    def copy(self, article: Article, n: int) -> Article:
        """A near-duplicate of ``article``: one sentence dropped, one number changed."""
        rng = self._rng("copy", n)
        sentences = _SENTENCE.split(article.text)
        if len(sentences) > 3:
            del sentences[rng.randrange(len(sentences))]
        text = " ".join(sentences)
        numbers = list(_NUMBER.finditer(text))
        if numbers:
            m = rng.choice(numbers)
            text = f"{text[: m.start()]}{int(float(m[0].replace(',', '.'))) + 7}{text[m.end() :]}"
        return Article(f"copy-of-{article.id}", text, language="fr")

    def corpus(self, n: int, real: list[dict] | None = None) -> Iterator[dict]:
        """``n`` records for a scan: the ``real`` records first, then per number a new article
        (80%), a copy (10%) or a rewrite (10%) of an earlier one, so the share of duplicates is
        the same at every size, as in a news archive."""
        real = real or []
        yield from real[:n]
        for k in range(len(real), n):
            rng = self._rng("corpus", k)
            kind = rng.choices(("mix", "copy", "rewrite"), weights=(8, 1, 1))[0]
            article = self.article(k if kind == "mix" else rng.randrange(k))
            if kind == "copy":
                article = self.copy(article, k)
            elif kind == "rewrite":
                article = self.rewrite(article, k)
            yield {"id": f"{article.id}@{k}", "text": article.text, "language": "fr"}


def write(n: int, out: Path, path: Path = CORPUS, seed: int = 0) -> Path:
    """Write ``n`` records of :meth:`Synthetic.corpus` (the real articles of ``path`` first) as JSONL."""
    real = list(read_jsonl(path))
    with out.open("w", encoding="utf-8") as f:
        for record in Synthetic.load(path, seed).corpus(n, real):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out
