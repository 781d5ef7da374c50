"""The persistent index: one embedded DuckDB file (default ``.dedup/index.duckdb``).

What it stores, and why
-----------------------
- ``meta``: the format version and the fingerprint :class:`~dedup.fingerprint.Settings`
  (datasketch scheme, hash function, num_perm, seeds, shingle size, bands). Band buckets
  made with other settings never meet, silently, so an index refuses them
  (:class:`SettingsMismatch`), and an index of another format version (:class:`FormatMismatch`),
  or whose stored :class:`~dedup.score.Prepared` another version of the analysis made.
- ``shingle_bands`` and ``salient_bands``: the LSH tables, one row per article and one
  column per band (``b0``, ``b1``, …), so that DuckDB stores each column bitpacked and the
  article number once. Candidate search joins the batch's buckets with each column (a
  semi-join per band), then runs the same band join as Spark (:mod:`dedup.bandjoin`) with the
  bucket cap and the salient confirmation of :mod:`dedup.index` (one shared function).

  - A word-shingle bucket keeps the top :data:`SHINGLE_BITS` (28) bits of the band hash: 3.5
    bytes, and against a million articles 32 bands meet by chance about once per eight new
    articles.
  - A salient bucket is the band's two rows of the salient **sketch** (b-bit minwise hashing:
    the lowest 12 bits of each signature row, :data:`dedup.index.STORED_SKETCH_BITS`) side by
    side: 24 bits, 3 bytes. The 32 buckets are then the whole sketch, whose lowest 8 bits a
    row confirm salient-only candidates exactly as in a scan
    (:func:`dedup.index.salient_estimates`), so the sketch costs nothing more. Two articles
    whose band hashes agree have equal sketch rows too: no candidate of the in-memory index
    is lost.
  - The word-shingle signature itself is not stored: verification never needs it.
- ``articles``: per article its id, origin and metadata, and in a **full** index (the
  default) its :class:`~dedup.score.Prepared` data, packed by zstd with a dictionary the
  index trains on its first :data:`DICTIONARY_AFTER` articles (~1.6 kB a news article, against
  ~2.0 kB with zlib: :mod:`dedup.codec`; the dictionary is kept in ``meta``): the folded
  words, content stems, sentence bounds, title stems, names and numbers — what verification
  compares, and no signature gives back. ``dedup check`` then neither
  re-reads nor re-analyses an indexed candidate (analysis was two thirds of a check's work),
  and works against articles whose files are gone or elsewhere (a CI runner, a bucket). The
  text itself is not kept: nothing in a check shows it.
- A **compact** index (``compact=True``, ``dedup index add --compact``, chosen when the index
  is created) keeps only the id, the ``origin`` (the path as given, ``file:line`` for a
  record) and a 64-bit digest of the text. ``check`` re-reads a candidate's original (of a
  JSONL file, only that line) and verifies it exactly as with stored data when the digest
  still matches; when the file is gone or changed, the candidate is reported unverified
  (``CheckResult.unverified``, a warning), never silently dropped.
- ``terms``: document frequencies (the terms of :attr:`~dedup.score.Prepared.terms`), so
  that term rarity (IDF) in ``check`` comes from the index plus the batch, not from the batch
  alone. Removing or replacing an article subtracts its terms (in a compact index, from its
  original re-analysed; when that changed it is impossible, and ``meta.uncounted`` says how
  many articles' terms stayed counted: IDF drifts slightly; ``index stats`` shows it).

Figures (bytes per article at 1,000,000 articles, both kinds, before and after :func:`vacuum`) are in
``bench/README.md``.

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

import base64
import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import zstandard

from dedup.bandjoin import SALIENT, SHINGLES, band_join
from dedup.codec import PLAIN, Codec
from dedup.fingerprint import Settings
from dedup.index import (
    SKETCH_BITS,
    STORED_SKETCH_BITS,
    confirmed,
    estimated,
    key_pairs,
    pair_keys,
    share_needed,
    strength,
    strongest,
)
from dedup.model import Article
from dedup.normalise import silent
from dedup.pipeline import Profile, profile_articles, profiles
from dedup.read import InputError, read_paths, read_records
from dedup.score import Prepared

FORMAT_VERSION = 4  # 3: prepared data instead of texts, a column per band, the salient buckets the sketch;
# 4: prepared data packed by zstd, with a dictionary trained on the index's first articles
# Articles the index holds when it trains its dictionary (the first add that reaches as many),
# and how many of them it trains on.
DICTIONARY_AFTER, DICTIONARY_SAMPLES = 1_000, 2_000
SHINGLE_BITS = 28  # of a word-shingle band's hash kept as its bucket
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
    prepared BLOB
);
CREATE TABLE terms (term VARCHAR NOT NULL, df INTEGER NOT NULL);
"""
_BAND_TABLES = {SHINGLES: "shingle_bands", SALIENT: "salient_bands"}
_TABLES = {"meta", "articles", "terms", *_BAND_TABLES.values()}
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
    buckets: int  # band buckets stored, both kinds
    terms: int
    prepared_bytes: int  # compressed prepared data (none in a compact index)
    file_bytes: int
    compact: bool = False  # keeps no prepared data: verification re-reads the originals
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
            "buckets": self.buckets,
            "terms": self.terms,
            "prepared_bytes": self.prepared_bytes,
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
            for kind, count in ((SHINGLES, settings.bands), (SALIENT, settings.salient_bands)):
                columns = "".join(f", b{k} UINTEGER NOT NULL" for k in range(count))
                con.execute(f"CREATE TABLE {_BAND_TABLES[kind]} (doc UINTEGER NOT NULL{columns})")
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ["format_version", str(FORMAT_VERSION)],
                    ["prepared_version", str(Prepared.VERSION)],
                    ["settings", json.dumps(settings.to_dict())],
                    ["kind", "compact" if compact else "full"],
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


