"""The persistent index: one embedded DuckDB file (default ``.dedup/index.duckdb``).

What it stores, and why
-----------------------
- ``meta``: the format version and the fingerprint :class:`~dedup.fingerprint.Settings`
  (datasketch scheme, hash function, num_perm, seeds, shingle size, bands). Band buckets
  made with other settings never meet, silently, so an index refuses them
  (:class:`SettingsMismatch`), and an index of another format version (:class:`FormatMismatch`).
- ``bands``: the LSH table ``(kind, band, bucket, doc)`` for both signatures (kind 0: word
  shingles, kind 1: salient terms). Candidate search is its SQL self-join on
  ``(kind, band, bucket)`` against a temporary table of the new batch's bands, with the bucket
  cap and the salient-estimate confirmation of :mod:`dedup.index` (one shared function).
  A bucket is the top 32 bits of the band hash (4 bytes; chance collisions stay rare at a
  million articles), and rows are written in ``(kind, band, doc)`` order so that DuckDB keeps
  kind, band and doc as runs and deltas: the 64 random buckets, 256 bytes, are most of an
  article's cost here. The word-shingle signature itself is not stored: the join reads the
  bands, and verification remakes it from the text.
- ``articles``: per article its id, origin, metadata and the salient-term **sketch**: the
  lowest byte of each of the 64 signature rows (b-bit minwise hashing; 64 bytes, not 256),
  enough to confirm salient-band candidates (:func:`dedup.index.salient_estimates` corrects
  for rows equal by chance). And, by default, the **text, zlib-compressed**: verifying a
  candidate needs features of the whole text — shingles, content-word phrases, the sentence
  alignment, the term vector, names and numbers — that no signature gives back. Keeping it
  makes ``dedup check`` work against articles whose files are gone or elsewhere (a CI runner,
  a bucket); it is most of the size (1,224 of 1,633 bytes an article in use at 100,000 French news articles).
- A **compact** index (``compact=True``, ``dedup index add --compact``, chosen when the index
  is created) keeps no text and no metadata, only the id, the ``origin`` (the path as given,
  ``file:line`` for a record) and a 64-bit digest of the text. ``check`` re-reads a
  candidate's original (of a JSONL file, only that line) and verifies it exactly as with a
  stored text when the digest still matches; when the file is gone or changed, the candidate
  is reported unverified (``CheckResult.unverified``, a warning), never silently dropped.
- ``terms``: document frequencies (the same terms :class:`~dedup.corpus.Corpus` counts), so
  that term rarity (IDF) in ``check`` comes from the index plus the batch, not from the batch
  alone. Removing or replacing an article re-analyses its text to subtract its terms; in a
  compact index whose original changed that is impossible, and ``meta.uncounted`` says how
  many articles' terms stayed counted (IDF drifts slightly; ``index stats`` shows it).

Figures (bytes per article at 100,000 articles, both kinds) are in ``bench/README.md``.

Writes are transactions (``BEGIN`` … ``COMMIT``): an add killed at any moment leaves the
index as it was or with the whole batch. A new index is built in a temporary file and linked
into place, so a crash never leaves a half-made one. DuckDB locks the file for a writer; a
second writer waits up to ``lock_timeout`` seconds, then gets :class:`IndexLocked`. A file
that is not an index is recognised from its first bytes before DuckDB opens it, and DuckDB
never loads an extension for it (it would attach an SQLite file as a database).
``tests/test_store_safety.py`` kills writers, runs two at once and feeds foreign files.

>>> from dedup.normalise import analyse
>>> from dedup.read import read_paths
>>> from dedup.store import Store
>>> with Store.open("/tmp/dedup-doctest.duckdb", write=True) as store:  # doctest: +SKIP
...     store.add([analyse(a) for a in read_paths(["seeds"]).articles]).total
5
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from dedup.bandjoin import SALIENT, SHINGLES, band_join
from dedup.corpus import document_terms
from dedup.fingerprint import Fingerprint, Settings, fingerprint
from dedup.index import (
    confirmed,
    key_pairs,
    pair_keys,
    salient_estimates,
    salient_sketch,
    strength,
    strongest,
)
from dedup.model import Article
from dedup.normalise import Analysis, analyse
from dedup.read import InputError, read_paths, read_records

FORMAT_VERSION = 2  # 2: 32-bit buckets, b-bit salient sketches, compact indexes
DEFAULT_PATH = Path(".dedup") / "index.duckdb"
LOCK_TIMEOUT = 10.0  # seconds a second writer waits for the first one


_SCHEMA = """
CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE articles (
    doc UINTEGER NOT NULL,
    id VARCHAR NOT NULL,
    origin VARCHAR,
    title VARCHAR,
    date VARCHAR,
    source VARCHAR,
    url VARCHAR,
    language VARCHAR,
    digest UBIGINT,
    text BLOB,
    salient BLOB
);
CREATE TABLE bands (kind UTINYINT NOT NULL, band UTINYINT NOT NULL, bucket UINTEGER NOT NULL, doc UINTEGER NOT NULL);
CREATE TABLE terms (term VARCHAR NOT NULL, df INTEGER NOT NULL);
"""
_TABLES = {"meta", "articles", "bands", "terms"}
_METADATA = ("origin", "title", "date", "source", "url", "language")


class StoreError(Exception):
    """An index that cannot be used as asked; ``str()`` is one line for the user."""


class NotAnIndex(StoreError):
    """The file is missing, not a DuckDB database, or a DuckDB database of something else."""


class FormatMismatch(StoreError):
    """The index was written in another format version."""


class SettingsMismatch(StoreError):
    """The index holds articles fingerprinted with other settings."""


class IndexLocked(StoreError):
    """Another process holds the index file."""


class IndexUnreadable(StoreError):
    """DuckDB failed on the file while using it: corrupted, truncated, or the disk failed."""


@contextmanager
def translated(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn a DuckDB error while using the index into a one-line :class:`IndexUnreadable`."""
    try:
        yield
    except duckdb.Error as e:
        raise IndexUnreadable(f"{os.fspath(path)}: cannot use the index, is it damaged? ({_first_line(e)})") from e


