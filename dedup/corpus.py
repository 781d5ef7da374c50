"""Document frequencies over a batch, for weighting terms by how rare they are."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from dedup.normalise import Analysis

# With fewer documents (a lone pair) every term gets the same weight; from three on, a term
# shared by the whole batch (its topic) counts less than one only two articles share.
MIN_DOCUMENTS = 3


class Corpus:
    """Stem document frequencies; ``weight(stem)`` is a smoothed IDF."""

    def __init__(self, df: Counter[str] | None = None, documents: int = 0) -> None:
        self.df: Counter[str] = df if df is not None else Counter()
        self.documents = documents
        self._weights: dict[str, float] = {}  # memo: verification asks for the same terms often

    @classmethod
    def from_analyses(cls, analyses: Iterable[Analysis]) -> Corpus:
        corpus = cls()
        for a in analyses:
            corpus.add(a)
        return corpus

    @classmethod
    def from_articles(cls, articles: Iterable) -> Corpus:  # Iterable[Article]
        from dedup.normalise import analyse

        return cls.from_analyses(analyse(a) for a in articles)

    def add(self, analysis: Analysis) -> None:
        self.documents += 1
        self._weights.clear()
        self.df.update(document_terms(analysis))

    @property
    def informative(self) -> bool:
        return self.documents >= MIN_DOCUMENTS

    def weight(self, stem: str) -> float:
        w = self._weights.get(stem)  # the memo first: verification asks millions of times
        if w is None:
            if not self.informative:
                return 1.0
            w = self._weights[stem] = math.log((self.documents + 1) / (self.df.get(stem, 0) + 1)) + 1.0
        return w


def document_terms(analysis: Analysis) -> set[str]:
    """The terms one article counts once towards document frequency: content and title stems,
    names and numbers (every term verification weighs)."""
    from dedup.score import fact_terms

    return {t.stem for t in analysis.content + analysis.title} | fact_terms(analysis)


UNIFORM = Corpus()