def _buckets(profiles: Sequence[Profile], settings: Settings) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per kind, the positions of the profiles that have bands of that kind and their buckets,
    one row each (see the module's notes: the top bits of a shingle band's hash; a salient
    band's sketch rows side by side)."""
    shingled = [n for n, p in enumerate(profiles) if p.shingle_bands]
    salient = [n for n, p in enumerate(profiles) if p.salient_bands]
    shingle = np.asarray([profiles[n].shingle_bands for n in shingled], dtype=np.uint64).reshape(-1, settings.bands)
    sketch = np.asarray([profiles[n].salient for n in salient], dtype=np.uint32)
    sketch = sketch.reshape(len(salient), settings.salient_bands, settings.salient_num_perm // settings.salient_bands)
    packed = np.zeros(sketch.shape[:2], dtype=np.uint32)
    for row in range(sketch.shape[2]):
        packed = (packed << np.uint32(STORED_SKETCH_BITS)) | sketch[:, :, row]
    return {
        SHINGLES: (np.asarray(shingled, dtype=np.int64), (shingle >> np.uint64(63 - SHINGLE_BITS)).astype(np.uint32)),
        SALIENT: (np.asarray(salient, dtype=np.int64), packed),
    }


class Store:
    """An open index. Use :meth:`open`; close it (or use ``with``) to release the file lock."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, path: Path, settings: Settings, full: bool = True, codec: Codec = PLAIN
    ) -> None:
        self._con = con
        self.path = path
        self.settings = settings
        self.full = full  # False: a compact index, verification re-reads the originals
        self.codec = codec  # what packs the prepared data: with the index's dictionary once trained

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
        for reading only). ``compact`` makes a new index that keeps no prepared data
        (``None``: the index's kind; True for a full index is an error). Raises a
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
                stored, texts, codec = cls._read_meta(con, path)
            if compact and texts:
                raise StoreError(f"{path}: a full index; --compact applies when an index is created")
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
        return cls(con, path, stored, texts, codec)

    @staticmethod
    def _read_meta(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[Settings, bool, Codec]:
        tables = {
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
        }
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
        version = meta.get("format_version")
        if version is None or (version == str(FORMAT_VERSION) and not _TABLES.issubset(tables)):
            raise NotAnIndex(f"{path}: a DuckDB database, but not a dedup index")
        if version != str(FORMAT_VERSION):
            raise FormatMismatch(
                f"{path}: index format version {version}; this dedup reads version {FORMAT_VERSION} "
                "(rebuild the index with `dedup index add`)"
            )
        if meta.get("prepared_version") != str(Prepared.VERSION):
            raise FormatMismatch(
                f"{path}: the index's articles were analysed by another version of dedup "
                "(rebuild the index with `dedup index add`)"
            )
        try:
            dictionary = base64.b64decode(meta.get("dictionary", ""), validate=True)
            codec = Codec(dictionary) if dictionary else PLAIN
            return Settings(**json.loads(meta["settings"])), meta["kind"] == "full", codec
        except (KeyError, TypeError, ValueError, zstandard.ZstdError):
            raise FormatMismatch(f"{path}: the index's settings are unreadable") from None

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------

    def add(self, articles: Sequence[Article], profiles: Sequence[Profile] | None = None) -> AddResult:
        """Add articles in one transaction; an id already indexed is replaced. ``profiles``:
        theirs (:func:`dedup.pipeline.profiles`, made on several processes), else made here."""
        if profiles is None:
            profiles = profile_articles(articles, self.settings)
        latest = {a.id: n for n, a in enumerate(articles)}  # the last of a repeated id wins
        keep = sorted(latest.values())
        articles, profiles = [articles[n] for n in keep], [profiles[n] for n in keep]
        ids = [a.id for a in articles]
        con, codec = self._con, self.codec
        con.begin()
        try:
            replaced = self._forget(ids)
            start = self._scalar("SELECT coalesce(max(doc) + 1, 0) FROM articles")
            docs = np.arange(start, start + len(articles), dtype=np.uint32)
            if self.full and "dictionary" not in self._meta_keys() and self.count() + len(articles) >= DICTIONARY_AFTER:
                self._train([p.prepared for p in profiles[:DICTIONARY_SAMPLES]])
            self._insert("articles", self._article_columns(articles, profiles, docs))
            for kind, (rows, buckets) in _buckets(profiles, self.settings).items():
                self._insert(_BAND_TABLES[kind], {"doc": docs[rows], **_band_columns(buckets)})
            df: Counter[str] = Counter()
            for profile in profiles:
                df.update(profile.terms)
            self._count_terms(df, +1)
            con.commit()
        except BaseException:
            con.rollback()
            self.codec = codec
            raise
        return AddResult(ids, replaced, self.count())

    def _meta_keys(self) -> set[str]:
        return {row[0] for row in self._con.execute("SELECT key FROM meta").fetchall()}

    def _train(self, batch: list[bytes]) -> None:
        """Inside a transaction: train the index's dictionary on its articles (fewer than
        ``DICTIONARY_AFTER``) and the batch's, ``DICTIONARY_SAMPLES`` in all, and pack the
        indexed ones with it. Articles too short to train on leave the index without one
        (recorded as empty: not tried again)."""
        con = self._con
        indexed = con.execute("SELECT doc, prepared FROM articles").fetchall()
        samples = [PLAIN.unpack(data) for data in [*(data for _, data in indexed), *batch][:DICTIONARY_SAMPLES]]
        try:
            codec = Codec.trained(samples)
        except zstandard.ZstdError:
            codec = PLAIN
        con.execute("INSERT INTO meta VALUES ('dictionary', ?)", [base64.b64encode(codec.dictionary or b"").decode()])
        if codec is PLAIN:
            return
        self.codec = codec
        con.execute("CREATE OR REPLACE TEMP TABLE repacked (doc UINTEGER, prepared BLOB)")
        docs = np.asarray([doc for doc, _ in indexed], dtype=np.uint32)
        self._insert("repacked", {"doc": docs, "prepared": [self._packed(data) for _, data in indexed]})
        con.execute("UPDATE articles SET prepared = r.prepared FROM repacked r WHERE articles.doc = r.doc")
        con.execute("DROP TABLE repacked")

    def _article_columns(
        self, articles: Sequence[Article], profiles: Sequence[Profile], docs: np.ndarray
    ) -> dict[str, Any]:
        """The ``articles`` rows. A compact index keeps only what finds the original again
        (id, origin, a digest of the text); a full one the metadata and prepared data."""
        full = self.full
        columns: dict[str, Any] = {
            "doc": docs,
            "id": [a.id for a in articles],
            "origin": [a.origin or None for a in articles],
        }
        for key in _METADATA[1:-1]:
            columns[key] = [getattr(a, key) or None if full else None for a in articles]
        columns["language"] = [p.language for p in profiles]
        columns["digest"] = np.asarray([0 if full else _digest(a.text) for a in articles], dtype=np.uint64)
        columns["prepared"] = [self._packed(p.prepared) if full else None for p in profiles]
        return columns

    def _packed(self, prepared: bytes) -> bytes:
        """Prepared data packed without a dictionary (by other processes, before the index was
        open), packed again with the index's."""
        return prepared if self.codec is PLAIN else self.codec.pack(PLAIN.unpack(prepared))

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
        con.execute("CREATE OR REPLACE TEMP TABLE gone_docs AS SELECT doc FROM articles SEMI JOIN gone_ids USING (id)")
        docs = [row[0] for row in con.execute("SELECT doc FROM gone_docs").fetchall()]
        if not docs:
            return []
        found, gone = self.prepared(docs)
        df: Counter[str] = Counter()
        for data in found.values():
            df.update(Prepared.loads(data, self.codec).terms)
        self._count_terms(df, -1)
        if gone:  # a compact index whose original changed: its terms stay counted (say how many)
            con.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + ? AS VARCHAR) WHERE key = 'uncounted'",
                [len(gone)],
            )
        forgotten = sorted(
            {row[0] for row in con.execute("SELECT id FROM articles SEMI JOIN gone_docs USING (doc)").fetchall()}
        )
        for table in ("articles", *_BAND_TABLES.values()):
            con.execute(f"DELETE FROM {table} WHERE doc IN (SELECT doc FROM gone_docs)")
        return forgotten

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
        self, profiles: Sequence[Profile], ids: Sequence[str], max_candidates: int | None = None
    ) -> list[tuple[int, int]]:
        """Indexed candidates of a new batch (its profiles, fingerprinted): ``(position in the
        batch, doc)`` pairs, each once.

        The batch's buckets go to a temporary table ``(kind, band, bucket, pos)``; the indexed
        articles sharing one are found column by column (a semi-join per band), and the band
        join of :mod:`dedup.bandjoin` pairs the two: buckets holding more than ``MAX_BUCKET``
        articles (index and batch together) are skipped, and salient-only pairs are confirmed
        on the sketches, as :class:`dedup.index.MemoryIndex` does. Indexed articles whose id is
        in the batch are left out: the batch's version replaces them. With
        ``max_candidates``, each new article keeps only its strongest candidates, rated as
        ``MemoryIndex`` rates them (ties: the lower doc); the join already drops every
        shingle-band pair ranked below that, so at most ``max_candidates`` an article leave
        the database, besides the salient pairs still to confirm.
        """
        if not profiles:
            return []
        con = self._con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_bands (kind UTINYINT, band UTINYINT, bucket UINTEGER, pos UINTEGER)"
        )
        buckets = _buckets(profiles, self.settings)
        for kind, (rows, packed) in buckets.items():
            count = packed.shape[1]
            self._insert(
                "batch_bands",
                {
                    "kind": np.full(packed.size, kind, dtype=np.uint8),
                    "band": np.tile(np.arange(count, dtype=np.uint8), len(rows)),
                    "bucket": packed.reshape(-1),
                    "pos": np.repeat(rows, count).astype(np.uint32),
                },
            )
        con.execute("CREATE OR REPLACE TEMP TABLE batch_ids (id VARCHAR)")
        self._insert("batch_ids", {"id": list(ids)})
        hits = " UNION ALL ".join(
            f"SELECT {kind}::UTINYINT AS kind, {band}::UTINYINT AS band, b{band} AS bucket, doc FROM {table} "
            f"WHERE b{band} IN (SELECT bucket FROM batch_bands WHERE kind = {kind} AND band = {band})"
            for kind, table in _BAND_TABLES.items()
            for band in range(self.settings.bands if kind == SHINGLES else self.settings.salient_bands)
        )
        excluded_and_hits = f"""
            excluded AS (SELECT doc FROM articles SEMI JOIN batch_ids USING (id)),
            hits AS (SELECT * FROM ({hits}) h ANTI JOIN excluded USING (doc))
        """
        joined = band_join("batch_bands", "hits", left_doc="pos", before=excluded_and_hits, shared=True)
        con.execute(f"CREATE OR REPLACE TEMP TABLE candidate_rows AS {joined}")
        shingle_rows = f"SELECT pos, doc, shared FROM candidate_rows WHERE kind = {SHINGLES}"
        salient_rows = f"SELECT pos, doc FROM candidate_rows WHERE kind = {SALIENT}"
        if max_candidates is not None:
            # Each article's shingle rows are ranked, and maybe cut; a pair's salient row goes
            # when it has a shingle row. (Salient rows outnumber the others a hundredfold: a
            # window over all rows took twice as long.)
            salient_rows = f"SELECT * FROM ({salient_rows}) s ANTI JOIN ({shingle_rows}) h USING (pos, doc)"
            ranked = "row_number() OVER (PARTITION BY pos ORDER BY shared DESC, doc)"
            shingle_rows += f" QUALIFY {ranked} <= {max_candidates:d}"
        with_salient, packed = buckets[SALIENT]
        con.execute("CREATE OR REPLACE TEMP TABLE batch_sketches AS SELECT * FROM salient_bands LIMIT 0")
        self._insert("batch_sketches", {"doc": with_salient.astype(np.uint32), **_band_columns(packed)})
        found = con.execute(f"{shingle_rows} ORDER BY pos, doc").fetchnumpy()
        # Salient-only pairs are confirmed, then rated, on the lowest 8 bits of each sketch row:
        # DuckDB counts the rows two sketches share (a check meets hundreds of thousands of such
        # pairs; sending their sketches to Python took longer than the join) and drops the pairs
        # that cannot pass, leaving the exact decision to ``confirmed``.
        equal = self._equal_sketch_rows("n", "b")
        least = math.floor(self.settings.salient_num_perm * share_needed(self.settings.salient_min_jaccard))
        # Counted in a materialised step, then filtered: as a join condition the count took longer
        # (at 1M, 0.35-0.52 s against 0.26-0.28; on one thread 0.69 against 0.47).
        salient = con.execute(f"""
            WITH rated AS MATERIALIZED (
                SELECT c.pos, c.doc, {equal} AS equal FROM ({salient_rows}) c
                JOIN batch_sketches n ON n.doc = c.pos JOIN salient_bands b ON b.doc = c.doc
            )
            SELECT * FROM rated WHERE equal >= {least} ORDER BY pos, doc
        """).fetchnumpy()
        salient_keys = pair_keys(salient["pos"], salient["doc"])
        salient_estimate = estimated(salient["equal"] / self.settings.salient_num_perm)

        def estimates(positions: np.ndarray, docs: np.ndarray) -> np.ndarray:
            return salient_estimate[np.searchsorted(salient_keys, pair_keys(positions, docs))]

        for table in ("candidate_rows", "batch_sketches", "batch_bands", "batch_ids"):
            con.execute(f"DROP TABLE {table}")  # their memory, before prepared() shrinks the pool
        shingle_keys, shared = pair_keys(found["pos"], found["doc"]), found["shared"]
        keys = confirmed(shingle_keys, salient_keys, estimates, self.settings.salient_min_jaccard)
        if max_candidates is not None and len(keys):
            rated = strength(keys, shingle_keys, shared, estimates, self.settings)
            keys = strongest(keys, rated, max_candidates, first_only=True)
        return key_pairs(keys)

    def _equal_sketch_rows(self, a: str, b: str) -> str:
        """SQL counting the sketch rows on which two ``salient_bands`` rows (aliases ``a`` and
        ``b``) agree in their lowest ``SKETCH_BITS``: each bucket packs its band's rows."""
        # Two rows differ where their XOR has a bit set among a row's lowest bits. Adding all
        # ones to those bits carries into the bit above exactly then (the stored bits leave it
        # room), so one bit_count a band counts its rows that differ: a third faster than a
        # comparison a row.
        rows = range(self._rows_per_salient_band)
        low = sum((2**SKETCH_BITS - 1) << (STORED_SKETCH_BITS * r) for r in rows)
        carry = sum(2**SKETCH_BITS << (STORED_SKETCH_BITS * r) for r in rows)
        differ = " + ".join(
            f"bit_count(((xor({a}.b{k}, {b}.b{k}) & {low}) + {low}) & {carry})"
            for k in range(self.settings.salient_bands)
        )
        return f"({len(rows) * self.settings.salient_bands} - ({differ}))"

    @property
    def _rows_per_salient_band(self) -> int:
        return self.settings.salient_num_perm // self.settings.salient_bands

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

    def prepared(self, docs: Iterable[int], jobs: int = 1) -> tuple[dict[int, bytes], list[str]]:
        """The :meth:`~dedup.score.Prepared.dumps` of indexed articles by doc number (stored, or in
        a compact index made again from the originals, on ``jobs`` processes), and the ids of
        those whose original is gone or changed."""
        # A filter, not a join: DuckDB then reads the prepared data of the rows asked for only
        # (a semi-join read all of it, a second for 7,000 of a million articles).
        docs = sorted(docs)
        with self._buffer_pool(_FETCH_POOL + _FETCH_POOL_PER_ROW * len(docs)):
            rows = self._con.execute(f"{_SELECT} WHERE list_contains(?::UINTEGER[], doc)", [docs]).fetchall()
        found = {doc: data for doc, *_, data in rows if data is not None}
        wanted = {
            doc: (article_id, origin or "", digest)
            for doc, article_id, origin, *_, digest, data in rows
            if data is None
        }
        originals = _originals({origin for _, origin, _ in wanted.values()})
        again: dict[int, Article] = {}
        lost = []
        for doc, (article_id, origin, digest) in wanted.items():
            original = originals.get(origin)
            if original is not None and _digest(original.text) == digest:  # the file still says the same
                again[doc] = replace(original, id=article_id)
            else:
                lost.append(article_id)
        made = profiles(list(again.values()), self.settings, jobs, silent, fingerprinted=False)
        found.update((doc, p.prepared) for doc, p in zip(again, made, strict=True))
        return found, sorted(lost)

    @contextmanager
    def _buffer_pool(self, size: int) -> Iterator[None]:
        """DuckDB's buffer pool held to ``size`` bytes for a while. Reading a row loads its whole
        block (256 kB): rows scattered over the file fill an unbounded pool with gigabytes, each
        page a fault to the kernel, where a small one reuses the same memory (at 1M articles,
        fetching 6,800 rows took 0.68 s and 2.1 GB against 0.25 s and 0.2 GB)."""
        self._con.execute(f"SET memory_limit = '{size:d}B'")
        try:
            yield
        finally:
            self._con.execute("RESET memory_limit")

    def document_frequencies(self, terms: Iterable[str]) -> Counter[str]:
        """Indexed document frequencies of ``terms`` (only those: the table can be large)."""
        con = self._con
        con.execute("CREATE OR REPLACE TEMP TABLE wanted_terms (term VARCHAR)")
        self._insert("wanted_terms", {"term": sorted(set(terms))})
        return Counter(dict(con.execute("SELECT term, df FROM terms SEMI JOIN wanted_terms USING (term)").fetchall()))

    def stats(self) -> IndexStats:
        con = self._con
        [(articles, prepared_bytes)] = con.execute(
            "SELECT count(*), coalesce(sum(octet_length(prepared)), 0) FROM articles"
        ).fetchall()
        buckets = self._scalar(f"SELECT count(*) FROM {_BAND_TABLES[SHINGLES]}") * self.settings.bands
        buckets += self._scalar(f"SELECT count(*) FROM {_BAND_TABLES[SALIENT]}") * self.settings.salient_bands
        terms = self._scalar("SELECT count(*) FROM terms")
        uncounted = self._scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'uncounted'")
        return IndexStats(
            str(self.path),
            FORMAT_VERSION,
            self.settings.to_dict(),
            articles,
            buckets,
            terms,
            prepared_bytes,
            sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + ".wal")) if p.exists()),
            compact=not self.full,
            uncounted=uncounted,
        )