@dataclass(slots=True)
class AddResult:
    added: list[str]
    replaced: list[str]
    total: int  # articles in the index afterwards


@dataclass(slots=True)
class IndexStats:
    path: str
    format_version: int
    settings: dict[str, Any]
    articles: int
    band_rows: int
    terms: int
    text_bytes: int  # compressed article texts
    file_bytes: int
    compact: bool = False  # keeps no texts: verification re-reads the originals
    uncounted: int = 0  # compact: articles removed or replaced whose terms could not be uncounted

    @property
    def bytes_per_article(self) -> float | None:
        return self.file_bytes / self.articles if self.articles else None

    def to_dict(self) -> dict[str, Any]:
        per = self.bytes_per_article
        return {
            "path": self.path,
            "format_version": self.format_version,
            "settings": self.settings,
            "articles": self.articles,
            "band_rows": self.band_rows,
            "terms": self.terms,
            "text_bytes": self.text_bytes,
            "file_bytes": self.file_bytes,
            "bytes_per_article": None if per is None else round(per, 1),
            "compact": self.compact,
            "uncounted": self.uncounted,
        }


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# Never let DuckDB fetch or load an extension to read a foreign file (it would attach an
# SQLite file as a database, after trying the network).
_CONFIG = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
_DUCKDB_MAGIC = (8, b"DUCK")  # where and what DuckDB writes at the start of its files
_KNOWN_FORMATS = {b"SQLite format 3\0": "an SQLite database"}


