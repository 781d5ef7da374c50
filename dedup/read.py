"""Read articles from files, folders and stdin; every bad input becomes a Problem, never a crash."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from dedup.model import Article, Problem

TEXT_SUFFIXES = (".txt", ".md")
RECORD_SUFFIXES = (".json", ".jsonl", ".csv")
ARCHIVE_SUFFIXES = (".warc", ".warc.gz")
WEB_SUFFIXES = (".html", ".htm", *ARCHIVE_SUFFIXES)  # read by dedup.web (the 'web' extra)
SUFFIXES = TEXT_SUFFIXES + RECORD_SUFFIXES + WEB_SUFFIXES
STDIN = "-"
STDIN_ORIGIN = "<stdin>"
NO_ARTICLES = "no articles found (" + ", ".join(SUFFIXES) + ")"

_SNIFF_BYTES = 8192  # a NUL byte this early means binary, as git and grep assume
# One article's text, in UTF-8 bytes. News articles are 2-50 kB; verification time and memory grow
# with length (a 1 MB article takes about 12 s and 0.5 GB), so a larger "article" is refused, not hung on.
MAX_ARTICLE_BYTES = 1 << 20
TOO_LARGE = f"article larger than {MAX_ARTICLE_BYTES >> 20} MiB, the limit"
CP1252_NOTE = "not UTF-8; read as Windows-1252 (cp1252)"
# Controls that text files hold; any other C0 control (or DEL) in a non-UTF-8 file means it is not text.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
# ASCII digits only: \d would also accept other scripts' digits, which are no ISO date.
_DATE_PREFIX = re.compile(r"\s*date[ \t]+([0-9]{4}-[0-9]{2}-[0-9]{2})(?:\s+|\Z)")
_TEXT_KEYS = ("text", "body", "content")
_META_KEYS = {
    "title": ("title",),
    "date": ("date",),
    "source": ("source",),
    "url": ("url",),
    "language": ("language", "lang"),
}
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


@dataclass(slots=True)
class Note(Problem):
    """Something to tell about an input that was still read (its legacy encoding): where, and what."""


class InputError(Exception):
    """An input that cannot be read; carries a Problem (where + message)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)  # only filled when skip_bad=True
    notes: list[Note] = field(default_factory=list)  # inputs read with a caveat, e.g. decoded as cp1252


class ArticleStream(Iterator[Article]):
    """The articles under ``paths`` (files, folders, or ``-`` for JSONL on stdin), read one at a
    time as they are iterated (once), in the order and with the problems of :func:`read_paths`.

    A problem raises InputError when it is met (possibly after many articles) unless
    ``skip_bad``, which collects it in :attr:`skipped` instead; :attr:`notes` collects inputs read
    with a caveat. Both are complete once the stream is exhausted. It keeps each id and origin,
    to name both sides of a duplicate id, never a text.
    """

    def __init__(self, paths: Sequence[str | Path], *, skip_bad: bool = False, stdin: TextIO | None = None) -> None:
        if isinstance(paths, (str, os.PathLike)):  # a lone str is a Sequence of characters
            paths = [paths]
        self.skip_bad = skip_bad
        self.skipped: list[Problem] = []
        self.notes: list[Note] = []
        self._articles = self._read([os.fspath(p) for p in paths], stdin)

    def __next__(self) -> Article:
        return next(self._articles)

    def _read(self, paths: list[str], stdin: TextIO | None) -> Iterator[Article]:
        first_seen: dict[str, str] = {}  # id -> origin
        for given in paths:
            for item in _read_path(given, stdin):
                if isinstance(item, Note):
                    self.notes.append(item)
                elif isinstance(item, Problem):
                    self._problem(item)
                elif (first := first_seen.get(item.id)) is not None:
                    self._problem(Problem(item.origin, f"duplicate id {item.id!r} (first seen in {first})"))
                else:
                    first_seen[item.id] = item.origin
                    yield item

    def _problem(self, problem: Problem) -> None:
        if not self.skip_bad:
            raise InputError(problem)
        self.skipped.append(problem)