def vacuum(path: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT) -> tuple[int, int]:
    """Rewrite the index into a fresh file, giving back the blocks that adds and removes left
    free (DuckDB reuses them but never shrinks its file); returns the bytes before and after.

    The copy is made beside the index under the index's write lock and renamed over it, so
    readers see the old file or the new one, and a writer waiting for the lock gets the new one.
    """
    path = Path(path)
    before = sum(p.stat().st_size for p in (path, path.with_name(path.name + ".wal")) if p.exists())
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    fresh = Path(name)
    try:
        fresh.unlink()  # DuckDB creates the file itself
        with Store.open(path, settings=None, write=True, lock_timeout=lock_timeout) as store:
            con = store._con
            con.execute("CHECKPOINT")  # nothing left in the write-ahead log: the copy is the whole index
            source = con.execute("SELECT current_database()").fetchall()[0][0]
            con.execute(f"ATTACH '{_sql_string(str(fresh))}' AS dedup_fresh")
            con.execute(f'COPY FROM DATABASE "{source}" TO dedup_fresh')
            con.execute("DETACH dedup_fresh")
            with fresh.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
        fresh.with_name(fresh.name + ".wal").unlink(missing_ok=True)
    return before, path.stat().st_size


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


_SELECT = f"SELECT doc, id, {', '.join(_METADATA)}, digest, prepared FROM articles"
# DuckDB's buffer pool while fetching prepared data: enough to scan with a few blocks a thread
# and to collect the rows fetched (~2 kB each, counted generously).
_FETCH_POOL, _FETCH_POOL_PER_ROW = 256 << 20, 16 << 10


def _band_columns(buckets: np.ndarray) -> dict[str, np.ndarray]:
    return {f"b{k}": buckets[:, k] for k in range(buckets.shape[1])}


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


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
