"""The JSON report: the result's ``to_dict()``, stable key order, UTF-8 kept readable; and
JSON Lines for ``check``: one object per new article."""

from __future__ import annotations

import json
from typing import Any


def render(result: Any) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_jsonl(result: Any) -> str:
    """One line per finding of a check: the ``findings`` entry of the JSON report with
    ``schema_version`` and ``fail_on``, so that each line stands alone."""
    report = result.to_dict()
    head = {"schema_version": report["schema_version"], "fail_on": report["fail_on"]}
    return "".join(json.dumps({**head, **f}, ensure_ascii=False) + "\n" for f in report["findings"])
