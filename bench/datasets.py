"""Loaders for the labelled evaluation sets in ``../shared/data`` and the split rule.

Every labelled unit belongs to one part, ``calibration`` (tune thresholds here) or ``report``
(quote figures from here), decided by :func:`part_of`, so calibration scripts and the quality
benchmark cut the data the same way::

    from bench.datasets import load_clough, part_of
    pairs = [p for p in load_clough().pairs if p.part == "calibration"]
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from dedup.model import Article

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
"""``../shared/data`` seen from the repository root."""

Part = Literal["calibration", "report"]
PARTS: tuple[Part, ...] = ("calibration", "report")

# The folder of each dataset under the data directory.
FOLDERS = {
    "clough": "clough_stevenson_2011",
    "meter": "meter_2001",
    "semeval": "semeval2022_task8",
    "wikiref": "wikiref220",
    "stsb": "stsb_multi_mt_fr",
}

SAME_STORY_MAX_OVERALL = 2.0
"""SemEval-2022 Task 8: a pair is the same story when ``overall <= 2`` (1 = very similar)."""


def hash_part(key: str) -> Part:
    """The stable part of a key: even SHA-1 goes to calibration, odd to report."""
    return "calibration" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "report"


def part_of(dataset: str, record: Mapping[str, Any]) -> Part:
    """The part of one labelled record (a ``pairs.jsonl`` row, or an article for WikiRef).

    * ``clough``: hash of the answer (``id_b``);
    * ``meter``: hash of the story ``cluster`` (a story never straddles both parts);
    * ``semeval``: hash of ``pair_id``;
    * ``stsb``: its own ``split`` (dev = calibration, test = report);
    * ``wikiref``: always report (nothing is tuned on it).
    """
    if dataset == "clough":
        return hash_part(str(record["id_b"]))
    if dataset == "meter":
        return hash_part(str(record["cluster"]))
    if dataset == "semeval":
        return hash_part(str(record["pair_id"]))
    if dataset == "stsb":
        return "calibration" if record["split"] == "dev" else "report"
    if dataset == "wikiref":
        return "report"
    raise ValueError(f"unknown dataset {dataset!r} (choose from {', '.join(FOLDERS)})")


def in_part(part: Part, wanted: str) -> bool:
    """Whether a unit of ``part`` is selected by ``wanted`` (calibration, report or all)."""
    return wanted == "all" or part == wanted


class HasPart(Protocol):
    @property
    def part(self) -> Part: ...


P = TypeVar("P", bound=HasPart)


def select(units: Iterable[P], wanted: str) -> list[P]:
    """The units selected by ``wanted`` (calibration, report or all)."""
    return [u for u in units if in_part(u.part, wanted)]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def to_article(record: Mapping[str, Any], origin: str = "") -> Article:
    """An Article from one ``articles.jsonl`` record."""
    return Article(
        id=str(record["id"]),
        text=record["text"],
        origin=origin,
        title=record.get("title") or None,
        date=record.get("date") or None,
        source=record.get("newspaper") or record.get("source") or None,
        url=record.get("url") or None,
        language=record.get("language") or record.get("lang") or None,
    )


def load_articles(path: Path) -> dict[str, Article]:
    """Every article of an ``articles.jsonl`` file, by id."""
    return {str(r["id"]): to_article(r, f"{path}:{n}") for n, r in enumerate(read_jsonl(path), start=1)}


@dataclass(frozen=True, slots=True)
class LabelledPair:
    """A labelled article pair. ``a`` is the source side where the dataset has one."""

    a: Article
    b: Article
    label: str  # clough: cut/light/heavy/non; meter: *_derived; semeval: same_story/different
    value: float  # clough, meter: reuse_level; semeval: overall (1 = very similar ... 4)
    part: Part
    record: dict[str, Any]  # the pairs.jsonl row as read


@dataclass(frozen=True, slots=True)
class PairSet:
    """Labelled pairs and every article of the dataset (for document frequencies)."""

    pairs: list[LabelledPair]
    articles: dict[str, Article]


@dataclass(frozen=True, slots=True)
class TextPair:
    """A scored pair of short texts (STS-B)."""

    id: str
    text_a: str
    text_b: str
    score: float  # 0-5, higher is more similar
    part: Part
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ClusterSet:
    """Articles with a gold grouping; ``noise`` articles belong to no group."""

    articles: list[Article]
    cluster_of: dict[str, str]
    part: Part = "report"


NOISE = "noise"


def dataset_dir(name: str, data_dir: Path | None = None) -> Path:
    return (data_dir or DEFAULT_DATA_DIR) / FOLDERS[name]


def _load_pairs(name: str, data_dir: Path | None, label_of: str) -> PairSet:
    folder = dataset_dir(name, data_dir)
    articles = load_articles(folder / "articles.jsonl")
    pairs = [
        LabelledPair(
            a=articles[str(r["id_a"])],
            b=articles[str(r["id_b"])],
            label=str(r[label_of]),
            value=float(r["reuse_level"]),
            part=part_of(name, r),
            record=r,
        )
        for r in read_jsonl(folder / "pairs.jsonl")
    ]
    return PairSet(pairs, articles)


def load_clough(data_dir: Path | None = None) -> PairSet:
    """Clough & Stevenson 2011: source (``a``) and answer (``b``), label cut/light/heavy/non."""
    return _load_pairs("clough", data_dir, "label")


def load_meter(data_dir: Path | None = None) -> PairSet:
    """METER: PA copy (``a``) and newspaper article (``b``), label wholly/partially/non_derived.

    A newspaper article appears once per PA file of its story; its label is the same in each.
    """
    return _load_pairs("meter", data_dir, "label")


def load_semeval(data_dir: Path | None = None) -> PairSet:
    """SemEval-2022 Task 8 pairs with both texts; ``value`` is ``overall`` (1 = very similar)."""
    folder = dataset_dir("semeval", data_dir)
    articles = load_articles(folder / "articles.jsonl")
    pairs = []
    for r in read_jsonl(folder / "pairs.jsonl"):
        overall = float(r["overall"])
        same = overall <= SAME_STORY_MAX_OVERALL
        pairs.append(
            LabelledPair(
                a=articles[str(r["id_a"])],
                b=articles[str(r["id_b"])],
                label="same_story" if same else "different",
                value=overall,
                part=part_of("semeval", r),
                record=r,
            )
        )
    return PairSet(pairs, articles)


def load_stsb(data_dir: Path | None = None, genre: str | None = "main-news") -> list[TextPair]:
    """French STS-B pairs of one genre (default: the 1,000 news pairs; None for all)."""
    path = dataset_dir("stsb", data_dir) / "pairs.jsonl"
    return [
        TextPair(
            id=str(r["id"]),
            text_a=r["text_a"],
            text_b=r["text_b"],
            score=float(r["score"]),
            part=part_of("stsb", r),
            record=r,
        )
        for r in read_jsonl(path)
        if genre is None or r["genre"] == genre
    ]


def load_wikiref(data_dir: Path | None = None) -> ClusterSet:
    """WikiRef220: 220 articles, ``cluster_of[id]`` is the topic. The ``noise`` articles come
    from 11 minor topics (``topic_raw``, mostly five articles each): each minor topic is its
    own group, ``noise/<topic_raw>``, so that two articles on one minor topic are not counted
    as a false merge while articles of two minor topics are."""
    path = dataset_dir("wikiref", data_dir) / "articles.jsonl"
    records = list(read_jsonl(path))
    articles = [to_article(r, f"{path}:{n}") for n, r in enumerate(records, start=1)]
    return ClusterSet(articles, {str(r["id"]): _wikiref_group(r) for r in records})


def _wikiref_group(record: Mapping[str, Any]) -> str:
    cluster = str(record["cluster"])
    return f"{NOISE}/{record['topic_raw']}" if cluster == NOISE else cluster