def read_paths(paths: Sequence[str | Path], *, skip_bad: bool = False, stdin: TextIO | None = None) -> ReadResult:
    """Every article of :class:`ArticleStream` ``(paths)`` in a list, read before returning.

    Raises InputError on the first problem unless ``skip_bad``, in which case problems are
    collected in ``ReadResult.skipped`` and everything readable is still returned.
    """
    stream = ArticleStream(paths, skip_bad=skip_bad, stdin=stdin)
    return ReadResult(list(stream), stream.skipped, stream.notes)


def read_records(lines: Iterable[str], origin: str) -> Iterator[Article | Problem]:
    """Turn JSONL lines into articles; a bad line yields a Problem and reading goes on."""
    return _records(lines, origin, origin)


def split_date_prefix(text: str) -> tuple[str | None, str]:
    """Split a leading ``date YYYY-MM-DD`` (and the whitespace after it) off ``text``.

    Returns ``(None, text)`` unchanged when there is no prefix or it is not a real date.
    """
    match = _DATE_PREFIX.match(text)
    if match is None:
        return None, text
    try:
        date.fromisoformat(match[1])
    except ValueError:  # e.g. 2026-02-30: leave the text alone rather than guess
        return None, text
    return match[1], text[match.end() :]


# --- paths -----------------------------------------------------------------------------


def _read_path(given: str, stdin: TextIO | None) -> Iterator[Article | Problem]:
    if given == STDIN:
        yield from _read_stdin(stdin if stdin is not None else sys.stdin)
    elif os.path.isdir(given):
        yield from _read_dir(given)
    else:
        # Not a directory: read it as a file whatever its suffix, since the user named it;
        # a missing path fails here with a proper message.
        yield from _read_file(given, given.replace(os.sep, "/"))


