"""Document frequencies over a batch, for weighting terms by how rare they are."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from dedup.align import run_starts
from dedup.hashes import term_keys
from dedup.normalise import Analysis

# With fewer documents (a lone pair) every term gets the same weight; from three on, a term
# shared by the whole batch (its topic) counts less than one only two articles share.
MIN_DOCUMENTS = 3
# Weights are rounded to multiples of 2^-QUANTUM: any sum of them (below 2^(53 - QUANTUM)) is then
# exact, so the same in every order (numpy's, or a set's, which changes with the hash seed).
QUANTUM = 32


class TermCounts:
    """Document frequencies by term key (:func:`~dedup.hashes.term_keys`), in arrays. A scan's
    parent counts every article's terms: into a Counter of strings, 134 µs an article of 175
    terms once it held two million; here 5.5 µs. Keys are held as they come and summed into
    the counts every few million (sorting the values: an argsort was several times slower)."""

    PENDING = 1 << 22  # keys held before they are summed (32 MB)

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.int64)  # sorted, distinct
        self._counts = np.empty(0, dtype=np.int64)
        self._pending: list[np.ndarray] = []
        self._held = 0

    @classmethod
    def of_terms(cls, df: Mapping[str, int]) -> TermCounts:
        """Counts made by term (a term's count)."""
        counts = cls()
        keys = term_keys(list(df))
        order = np.argsort(keys)
        counts._merge(keys[order], np.fromiter(df.values(), dtype=np.int64, count=len(df))[order])
        return counts

    def add(self, keys: np.ndarray) -> None:
        """Count a document holding ``keys`` (distinct)."""
        self._pending.append(keys)
        self._held += len(keys)
        if self._held >= self.PENDING:
            self._sum()

    def _sum(self) -> None:
        if self._pending:
            keys = np.sort(np.concatenate(self._pending))
            self._pending, self._held = [], 0
            self._merge(keys, np.ones(len(keys), dtype=np.int64))

    def _merge(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Add ``counts`` of ``keys`` (sorted, perhaps repeated) to the counts kept: a merge of
        two sorted arrays, not a sort of both."""
        first = run_starts(keys)
        keys, counts = keys[first], np.add.reduceat(counts, first) if len(keys) else counts
        at = np.searchsorted(self._keys, keys)
        known = at < len(self._keys)
        known[known] = self._keys[at[known]] == keys[known]
        self._counts[at[known]] += counts[known]
        self._keys = np.insert(self._keys, at[~known], keys[~known])
        self._counts = np.insert(self._counts, at[~known], counts[~known])

    def of(self, keys: np.ndarray) -> np.ndarray:
        """How many documents hold each of ``keys``."""
        self._sum()
        if not len(self._keys):
            return np.zeros(len(keys), dtype=np.int64)
        at = np.searchsorted(self._keys, keys).clip(max=len(self._keys) - 1)
        return np.where(self._keys[at] == keys, self._counts[at], 0)


class Corpus:
    """Stem document frequencies; ``weight(stem)`` is a smoothed IDF."""

    def __init__(self, df: Mapping[str, int] | TermCounts | None = None, documents: int = 0) -> None:
        """Frequencies counted by term (``df``: a term's count, or counted by key already)."""
        self.counts = df if isinstance(df, TermCounts) else TermCounts.of_terms(df or {})
        self.documents = documents
        self._forget()

    def _forget(self) -> None:
        """Drop what was worked out from the counts (they changed)."""
        self._of_count: dict[int, float] = {}  # the weight of a document frequency
        # stem -> weight; ``weights[stem]`` is ``weight(stem)``: verification looks up tens of
        # millions of terms, and a memo hit then costs no Python call.
        self.weights: dict[str, float] = _Weights(self)
        self._table = _Table(self)

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
        self.counts.add(term_keys(list(document_terms(analysis))))
        self._forget()

    @property
    def informative(self) -> bool:
        return self.documents >= MIN_DOCUMENTS

    def weight(self, stem: str) -> float:
        return self.weights[stem]

    def keys_and_weights(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each term's key (:func:`~dedup.hashes.term_keys`) and weight, in order."""
        if not self.informative:  # nothing kept: the shared UNIFORM corpus would remember every word
            return term_keys(terms), np.ones(len(terms))
        return self._table.look_up(terms)

    def _idf(self, keys: np.ndarray) -> np.ndarray:
        """The weight of each term (by key)."""
        return np.fromiter(map(self._of, self.counts.of(keys).tolist()), dtype=np.float64, count=len(keys))

    def _of(self, count: int) -> float:
        w = self._of_count.get(count)
        if w is None:
            idf = math.log((self.documents + 1) / (count + 1)) + 1.0
            w = self._of_count[count] = round(idf * 2**QUANTUM) / 2**QUANTUM
        return w


class _Weights(dict[str, float]):
    """A corpus's term weights, each computed on its first look-up."""

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus

    def __missing__(self, stem: str) -> float:
        if not self.corpus.informative:  # not kept: the shared UNIFORM corpus would remember every word it saw
            return 1.0
        w = self[stem] = float(self.corpus._idf(term_keys([stem]))[0])
        return w


class _Table(dict[str, int]):
    """The terms an informative corpus has looked up, numbered, with their keys and weights in
    arrays: terms recur from article to article, and one look-up costs half of hashing and
    weighing a term again."""

    def __init__(self, corpus: Corpus) -> None:
        super().__init__()
        self.corpus = corpus
        self.keys = np.empty(0, dtype=np.int64)
        self.weights = np.empty(0, dtype=np.float64)
        self.new: list[str] = []  # terms met since the last look-up, numbered but not yet hashed

    def __missing__(self, term: str) -> int:
        self.new.append(term)
        row = self[term] = len(self)
        return row

    def look_up(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        rows = np.fromiter(map(self.__getitem__, terms), dtype=np.int64, count=len(terms))
        if self.new:
            if len(self) > len(self.keys):  # room for twice as many: each term is copied O(1) times
                self.keys = np.resize(self.keys, 2 * len(self))
                self.weights = np.resize(self.weights, 2 * len(self))
            begin, new = len(self) - len(self.new), self.new
            self.keys[begin : len(self)] = term_keys(new)
            self.weights[begin : len(self)] = self.corpus._idf(self.keys[begin : len(self)])
            new.clear()
        return self.keys[rows], self.weights[rows]


def document_terms(analysis: Analysis) -> set[str]:
    """The terms one article counts once towards document frequency: content and title stems,
    names and numbers (every term verification weighs)."""
    from dedup.score import prepare

    return prepare(analysis).terms


UNIFORM = Corpus()
