"""What the CI formats report and at what level; shared by github, junit, sarif and gitlab.

Every match of a new article becomes one :class:`Item`: ``error`` when it reaches the check's
``--fail-on`` (the article fails), ``warning`` when it is notable (``same_event`` or stronger)
but below ``--fail-on``, ``note`` when it is merely ``related``. Each renderer picks the levels
its platform shows; the rule ids and fingerprints are the same in every format.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from dedup.check import CheckResult, Finding, Match
from dedup.model import Article, Relation

NOTABLE = Relation.SAME_EVENT  # weaker than this (``related``) is context, not a warning
RELATIONS = [r for r in sorted(Relation, reverse=True) if r >= Relation.RELATED]  # strongest first


class Level(IntEnum):
    NOTE = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Item:
    """One match of one new article, with the level a CI platform should give it."""

    article: Article
    finding: Finding
    match: Match
    level: Level

    @property
    def relation(self) -> Relation:
        return self.match.verdict.relation

    @property
    def rule_id(self) -> str:
        return rule_id(self.relation)

    @property
    def fingerprint(self) -> str:
        """Stable across runs and machines: the rule and both ids, never scores or paths."""
        where = "index" if self.match.in_index else "batch"
        key = "\0".join((self.rule_id, self.finding.id, where, self.match.id))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def message(self) -> str:
        """One sentence: the new article, the relation, the matched article and where it is."""
        where = "an indexed article" if self.match.in_index else "another new article"
        return (
            f"{self.finding.id}: {relation_text(self.relation)} {self.match.id} "
            f"({where}, score {self.match.verdict.score:.2f})"
        )


def rule_id(relation: Relation) -> str:
    return "DEDUP-" + relation.label.upper().replace("_", "-")


def relation_text(relation: Relation) -> str:
    return {
        Relation.EXACT: "exact copy of",
        Relation.NEAR_DUPLICATE: "near-duplicate of",
        Relation.REWRITE: "rewrite of",
        Relation.SAME_EVENT: "same event as",
        Relation.RELATED: "related to",
    }.get(relation, "unrelated to")


def level(match: Match, fail_on: Relation) -> Level:
    relation = match.verdict.relation
    if relation >= fail_on:
        return Level.ERROR
    return Level.WARNING if relation >= NOTABLE else Level.NOTE


def pairs(result: CheckResult) -> Iterator[tuple[Article, Finding]]:
    """Each new article with its finding (both in the order read)."""
    return zip(result.articles, result.findings, strict=True)


def items(result: CheckResult, at_least: Level = Level.NOTE) -> list[Item]:
    """Every match at ``at_least`` or above, article by article, strongest match first."""
    out = []
    for article, finding in pairs(result):
        for match in finding.matches:
            lvl = level(match, result.fail_on)
            if lvl >= at_least:
                out.append(Item(article, finding, match, lvl))
    return out


def location(article: Article) -> tuple[str, int]:
    """Where a new article lives, for an annotation: its file relative to the working
    directory (with the record's line for a JSONL record), else its id on line 1."""
    origin = article.origin
    line = 1
    if origin and not Path(origin).is_file():
        head, _, tail = origin.rpartition(":")
        if head and tail.isdigit():
            origin, line = head, int(tail)
    if not origin or not Path(origin).is_file():
        return article.id, 1
    try:
        path = os.path.relpath(origin)
    except ValueError:  # another drive on Windows
        path = os.path.abspath(origin)
    return Path(path).as_posix(), line
