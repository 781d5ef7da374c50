"""Document frequencies over a batch, for weighting terms by how rare they are."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from dedup.normalise import Analysis

# With fewer documents (a lone pair) every term gets the same weight; from three on, a term
# shared by the whole batch (its topic) counts less than one only two articles share.
MIN_DOCUMENTS = 3
# Weights are rounded to multiples of 2^-QUANTUM: any sum of them (below 2^(53 - QUANTUM)) is then
# exact, so the same in every order (numpy's, or a set's, which changes with the hash seed).
QUANTUM = 32


class Corpus:
    """Stem document frequencies; ``weight(stem)`` is a smoothed IDF."""

    def __init__(self, df: Counter[str] | None = None, documents: int = 0) -> None:
        self.df: Counter[str] = df if df is not None else Counter()
        self.documents = documents
        # stem -> weight; ``weights[stem]`` is ``weight(stem)``: verification looks up tens of
        # millions of terms, and a memo hit then costs no Python call.
        self.weights: dict[str, float] = _Weights(self)

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
        self.weights.clear()
        self.df.update(document_terms(analysis))

    @property
    def informative(self) -> bool:
        return self.documents >= MIN_DOCUMENTS

    def weight(self, stem: str) -> float:
        return self.weights[stem]


class _Weights(dict[str, float]):
    """A corpus's term weights, each computed on its first look-up."""

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus
        self._of_count: dict[int, float] = {}  # the weight of a document frequency

    def __missing__(self, stem: str) -> float:
        c = self.corpus
        if not c.informative:  # not kept: the shared UNIFORM corpus would remember every word it saw
            return 1.0
        count = c.df.get(stem, 0)
        w = self._of_count.get(count)
        if w is None:
            idf = math.log((c.documents + 1) / (count + 1)) + 1.0
            w = self._of_count[count] = round(idf * 2**QUANTUM) / 2**QUANTUM
        self[stem] = w
        return w

    def clear(self) -> None:
        super().clear()
        self._of_count.clear()


def document_terms(analysis: Analysis) -> set[str]:
    """The terms one article counts once towards document frequency: content and title stems,
    names and numbers (every term verification weighs)."""
    from dedup.score import prepare

    return prepare(analysis).terms


UNIFORM = Corpus()
