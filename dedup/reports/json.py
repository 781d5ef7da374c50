"""The JSON report: the result's ``to_dict()``, stable key order, UTF-8 kept readable; and
JSON Lines for ``check``: one object per new article."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def render(result: Any) -> str:
    return "".join(chunks(result.to_dict()))


def render_chunks(result: Any) -> Iterator[str]:
    """The report in pieces, for a result too large to hold as one string: its lists come from
    ``to_dict(lazy=True)`` as iterators, written an item at a time. The same text as :func:`render`."""
    lazy = getattr(result, "to_dict_lazy", None)
    return chunks(lazy() if lazy else result.to_dict())


def chunks(report: dict[str, Any]) -> Iterator[str]:
    """``json.dumps(report, ensure_ascii=False, indent=2)`` and a newline, in pieces; a value that
    is an iterator (not a list) is written as a list, item by item."""
    yield "{"
    for n, (key, value) in enumerate(report.items()):
        yield f"{',' if n else ''}\n  {_dumps(key)}: "
        if isinstance(value, Iterator):
            yield from _items(value)
        else:
            yield _dumps(value).replace("\n", "\n  ")
    yield "\n}\n" if report else "}\n"


def _items(values: Iterable[Any]) -> Iterator[str]:
    empty = True
    for value in values:
        yield ("[" if empty else ",") + "\n    " + _dumps(value).replace("\n", "\n    ")
        empty = False
    yield "[]" if empty else "\n  ]"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)  # strings hold no raw newline: "\n" is layout


def render_jsonl(result: Any) -> str:
    """One line per finding of a check: the ``findings`` entry of the JSON report with
    ``schema_version`` and ``fail_on``, so that each line stands alone."""
    report = result.to_dict()
    head = {"schema_version": report["schema_version"], "fail_on": report["fail_on"]}
    return "".join(json.dumps({**head, **f}, ensure_ascii=False) + "\n" for f in report["findings"])
