"""The verdicts of a scan in numpy columns.

A :class:`~dedup.model.PairVerdict` object with its dictionary of scores takes about a
kilobyte; a scan of a million articles keeps millions of them. Here a pair takes the bytes
of its numbers (about 100), and each :class:`PairVerdict` is made again when it is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from dedup.model import PairVerdict, Relation

# Scores that are whole numbers (or None), given back as ints; the others as floats.
INTEGRAL = frozenset({"date_gap_days"})


@dataclass(frozen=True, slots=True)
class Verdicts(Sequence[PairVerdict]):
    """Pairs of articles numbered in ``ids``, with their relation, score and named scores."""

    ids: Sequence[str]
    firsts: np.ndarray  # article numbers
    seconds: np.ndarray
    relations: np.ndarray  # Relation values
    values: np.ndarray  # (pairs, 1 + len(names)): the graded score, then the named scores; NaN for None
    names: tuple[str, ...]

    @classmethod
    def pack(cls, ids: Sequence[str], numbered: Iterable[tuple[int, int, PairVerdict]]) -> Verdicts:
        """Verdicts of articles ``ids[i]`` and ``ids[j]`` given as ``(i, j, verdict)``; every
        verdict has the same score names."""
        rows = list(numbered)
        names = tuple(rows[0][2].scores) if rows else ()
        values = np.array(
            [[v.score, *(np.nan if x is None else x for x in v.scores.values())] for _, _, v in rows],
            dtype=np.float64,
        ).reshape(len(rows), 1 + len(names))
        return cls(
            ids,
            np.array([i for i, _, _ in rows], dtype=np.uint32),
            np.array([j for _, j, _ in rows], dtype=np.uint32),
            np.array([int(v.relation) for _, _, v in rows], dtype=np.int8),
            values,
            names,
        )

    @classmethod
    def concatenate(cls, ids: Sequence[str], parts: Sequence[Verdicts]) -> Verdicts:
        """The verdicts of ``parts`` (packed with any ids), in order, as pairs of ``ids``."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.pack(ids, [])
        names = parts[0].names
        if any(p.names != names for p in parts):
            raise ValueError("verdicts with different scores cannot be put together")
        return cls(
            ids,
            np.concatenate([p.firsts for p in parts]),
            np.concatenate([p.seconds for p in parts]),
            np.concatenate([p.relations for p in parts]),
            np.concatenate([p.values for p in parts]),
            names,
        )

    def strongest_first(self) -> Verdicts:
        """Sorted by relation, then score (strongest first), then the two ids."""
        rank = np.empty(len(self.ids), dtype=np.int64)
        rank[sorted(range(len(self.ids)), key=self.ids.__getitem__)] = np.arange(len(self.ids))
        order = np.lexsort((rank[self.seconds], rank[self.firsts], -self.values[:, 0], -self.relations))
        return self.take(order)

    def take(self, rows: np.ndarray) -> Verdicts:
        """The verdicts at positions ``rows``, in that order."""
        return Verdicts(
            self.ids, self.firsts[rows], self.seconds[rows], self.relations[rows], self.values[rows], self.names
        )

    def rows(self, rows: np.ndarray) -> Sequence[PairVerdict]:
        """The verdicts at positions ``rows``, read from these columns when asked for (not copied,
        unlike :meth:`take`)."""
        return _Rows(self, rows)

    def __len__(self) -> int:
        return len(self.firsts)

    @overload
    def __getitem__(self, k: int) -> PairVerdict: ...
    @overload
    def __getitem__(self, k: slice) -> Verdicts: ...
    def __getitem__(self, k: int | slice) -> PairVerdict | Verdicts:
        if isinstance(k, slice):
            return self.take(np.arange(len(self))[k])
        values = self.values[k].tolist()
        return PairVerdict(
            self.ids[int(self.firsts[k])],
            self.ids[int(self.seconds[k])],
            Relation(int(self.relations[k])),
            values[0],
            {name: _score(name, x) for name, x in zip(self.names, values[1:], strict=True)},
        )

    def __iter__(self) -> Iterator[PairVerdict]:
        return (self[k] for k in range(len(self)))


@dataclass(frozen=True, slots=True, eq=False)  # compared as objects: == on numpy columns is ambiguous
class _Rows(Sequence[PairVerdict]):
    verdicts: Verdicts
    positions: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, k: int) -> PairVerdict: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[PairVerdict]: ...
    def __getitem__(self, k: int | slice) -> PairVerdict | Sequence[PairVerdict]:
        if isinstance(k, slice):
            return _Rows(self.verdicts, self.positions[k])
        return self.verdicts[int(self.positions[k])]


def _score(name: str, value: float) -> float | int | None:
    if value != value:  # NaN stands for None
        return None
    return int(value) if name in INTEGRAL else value