def _read_dir(top: str) -> Iterator[Article | Problem]:
    found: list[tuple[str, str]] = []  # (id relative to top, path to open)
    errors: list[Problem] = []

    # os.walk silently ignores unreadable folders unless given onerror.
    def onerror(err: OSError) -> None:
        errors.append(_os_problem(err.filename or top, err))

    # followlinks=False: a symlinked folder is never entered, so symlink loops cannot recur.
    for root, dirs, files in os.walk(top, onerror=onerror, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            full = os.path.join(root, name)
            found.append((Path(os.path.relpath(full, top)).as_posix(), full))
    yield from errors
    if not found and not errors:
        yield Problem(top, NO_ARTICLES)
    for article_id, full in sorted(found):
        yield from _read_file(full, article_id)


def _read_file(path: str, article_id: str) -> Iterator[Article | Problem]:
    """Read one file; ``article_id`` is its id, and the prefix of ids for its id-less records."""
    if path.lower().endswith(WEB_SUFFIXES):
        yield from _read_web(path, article_id)
        return
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".jsonl" and _clean_utf8(path):
        try:
            yield from _records(_lines(path), path, article_id)
        except OSError as err:  # gone or unreadable since it was checked
            yield _os_problem(path, err)
        return
    # A text file is one article: read one byte past the limit, never more (a device such as
    # /dev/zero never ends). A record file holds many articles, each checked on its own.
    limit = None if suffix in RECORD_SUFFIXES else MAX_ARTICLE_BYTES + len(codecs.BOM_UTF8) + 1
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(limit) if limit is not None else fh.read()
    except OSError as err:
        yield _os_problem(path, err)
        return
    if limit is not None and len(data.removeprefix(codecs.BOM_UTF8)) > MAX_ARTICLE_BYTES:
        yield Problem(path, TOO_LARGE)
        return
    text = _decode(data, path)
    if isinstance(text, Problem):
        yield text
        return
    if isinstance(text, tuple):
        text, note = text
        yield note
    if suffix == ".jsonl":
        # split on "\n" only: str.splitlines would also split on U+2028 inside JSON strings.
        yield from _records(text.split("\n"), path, article_id)
    elif suffix == ".json":
        yield from _read_json(text, path, article_id)
    elif suffix == ".csv":
        yield from _read_csv(text, path, article_id)
    else:
        yield _text_article(article_id, text, path)


def _read_web(path: str, article_id: str) -> Iterator[Article | Problem]:
    try:
        from dedup import web  # imported when needed: optional, and slow to import
    except ImportError as err:
        yield Problem(path, f"reading web pages needs the web extra: pip install 'dedup[web]' ({err.name} is missing)")
        return
    try:
        with open(path, "rb") as stream:
            yield from web.read(stream, path, article_id)
    except OSError as err:
        yield _os_problem(path, err)


def _read_stdin(stream: TextIO | None) -> Iterator[Article | Problem]:
    if stream is None:  # the process was started with its standard input closed
        yield Problem(STDIN_ORIGIN, "standard input is closed")
        return
    buffer = getattr(stream, "buffer", None)
    try:
        # Prefer raw bytes so stdin gets the same BOM, binary and UTF-8 checks as files.
        text: str | Problem | tuple[str, Note] = (
            _decode(buffer.read(), STDIN_ORIGIN) if buffer is not None else stream.read()
        )
    except UnicodeDecodeError:
        text = Problem(STDIN_ORIGIN, "not valid UTF-8")
    except OSError as err:
        text = _os_problem(STDIN_ORIGIN, err)
    if isinstance(text, Problem):
        yield text
        return
    if isinstance(text, tuple):
        text, note = text
        yield note
    yield from _records(text.split("\n"), STDIN_ORIGIN, STDIN_ORIGIN)


def _clean_utf8(path: str) -> bool:
    """Whether a file is UTF-8 text throughout, checked a block at a time, so that a large JSONL
    file is read a line at a time instead of whole; any other file takes the whole-file path,
    which names what is wrong with it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            if b"\0" in fh.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]:
                return False
            while block := fh.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return False
    return True


def _lines(path: str) -> Iterator[str]:
    """The lines of a UTF-8 file, split on "\n" only as ``str.split`` does (a JSON string may hold U+2028)."""
    with open(path, "rb") as fh:
        for line in fh:
            yield line.removesuffix(b"\n").decode("utf-8", "replace")  # checked; "replace" if changed since


def _os_problem(where: str, err: OSError) -> Problem:
    if isinstance(err, FileNotFoundError):
        return Problem(where, "no such file or directory")
    if isinstance(err, PermissionError):
        return Problem(where, "cannot read: permission denied")
    return Problem(where, f"cannot read: {(err.strerror or str(err)).lower()}")


def _decode(data: bytes, where: str) -> str | tuple[str, Note] | Problem:
    """UTF-8 (a BOM stripped), else Windows-1252 with a Note when that is safe, else a Problem.

    cp1252 is taken only when the bytes decode under it strictly, hold no control characters
    that text files lack, carry no BOM, and contain no valid UTF-8 multi-byte sequence: a UTF-8
    file with one damaged byte stays an error rather than turning every accent into mojibake.
    """
    if b"\0" in data[:_SNIFF_BYTES]:
        return Problem(where, "binary file, not text")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as err:  # offset counted in the file, BOM included
        bad = Problem(where, f"not valid UTF-8 (first bad byte at offset {start + err.start})")
    if start or any(ord(c) > 0x7F and c != "\ufffd" for c in data.decode("utf-8", "replace")):
        return bad
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        return bad
    if any((c < " " and c not in _TEXT_CONTROLS) or c == "\x7f" for c in text):
        return bad
    return text, Note(where, CP1252_NOTE)


def _text_article(article_id: str, text: str, origin: str) -> Article | Problem:
    found_date, body = split_date_prefix(text)
    if not body.strip():
        return Problem(origin, "empty article")
    return Article(id=article_id, text=body, origin=origin, date=found_date)


# --- records ---------------------------------------------------------------------------


def _records(lines: Iterable[str], origin: str, id_base: str) -> Iterator[Article | Problem]:
    seen_any = False
    for n, line in enumerate(lines, 1):
        if n == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip(" \t\r\n"):  # JSON's own whitespace; anything else is malformed
            continue
        seen_any = True
        where = f"{origin}:{n}"
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as err:
            yield Problem(where, _json_message(err, with_line=False))
            continue
        if isinstance(record, dict):
            yield _record_article(record, where, f"{id_base}:{n}")
        else:
            yield Problem(where, f"record is not a JSON object (got {_json_type(record)})")
    if not seen_any:
        yield Problem(origin, "no records found")


def _read_json(text: str, path: str, id_base: str) -> Iterator[Article | Problem]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        yield Problem(path, _json_message(err, with_line=True))
        return
    if isinstance(data, dict):
        yield _record_article(data, path, id_base)
    elif not isinstance(data, list):
        yield Problem(path, f"JSON must be an object or a list of objects (got {_json_type(data)})")
    elif not data:
        yield Problem(path, "no records found")
    else:
        for n, item in enumerate(data, 1):
            where = f"{path}#{n}"
            if isinstance(item, dict):
                yield _record_article(item, where, f"{id_base}#{n}")
            else:
                yield Problem(where, f"record is not a JSON object (got {_json_type(item)})")


def _read_csv(text: str, path: str, id_base: str) -> Iterator[Article | Problem]:
    rows = csv.reader(io.StringIO(text, newline=""))  # newline="" keeps newlines inside quotes
    try:
        header = [name.strip() for name in next(rows, [])]
        if not any(header):
            yield Problem(path, "no records found")
            return
        if not any(key in header for key in _TEXT_KEYS):
            yield Problem(path, "CSV has no 'text' column")
            return
        seen_any = False
        while True:
            line = rows.line_num + 1  # where this row starts; a quoted cell may span lines
            row = next(rows, None)
            if row is None:
                break
            if not any(cell.strip() for cell in row):
                continue
            seen_any = True
            where = f"{path}:{line}"
            if len(row) != len(header):
                # Usually an unquoted comma in the text: refuse rather than cut the text.
                yield Problem(where, f"row has {len(row)} fields, header has {len(header)}")
            else:
                yield _record_article(dict(zip(header, row, strict=False)), where, f"{id_base}:{line}")
        if not seen_any:
            yield Problem(path, "no records found")
    except csv.Error as err:  # the reader cannot resynchronise, so the rest of the file is lost
        yield Problem(f"{path}:{rows.line_num}", f"malformed CSV: {err}")


def _record_article(record: dict[str, Any], origin: str, fallback_id: str) -> Article | Problem:
    text_key = next((key for key in _TEXT_KEYS if key in record), None)
    if text_key is None:
        return Problem(origin, "record has no 'text' field")
    text = record[text_key]
    if not isinstance(text, str):
        return Problem(origin, f"record has no 'text' field ({text_key!r} is {_json_type(text)}, not a string)")

    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        article_id = fallback_id
    elif isinstance(raw_id, (str, int, float)):
        article_id = str(raw_id)
    else:
        return Problem(origin, f"record 'id' must be a string or number (got {_json_type(raw_id)})")

    meta: dict[str, str | None] = {}
    for name, keys in _META_KEYS.items():
        key = next((k for k in keys if k in record), keys[0])
        value = record.get(key)
        if value is None or value == "":
            meta[name] = None
        elif isinstance(value, (str, int, float)):
            meta[name] = str(value)
        else:
            return Problem(origin, f"record {key!r} must be a string (got {_json_type(value)})")

    if meta["date"] is None:
        meta["date"], text = split_date_prefix(text)
    if not text.strip():
        return Problem(origin, "empty article")

    # JSON escapes can produce lone surrogates, which would crash any later UTF-8 output.
    sizes = [_utf8_size(value) for value in (text, article_id, *meta.values()) if value is not None]
    if None in sizes:
        return Problem(origin, "record contains an unpaired surrogate (invalid Unicode)")
    if sizes[0] > MAX_ARTICLE_BYTES:  # type: ignore[operator]
        return Problem(origin, TOO_LARGE)
    return Article(id=article_id, text=text, origin=origin, **meta)


def _utf8_size(value: str) -> int | None:
    """Bytes of ``value`` in UTF-8, or None when it cannot be encoded (a lone surrogate)."""
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _json_message(err: ValueError | RecursionError, *, with_line: bool) -> str:
    if isinstance(err, json.JSONDecodeError):
        at = f"line {err.lineno}, column {err.colno}" if with_line else f"column {err.colno}"
        return f"malformed JSON: {err.msg} ({at})"
    if isinstance(err, RecursionError):
        return "malformed JSON: nested too deeply"
    return f"malformed JSON: {err}"  # e.g. an integer too long to convert
