"""The JSON report: the result's ``to_dict()``, stable key order, UTF-8 kept readable; and
JSON Lines for ``check``: one object per new article."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any


def render(result: Any) -> str:
    return "".join(chunks(result.to_dict()))


def render_chunks(result: Any) -> Iterator[str]:
    """The report in pieces, for a result too large to hold as one string: its lists come from
    ``to_dict_lazy()`` as iterators, written an item at a time. The same text as :func:`render`."""
    lazy = getattr(result, "to_dict_lazy", None)
    return chunks(lazy() if lazy else result.to_dict())


def chunks(report: dict[str, Any]) -> Iterator[str]:
    """``json.dumps(report, ensure_ascii=False, indent=2)`` and a newline, in pieces; an iterator
    (not a list) held by a dictionary or by another iterator is written as a list, item by item."""
    yield from _encode(report, "\n")
    yield "\n"


def _encode(value: Any, newline: str) -> Iterator[str]:
    """``value`` as ``json.dumps(value, indent=2)`` would write it at the indentation that
    ``newline`` (a newline and spaces) carries; containers holding an iterator are written
    part by part, the others in one piece."""
    if type(value) is dict and any(map(_lazy, value.values())):
        parts: Iterable[tuple[str, Any]] = ((f"{_dumps(k)}: ", v) for k, v in value.items())
        brackets = "{}"
    elif isinstance(value, Iterator):
        parts, brackets = (("", v) for v in value), "[]"
    else:
        yield _indented(value, newline)
        return
    inner = newline + "  "
    empty = True
    for prefix, item in parts:
        yield (brackets[0] if empty else ",") + inner + prefix
        yield from _encode(item, inner)
        empty = False
    yield brackets if empty else newline + brackets[1]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


_SCALARS = {None: "null", True: "true", False: "false"}
_PLAIN = {str, int, float, bool, type(None), list}


def _lazy(value: Any) -> bool:
    """Whether ``value`` is, or a dictionary holds (at any depth), an iterator."""
    if type(value) is dict:
        return any(map(_lazy, value.values()))
    return type(value) not in _PLAIN and isinstance(value, Iterator)


def _indented(value: Any, newline: str) -> str:
    """``_dumps(value)`` at the indentation ``newline`` carries. json's indented encoder is
    pure Python, and a million-article scan writes millions of pairs: plain dictionaries,
    lists and scalars are written here with json's own C string escaping: a scan's report
    is written nearly four times faster."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is float:
        return float.__repr__(value) if math.isfinite(value) else _dumps(value)
    if kind is int:
        return int.__repr__(value)
    if value is None or kind is bool:
        return _SCALARS[value]
    if kind is dict and value and all(type(k) is str for k in value):
        inner = newline + "  "
        items = [f"{inner}{encode_basestring(k)}: {_indented(v, inner)}" for k, v in value.items()]
        return "{" + ",".join(items) + newline + "}"
    if kind is list and value:
        inner = newline + "  "
        return "[" + ",".join(inner + _indented(v, inner) for v in value) + newline + "]"
    return _dumps(value).replace("\n", newline)  # strings hold no raw newline: "\n" is layout


def render_jsonl(result: Any) -> str:
    """One line per finding of a check: the ``findings`` entry of the JSON report with
    ``schema_version`` and ``fail_on``, so that each line stands alone."""
    report = result.to_dict()
    head = {"schema_version": report["schema_version"], "fail_on": report["fail_on"]}
    return "".join(json.dumps({**head, **f}, ensure_ascii=False) + "\n" for f in report["findings"])
