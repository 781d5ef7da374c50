"""GitLab Code Quality JSON (``artifacts: reports: codequality:``): one issue per notable match
of a new article; ``major`` when the article fails the check, ``minor`` otherwise."""

from __future__ import annotations

import json

from dedup.check import CheckResult
from dedup.reports import ci

_SEVERITY = {ci.Level.ERROR: "major", ci.Level.WARNING: "minor"}


def render(result: CheckResult) -> str:
    issues = []
    for item in ci.items(result, ci.Level.WARNING):
        path, line = ci.location(item.article)
        issues.append(
            {
                "type": "issue",
                "description": item.message(),
                "check_name": item.rule_id,
                "categories": ["Duplication"],
                "fingerprint": item.fingerprint,
                "severity": _SEVERITY[item.level],
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"
