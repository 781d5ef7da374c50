"""SARIF 2.1.0 (GitHub code scanning and other SARIF viewers): one rule per relation with a
stable id (``DEDUP-REWRITE``), one result per match of a new article, the new article as the
location and the matched one as a related location, fingerprints stable across runs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from dedup import __version__
from dedup.check import CheckResult
from dedup.model import Relation
from dedup.reports import ci

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "dedupMatch/v1"  # bump the suffix whenever what goes into the fingerprint changes

_RULE_TEXT = {
    Relation.EXACT: ("Exact copy", "The article has the same text as another after normalisation."),
    Relation.NEAR_DUPLICATE: (
        "Near-duplicate",
        "A copy with edits: a quarter or more of the shorter text's 5-word runs appear verbatim in the other.",
    ),
    Relation.REWRITE: ("Rewrite", "One article is derived from the other and reworded."),
    Relation.SAME_EVENT: ("Same event", "Independent reports of the same event."),
    Relation.RELATED: ("Related", "Same topic or actors, a different event."),
}
_LEVEL = {ci.Level.ERROR: "error", ci.Level.WARNING: "warning", ci.Level.NOTE: "note"}


def _uri(path: str) -> str:
    return quote(path, safe="/")


def _rules() -> list[dict[str, Any]]:
    rules = []
    for relation in ci.RELATIONS:
        name, text = _RULE_TEXT[relation]
        rules.append(
            {
                "id": ci.rule_id(relation),
                "name": "".join(w.capitalize() for w in relation.label.split("_")),
                "shortDescription": {"text": f"{name} ({relation.label})"},
                "fullDescription": {"text": text},
                "properties": {"relation": relation.label},
            }
        )
    return rules


def render(result: CheckResult) -> str:
    rule_index = {ci.rule_id(r): n for n, r in enumerate(ci.RELATIONS)}
    results = []
    for item in ci.items(result):
        path, line = ci.location(item.article)
        m = item.match
        where = "indexed" if m.in_index else "new in this batch"
        results.append(
            {
                "ruleId": item.rule_id,
                "ruleIndex": rule_index[item.rule_id],
                "level": _LEVEL[item.level],
                "message": {"text": item.message()},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(path)},
                            "region": {"startLine": line},
                        },
                        "logicalLocations": [{"name": item.finding.id, "kind": "module"}],
                    }
                ],
                "relatedLocations": [
                    {
                        "id": 1,
                        "physicalLocation": {"artifactLocation": {"uri": _uri(m.id)}},
                        "message": {"text": f"{m.id} ({where}): {item.relation.label} {m.verdict.score:.2f}"},
                    }
                ],
                "partialFingerprints": {FINGERPRINT: item.fingerprint},
                "properties": {
                    "relation": item.relation.label,
                    "score": m.verdict.score,
                    "matched": m.id,
                    "inIndex": m.in_index,
                    "scores": m.verdict.scores,
                },
            }
        )
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "dedup", "version": __version__, "rules": _rules()}},
                "results": results,
                "properties": {
                    "failOn": result.fail_on.label,
                    "failed": result.failed,
                    "index": {"path": result.index_path, "articles": result.indexed},
                },
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
