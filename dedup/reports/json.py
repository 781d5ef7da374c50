"""The JSON report: the result's ``to_dict()``, stable key order, UTF-8 kept readable."""

from __future__ import annotations

import json
from typing import Any


def render(result: Any) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