def _sniff(path: Path) -> None:
    """Refuse a file that is not a DuckDB database from its first bytes, before DuckDB opens it."""
    with path.open("rb") as fh:
        head = fh.read(16)
    offset, magic = _DUCKDB_MAGIC
    if head[offset : offset + len(magic)] == magic:
        return
    kind = next((name for prefix, name in _KNOWN_FORMATS.items() if head.startswith(prefix)), None)
    if not head:
        kind = "an empty file"
    raise NotAnIndex(f"{path}: not a dedup index ({kind or 'not a DuckDB database'})")


def _connect(path: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=_CONFIG)
        except duckdb.Error as e:
            message = _first_line(e)
            if "Could not set lock" not in message:
                if "not a valid DuckDB database" in message or "database file with version" in message:
                    raise NotAnIndex(f"{path}: not a dedup index (not a DuckDB database this DuckDB reads)") from None
                raise NotAnIndex(f"{path}: cannot open the index ({message})") from None
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", message)
                holder = f" (PID {pid[1]})" if pid else ""
                raise IndexLocked(
                    f"{path}: the index is in use by another process{holder}; waited {lock_timeout:g} s"
                ) from None
            time.sleep(0.1)


def _create(path: Path, settings: Settings, compact: bool) -> None:
    """Make an empty index at ``path`` unless one appeared meanwhile: built in a temporary file
    beside it and linked into place, so a crash never leaves a half-made index that later
    opens refuse."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        tmp.unlink()  # DuckDB creates the file itself
        with duckdb.connect(str(tmp), config=_CONFIG) as con:
            con.execute(_SCHEMA)
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ["format_version", str(FORMAT_VERSION)],
                    ["settings", json.dumps(settings.to_dict())],
                    ["texts", "none" if compact else "stored"],
                    ["uncounted", "0"],
                ],
            )
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        with suppress(FileExistsError):  # unlike a rename, a link never replaces an index another process made
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _bands_of(fps: Sequence[Fingerprint], docs: Sequence[int]) -> dict[str, np.ndarray]:
    """The ``bands`` rows of articles: numpy columns DuckDB scans directly.

    A bucket keeps the top 32 bits of the band hash: against a million articles, 64 bands
    then collide by chance about once per 70 new articles, and each bucket costs 4 bytes, not 8.
    Rows go in ``(kind, band, doc)`` order so that DuckDB stores kind, band and doc as runs
    and deltas, next to nothing; the buckets are random and take their 4 bytes.
    """
    kind, band, bucket, doc = [], [], [], []
    for d, fp in zip(docs, fps, strict=True):
        for k, values in ((SHINGLES, fp.shingle_bands), (SALIENT, fp.salient_bands)):
            kind.extend([k] * len(values))
            band.extend(range(len(values)))
            bucket.extend(values)
            doc.extend([d] * len(values))
    columns = {
        "kind": np.asarray(kind, dtype=np.uint8),
        "band": np.asarray(band, dtype=np.uint8),
        "bucket": (np.asarray(bucket, dtype=np.uint64) >> np.uint64(31)).astype(np.uint32),
        "doc": np.asarray(doc, dtype=np.uint32),
    }
    order = np.lexsort((columns["doc"], columns["band"], columns["kind"]))
    return {k: v[order] for k, v in columns.items()}


def _salient_blob(fp: Fingerprint) -> bytes | None:
    if not fp.salient_bands:  # too few salient terms: never a salient candidate
        return None
    return salient_sketch(fp.salient_values).tobytes()


class Store:
    """An open index. Use :meth:`open`; close it (or use ``with``) to release the file lock."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, settings: Settings, texts: bool = True) -> None:
        self._con = con
        self.path = path
        self.settings = settings
        self.texts = texts  # False: a compact index, verification re-reads the originals

    # --- opening -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        settings: Settings | None = Settings(),
        write: bool = False,
        create: bool | None = None,
        compact: bool | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> Store:
        """Open the index at ``path``; for ``write``, create it when missing (unless ``create``
        is False).

        ``settings`` must be the ones the index was built with (``None``: take the index's,
        for reading only). ``compact`` makes a new index that keeps no texts (``None``: the
        index's kind; True for an index that keeps them is an error). Raises a
        :class:`StoreError` subclass with a one-line message.
        """
        path = Path(path)
        if path.is_dir():
            raise NotAnIndex(f"{path}: is a directory, not an index file")
        create = write if create is None else create and write
        if not path.exists():
            if not create:
                raise NotAnIndex(f"{path}: no index here (build one with `dedup index add`)")
            _create(path, settings or Settings(), bool(compact))
        _sniff(path)
        con = _connect(path, read_only=not write, lock_timeout=lock_timeout)
        try:
            with translated(path):
                stored, texts = cls._read_meta(con, path)
            if compact and texts:
                raise StoreError(f"{path}: the index keeps article texts; --compact applies when an index is created")
            if settings is not None and stored != settings:
                differ = [
                    f"{k}={v!r} (index: {stored.to_dict()[k]!r})"
                    for k, v in settings.to_dict().items()
                    if stored.to_dict().get(k) != v
                ]
                raise SettingsMismatch(
                    f"{path}: the index was built with other fingerprint settings: {', '.join(differ)}; "
                    "use the index's settings or build a new index"
                )
        except BaseException:
            con.close()
            raise
        return cls(con, path, stored, texts)

    @staticmethod
    def _read_meta(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[Settings, bool]:
        tables = {
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
        }
        if not _TABLES.issubset(tables):
            raise NotAnIndex(f"{path}: a DuckDB database, but not a dedup index")
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        version = meta.get("format_version")
        if version != str(FORMAT_VERSION):
            raise FormatMismatch(
                f"{path}: index format version {version}; this dedup reads version {FORMAT_VERSION} "
                "(rebuild the index with `dedup index add`)"
            )
        try:
            return Settings(**json.loads(meta["settings"])), meta["texts"] == "stored"
        except (KeyError, TypeError, ValueError):
            raise FormatMismatch(f"{path}: the index's settings are unreadable") from None

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------

    def add(self, analyses: Sequence[Analysis], fingerprints: Sequence[Fingerprint] | None = None) -> AddResult:
        """Add analysed articles in one transaction; an id already indexed is replaced."""
        latest = {a.article.id: n for n, a in enumerate(analyses)}  # the last of a repeated id wins
        keep = sorted(latest.values())
        analyses = [analyses[n] for n in keep]
        fps = [fingerprints[n] for n in keep] if fingerprints else [fingerprint(a, self.settings) for a in analyses]
        ids = [a.article.id for a in analyses]
        con = self._con
        con.begin()
        try:
            replaced = self._forget(ids)
            start = self._scalar("SELECT coalesce(max(doc) + 1, 0) FROM articles")
            docs = list(range(start, start + len(analyses)))
            self._insert("articles", self._article_columns(analyses, fps, docs))
            self._insert("bands", _bands_of(fps, docs))
            df: Counter[str] = Counter()
            for a in analyses:
                df.update(document_terms(a))
            self._count_terms(df, +1)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return AddResult(ids, replaced, self.count())

    def _article_columns(
        self, analyses: Sequence[Analysis], fps: Sequence[Fingerprint], docs: Sequence[int]
    ) -> dict[str, Any]:
        """The ``articles`` rows. A compact index keeps only what finds the original again
        (id, origin, a digest of the text); the others keep the text and metadata."""
        articles = [a.article for a in analyses]
        kept = self.texts
        columns: dict[str, Any] = {
            "doc": np.asarray(docs, dtype=np.uint32),
            "id": [a.id for a in articles],
            "origin": [a.origin or None for a in articles],
        }
        for key in _METADATA[1:-1]:
            columns[key] = [getattr(a, key) or None if kept else None for a in articles]
        columns["language"] = [a.language for a in analyses]
        columns["digest"] = np.asarray([0 if kept else _digest(a.text) for a in articles], dtype=np.uint64)
        columns["text"] = [zlib.compress(a.text.encode("utf-8"), 9) if kept else None for a in articles]
        columns["salient"] = [_salient_blob(fp) for fp in fps]
        return columns

    def remove(self, ids: Iterable[str]) -> list[str]:
        """Remove articles by id in one transaction; returns the ids that were there."""
        con = self._con
        con.begin()
        try:
            removed = self._forget(list(ids))
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return removed

    def _forget(self, ids: list[str]) -> list[str]:
        """Inside a transaction: delete these articles, their bands and their term counts."""
        if not ids:
            return []
        con = self._con
        con.execute("CREATE OR REPLACE TEMP TABLE gone_ids (id VARCHAR)")
        self._insert("gone_ids", {"id": ids})
        rows = con.execute(f"{_SELECT} SEMI JOIN gone_ids USING (id)").fetchall()
        if not rows:
            return []
        found, gone = _articles_of(rows)
        df: Counter[str] = Counter()
        for article in found.values():
            df.update(document_terms(analyse(article)))
        self._count_terms(df, -1)
        if gone:  # a compact index whose original changed: its terms stay counted (say how many)
            con.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + ? AS VARCHAR) WHERE key = 'uncounted'",
                [len(gone)],
            )
        con.execute("CREATE OR REPLACE TEMP TABLE gone_docs AS SELECT doc FROM articles SEMI JOIN gone_ids USING (id)")
        con.execute("DELETE FROM bands WHERE doc IN (SELECT doc FROM gone_docs)")
        con.execute("DELETE FROM articles WHERE doc IN (SELECT doc FROM gone_docs)")
        return sorted({row[1] for row in rows})

    def _count_terms(self, df: Counter[str], sign: int) -> None:
        if not df:
            return
        con = self._con
        con.execute("CREATE OR REPLACE TEMP TABLE delta (term VARCHAR, n INTEGER)")
        self._insert("delta", {"term": list(df), "n": np.asarray(list(df.values()), dtype=np.int32) * sign})
        con.execute("UPDATE terms SET df = terms.df + delta.n FROM delta WHERE terms.term = delta.term")
        con.execute("INSERT INTO terms SELECT term, n FROM delta ANTI JOIN terms USING (term) WHERE n > 0")
        if sign < 0:
            con.execute("DELETE FROM terms WHERE df <= 0")

    # --- reading -------------------------------------------------------------------------

    def _scalar(self, sql: str) -> Any:
        return self._con.execute(sql).fetchall()[0][0]

    def count(self) -> int:
        return self._scalar("SELECT count(*) FROM articles")

    def present(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are indexed."""
        self._con.execute("CREATE OR REPLACE TEMP TABLE asked_ids (id VARCHAR)")
        self._insert("asked_ids", {"id": list(ids)})
        return {r[0] for r in self._con.execute("SELECT id FROM articles SEMI JOIN asked_ids USING (id)").fetchall()}

    def candidates(
        self, fingerprints: Sequence[Fingerprint], ids: Sequence[str], max_candidates: int | None = None
    ) -> list[tuple[int, int]]:
        """Indexed candidates of a new batch: ``(position in the batch, doc)`` pairs, each once.

        One SQL join of the batch's bands (a temporary table) with the index's on
        ``(kind, band, bucket)``; buckets holding more than ``MAX_BUCKET`` articles (index and
        batch together) are skipped, and salient-only pairs are confirmed on the signatures,
        as :class:`dedup.index.MemoryIndex` does. Indexed articles whose id is in the batch
        are left out: the batch's version replaces them. With ``max_candidates``, each new
        article keeps only its strongest candidates, rated as ``MemoryIndex`` rates them (ties:
        the lower doc); the join already drops every shingle-band pair ranked below that, so
        at most ``max_candidates`` an article leave the database, besides the salient pairs
        still to confirm.
        """
        if not fingerprints:
            return []
        con = self._con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_bands (kind UTINYINT, band UTINYINT, bucket UINTEGER, pos UINTEGER)"
        )
        self._insert("batch_bands", _bands_of(fingerprints, range(len(fingerprints))))
        con.execute("CREATE OR REPLACE TEMP TABLE batch_ids (id VARCHAR)")
        self._insert("batch_ids", {"id": list(ids)})
        excluded_and_hits = """
            excluded AS (SELECT doc FROM articles SEMI JOIN batch_ids USING (id)),
            hits AS (
                SELECT b.kind, b.band, b.bucket, b.doc FROM bands b
                SEMI JOIN batch_bands n ON b.kind = n.kind AND b.band = n.band AND b.bucket = n.bucket
                WHERE b.doc NOT IN (SELECT doc FROM excluded)
            )
        """
        joined = band_join("batch_bands", "hits", left_doc="pos", before=excluded_and_hits, shared=True)
        if max_candidates is not None:
            # A pair's salient row goes when it has shingle rows (ranked, and maybe cut, by those).
            joined = f"""
                SELECT * FROM ({joined}) j
                QUALIFY kind = min(kind) OVER (PARTITION BY pos, doc) AND (kind = {SALIENT}
                    OR row_number() OVER (PARTITION BY kind, pos ORDER BY shared DESC, doc) <= {int(max_candidates)})
            """
        rows = con.execute(joined).fetchnumpy()
        new = np.stack([salient_sketch(fp.salient_values) for fp in fingerprints])

        def estimates(positions: np.ndarray, docs: np.ndarray) -> np.ndarray:
            held, sketches = self._salient_sketches(set(np.unique(docs).tolist()))
            return salient_estimates(new[positions], sketches[np.searchsorted(held, docs)])

        shingles = rows["kind"] == SHINGLES
        salient_keys = pair_keys(rows["pos"][~shingles], rows["doc"][~shingles])
        shingle_keys = pair_keys(rows["pos"][shingles], rows["doc"][shingles])
        order = np.argsort(shingle_keys)
        shingle_keys, shared = shingle_keys[order], rows["shared"][shingles][order]
        keys = confirmed(shingle_keys, salient_keys, estimates, self.settings.salient_min_jaccard)
        if max_candidates is not None and len(keys):
            rated = strength(keys, shingle_keys, shared, estimates, self.settings)
            keys = strongest(keys, rated, max_candidates, first_only=True)
        return key_pairs(keys)

    def _insert(self, table: str, columns: dict[str, Any]) -> None:
        """Append numpy (or list) columns to ``table``, in its column order, in one scan."""
        columns = {k: np.asarray(v, dtype=object) if isinstance(v, list) else v for k, v in columns.items()}
        if not len(next(iter(columns.values()))):
            return
        self._con.register("_dedup_rows", columns)
        try:
            self._con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM _dedup_rows")
        finally:
            self._con.unregister("_dedup_rows")

    def _docs_table(self, docs: Iterable[int]) -> None:
        self._con.execute("CREATE OR REPLACE TEMP TABLE wanted_docs (doc UINTEGER)")
        self._insert("wanted_docs", {"doc": np.asarray(sorted(docs), dtype=np.uint32)})

    def _salient_sketches(self, docs: set[int]) -> tuple[np.ndarray, np.ndarray]:
        """The stored sketches of ``docs`` (all have salient bands, so all have one): doc
        numbers in order, and their sketches as the rows of one matrix."""
        self._docs_table(docs)
        rows = self._con.execute(
            "SELECT doc, salient FROM articles SEMI JOIN wanted_docs USING (doc) ORDER BY doc"
        ).fetchall()
        sketches = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.uint8).reshape(len(rows), -1)
        return np.asarray([doc for doc, _ in rows], dtype=np.uint32), sketches

    def articles(self, docs: Iterable[int]) -> tuple[dict[int, Article], list[str]]:
        """Indexed articles by doc number, with their text (decompressed, or re-read from the
        original in a compact index), and the ids of those whose original is gone or changed."""
        self._docs_table(docs)
        return _articles_of(self._con.execute(f"{_SELECT} SEMI JOIN wanted_docs USING (doc)").fetchall())

    def document_frequencies(self, terms: Iterable[str]) -> Counter[str]:
        """Indexed document frequencies of ``terms`` (only those: the table can be large)."""
        con = self._con
        con.execute("CREATE OR REPLACE TEMP TABLE wanted_terms (term VARCHAR)")
        self._insert("wanted_terms", {"term": sorted(set(terms))})
        return Counter(dict(con.execute("SELECT term, df FROM terms SEMI JOIN wanted_terms USING (term)").fetchall()))

    def stats(self) -> IndexStats:
        con = self._con
        [(articles, text_bytes)] = con.execute(
            "SELECT count(*), coalesce(sum(octet_length(text)), 0) FROM articles"
        ).fetchall()
        band_rows = self._scalar("SELECT count(*) FROM bands")
        terms = self._scalar("SELECT count(*) FROM terms")
        uncounted = self._scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'uncounted'")
        return IndexStats(
            str(self.path),
            FORMAT_VERSION,
            self.settings.to_dict(),
            articles,
            band_rows,
            terms,
            text_bytes,
            sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + ".wal")) if p.exists()),
            compact=not self.texts,
            uncounted=uncounted,
        )


_SELECT = f"SELECT doc, id, {', '.join(_METADATA)}, digest, text FROM articles"


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _articles_of(rows: Iterable[Sequence[Any]]) -> tuple[dict[int, Article], list[str]]:
    """Articles from ``_SELECT`` rows, and the ids of the compact ones whose original is lost."""
    found: dict[int, Article] = {}
    wanted: dict[int, tuple[str, str, int]] = {}  # compact: doc -> (id, origin, digest)
    for doc, article_id, *meta, digest, text in rows:
        fields = dict(zip(_METADATA, meta, strict=True))
        fields["origin"] = fields["origin"] or ""
        if text is None:
            wanted[doc] = (article_id, fields["origin"], digest)
        else:
            found[doc] = Article(article_id, zlib.decompress(text).decode("utf-8"), **fields)
    originals = _originals({origin for _, origin, _ in wanted.values()})
    lost = []
    for doc, (article_id, origin, digest) in wanted.items():
        original = originals.get(origin)
        if original is not None and _digest(original.text) == digest:  # the file still says the same
            found[doc] = replace(original, id=article_id)
        else:
            lost.append(article_id)
    return found, sorted(lost)


def _originals(origins: set[str]) -> dict[str, Article]:
    """The articles at ``origins`` (files, or ``file:line`` for records) that can still be read,
    each file read once; of a JSONL file only the lines asked for are parsed."""
    by_file: dict[str, set[str]] = {}
    for origin in origins:
        record = re.fullmatch(r"(.+):(\d+)", origin)
        by_file.setdefault(record[1] if record and not Path(origin).is_file() else origin, set()).add(origin)
    found: dict[str, Article] = {}
    for path, wanted in by_file.items():
        try:
            if path.lower().endswith(".jsonl"):
                lines = Path(path).read_bytes().split(b"\n")  # as dedup.read splits them
                for origin in wanted:
                    n = int(origin.rsplit(":", 1)[1])
                    if 0 < n <= len(lines):
                        line = lines[n - 1].decode("utf-8", errors="replace")
                        found.update((origin, a) for a in read_records([line], path) if isinstance(a, Article))
            elif Path(path).is_file():
                found.update((a.origin, a) for a in read_paths([path], skip_bad=True).articles if a.origin in wanted)
        except (InputError, OSError):
            continue  # gone or unreadable: its articles are reported unverified
    return found
