"""Settings and where they come from: ``[tool.dedup]`` in pyproject.toml, or a dedup.toml.

The file is found by walking up from the working directory. In each folder ``dedup.toml``
comes first, then a ``pyproject.toml`` holding a ``[tool.dedup]`` table (one without the table
does not count); the first file found is the only one read. The command line applies the
order *options > environment (DEDUP_*) > file > defaults*.

>>> from dedup.config import parse
>>> parse({"fail_on": "same-event", "skip_bad": True}, "dedup.toml").values
{'fail_on': 'same_event', 'skip_bad': True}
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dedup.check import Add
from dedup.model import Relation

__all__ = ["FILE_NAMES", "FORMATS", "Config", "ConfigError", "discover", "find", "load", "parse"]

FILE_NAMES = ("dedup.toml", "pyproject.toml")  # looked for in this order in each folder
FORMATS = ("text", "json", "jsonl", "github", "junit", "sarif", "gitlab")  # of `dedup check`


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file (and key)."""


@dataclass(frozen=True, slots=True)
class Config:
    """The values a configuration file sets, canonical and as an option would take them."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)


def _relation(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a relation name, not {type(value).__name__}")
    return Relation.parse(value).label


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"must be a whole number of at least 0, not {value!r}")
    return value


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty path")
    return value


# Each key and what makes its value valid; small on purpose: what a CI gate is set up with.
KEYS: dict[str, Callable[[Any], Any]] = {
    "index": _path,  # relative to the configuration file's folder
    "fail_on": _relation,
    "min_relation": _relation,
    "format": _choice(FORMATS),
    "add": _choice(tuple(Add)),
    "skip_bad": _bool,
    "max_candidates": _count,
}


def find(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The configuration file that applies in ``start`` (default: the working directory)."""
    folder = Path(start if start is not None else Path.cwd()).absolute()
    for here in (folder, *folder.parents):
        for name in FILE_NAMES:
            candidate = here / name
            if candidate.is_file() and (name != "pyproject.toml" or "dedup" in _read(candidate).get("tool", {})):
                return candidate
    return None


def load(path: str | os.PathLike[str]) -> Config:
    """Read and validate one configuration file (a pyproject.toml: its ``[tool.dedup]`` table)."""
    path = Path(path)
    data = _read(path)
    if path.name == "pyproject.toml":
        table, where = data.get("tool", {}).get("dedup", {}), "[tool.dedup]"
    else:
        table, where = data, None
    config = parse(table, str(path), where)
    if "index" in config.values:
        config.values["index"] = str(path.parent / config.values["index"])
    return Config(path, config.values)


def discover(start: str | os.PathLike[str] | None = None) -> Config:
    """The configuration that applies in ``start``: the file :func:`find` finds, or none."""
    path = find(start)
    return load(path) if path is not None else Config()


def parse(table: Mapping[str, Any], origin: str, where: str | None = None) -> Config:
    """Validate a table of settings; ``origin`` (and ``where``, the table) name it in errors."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{origin}: {where or 'the file'} must be a table")
    values = {}
    for key, value in table.items():
        name = f"{where}.{key}" if where else key
        check = KEYS.get(key.replace("-", "_"))
        if check is None:
            raise ConfigError(f"{origin}: unknown key {name!r} (known: {', '.join(KEYS)})")
        try:
            values[key.replace("-", "_")] = check(value)
        except ValueError as e:
            raise ConfigError(f"{origin}: {name}: {e}") from None
    return Config(None, values)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {(e.strerror or str(e)).lower()}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
