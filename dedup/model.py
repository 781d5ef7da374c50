"""The data every other module passes around: articles, spans, verdicts, clusters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import KW_ONLY, dataclass, field, fields
from enum import IntEnum
from typing import Any


class Relation(IntEnum):
    """How two articles relate, ordered so that a stronger relation compares greater."""

    UNRELATED = 0
    RELATED = 1
    SAME_EVENT = 2
    REWRITE = 3
    NEAR_DUPLICATE = 4
    EXACT = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> Relation:
        try:
            return cls[name.strip().upper().replace("-", "_")]
        except KeyError:
            choices = ", ".join(r.label for r in cls)
            raise ValueError(f"unknown relation {name!r} (choose from {choices})") from None


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in an article's original text."""

    start: int
    end: int


@dataclass(slots=True)
class ArticleInfo:
    """An article without its text: what a report prints about it. A scan of a stream of articles
    keeps only these, so that its memory does not grow with the texts."""

    id: str
    _: KW_ONLY  # after the id, Article's text comes second: Article(id, text, origin=...)
    origin: str = ""  # file path, with ":line" for records
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None

    def info(self) -> ArticleInfo:
        """This article without its text (the same strings, not copies)."""
        return ArticleInfo(**{f.name: getattr(self, f.name) for f in fields(ArticleInfo)})

    def metadata(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("origin", self.origin),
                ("title", self.title),
                ("date", self.date),
                ("source", self.source),
                ("url", self.url),
                ("language", self.language),
            )
            if v
        }


@dataclass(slots=True)
class Article(ArticleInfo):
    """One article: its id, original text (never modified) and metadata."""

    text: str


@dataclass(slots=True)
class PairVerdict:
    """The relation between two articles with the scores behind it."""

    a: str
    b: str
    relation: Relation
    score: float
    scores: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "relation": self.relation.label,
            "score": round(self.score, 4),
            "scores": {k: (None if v is None else round(v, 4)) for k, v in self.scores.items()},
        }


@dataclass(slots=True)
class Cluster:
    """Articles joined by verdicts at or above a chosen relation."""

    members: list[str]
    pairs: Sequence[PairVerdict]

    def to_dict(self) -> dict[str, Any]:
        return {"members": self.members, "pairs": list(self.joined())}

    def joined(self) -> Iterator[dict[str, Any]]:
        """Each pair that joined the cluster, as the report shows it."""
        return ({"a": p.a, "b": p.b, "relation": p.relation.label, "score": round(p.score, 4)} for p in self.pairs)


@dataclass(slots=True)
class Problem:
    """An input that could not be read: where, and why."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
