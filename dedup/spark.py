"""The Spark engine: ``dedup scan`` for corpora beyond one machine.

The embedded engine's steps and functions, distributed (the optional extra ``spark``):

1. **read** JSONL and Parquet files line by line (row by row); each record goes through the
   embedded reader's own validation (:func:`dedup.read.read_records`), so ids, metadata, bad
   records and duplicate ids come out as ``dedup scan`` reads them;
2. **analyse and fingerprint** each article with :func:`dedup.fingerprint.fingerprint` in
   ``mapInPandas``, also listing the terms it counts towards document frequency;
3. **term rarity**: document frequencies summed in Spark make the same
   :class:`~dedup.corpus.Corpus` as the embedded engine's, broadcast to every verifier;
4. **candidates**: the LSH band join of :mod:`dedup.bandjoin` (the SQL the DuckDB index runs)
   in Spark SQL, salient-only pairs confirmed by :func:`dedup.index.confirmed`;
5. **verify** candidate pairs in parallel with :func:`dedup.score.verify`;
6. **cluster**: connected components in Spark by min-label propagation, no GraphFrames.

The result is the embedded engine's :class:`~dedup.api.ScanResult`: same articles, pairs,
clusters and JSON. Executors need dedup installed (as the driver does).
"""

from __future__ import annotations

import json
import math
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from dedup.api import ScanResult
from dedup.bandjoin import SALIENT, SHINGLES, band_join
from dedup.corpus import Corpus, document_terms
from dedup.fingerprint import Settings, fingerprint
from dedup.index import confirmed, key_pairs, pair_keys, salient_estimates, salient_sketch
from dedup.model import Article, Cluster, PairVerdict, Problem, Relation
from dedup.normalise import analyse
from dedup.read import STDIN, InputError, read_records
from dedup.score import prepare, verify

__all__ = ["SUFFIXES", "SparkUnavailable", "connected_components", "input_files", "scan_spark", "session"]

SUFFIXES = (".jsonl", ".parquet")
_TEXT_COLUMNS = ("text", "body", "content")
_FIELDS = ("id", "origin", "title", "date", "source", "url", "language", "text")
_LINE_BITS = 40  # pos = input slot << 40 | line: input order as one sortable number
_ANALYSIS_CACHE = 2_000  # analysed articles a verifying task keeps: one article is in many pairs

_ARTICLES = "pos long, id string, origin string, title string, date string, source string, url string, "
_ARTICLES += "language string, text string, problem string"
_FINGERPRINTS = "pos long, shingle_bands array<long>, salient_bands array<long>, salient array<long>, "
_FINGERPRINTS += "terms array<string>"
_VERDICTS = "a long, b long, a_id string, b_id string, relation int, score double, scores string"


class SparkUnavailable(Exception):
    """Spark could not start (no Java, a wrong master); ``str()`` is one line for the user."""


def session(master: str | None = None, config: dict[str, str] | None = None) -> SparkSession:
    """The active Spark session, or a new one on ``master`` (default ``DEDUP_SPARK_MASTER``,
    else ``local[*]``) whose Python workers run this interpreter, with ``config`` on top."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    master = master or os.environ.get("DEDUP_SPARK_MASTER", "local[*]")
    builder = SparkSession.builder.master(master).appName("dedup scan")
    builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    if master.startswith("local"):  # Spark's 200 shuffle partitions are for clusters: tasks cost here
        builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # pyspark raises its own runtime errors and py4j's when the JVM fails
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SparkUnavailable(f"cannot start Spark on {master}: {first} (Spark needs Java 17 or later)") from e
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str  # where records say they come from ("origin")
    id_base: str  # the prefix of the ids of records without one: relative to the folder given
    slot: int  # its place in input order


def input_files(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[InputFile], list[tuple[int, Problem]]]:
    """The JSONL and Parquet files under ``paths`` in the embedded reader's order (folders
    walked, sorted, hidden entries skipped), and the problems met listing them, each with its
    input slot."""
    files: list[InputFile] = []
    problems: list[tuple[int, Problem]] = []
    for given in map(os.fspath, paths):
        slot = len(files) + len(problems)
        if given == STDIN:
            problems.append((slot, Problem(given, "the spark engine reads files, not stdin")))
        elif os.path.isdir(given):
            found = _walk(given)
            if not found:
                problems.append((slot, Problem(given, "no JSONL or Parquet files found (" + ", ".join(SUFFIXES) + ")")))
            files += [InputFile(full, rel, slot + n) for n, (rel, full) in enumerate(found)]
        else:
            problem = _unreadable(given)
            if problem:
                problems.append((slot, problem))
            else:
                files.append(InputFile(given, given.replace(os.sep, "/"), slot))
    return files, problems


def _walk(top: str) -> list[tuple[str, str]]:
    """``(id base, path)`` of the files this engine reads under ``top``, sorted by id base."""
    found = []
    for root, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                full = os.path.join(root, name)
                found.append((Path(os.path.relpath(full, top)).as_posix(), full))
    return sorted(found)


def _unreadable(path: str) -> Problem | None:
    """Why a file cannot be read by this engine, if it cannot: checked before Spark fails on it."""
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        reason = "no such file or directory" if isinstance(err, FileNotFoundError) else (err.strerror or str(err))
        return Problem(path, reason if reason.startswith("no such") else f"cannot read: {reason.lower()}")
    if path.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except Exception as err:  # pyarrow raises several types for a damaged or foreign file
            return Problem(path, f"not a readable Parquet file ({str(err).splitlines()[0]})")
        if not any(c in names for c in _TEXT_COLUMNS):
            return Problem(path, "Parquet file has no 'text' column")
    return None


def _lines(spark: SparkSession, files: Sequence[InputFile]) -> Any:
    """An RDD of ``(slot, line number, record as JSON)``; Parquet rows become JSON."""
    rdds = []
    for f in files:
        if f.path.lower().endswith(".parquet"):
            rows = spark.read.parquet(f.path).select(F.to_json(F.struct("*"))).rdd.map(lambda r: r[0])
        else:
            rows = spark.sparkContext.textFile(f.path)
        rdds.append(rows.zipWithIndex().map(lambda x, slot=f.slot: (slot, x[1] + 1, x[0])))
    return spark.sparkContext.union(rdds)


def _parse(lines: Iterable[tuple[int, int, str]], files: dict[int, InputFile]) -> Iterator[tuple]:
    """Articles (``problem`` None) and problems from lines, as ``dedup scan`` reads a JSONL
    file: the same checks and messages, located at the file and line."""
    for slot, n, line in lines:
        f = files[slot]
        pos = slot << _LINE_BITS | n
        where = f"{f.path}:{n}"
        if not line.strip(" \t\r\n"):
            continue
        # Hadoop decodes lines, replacing bytes that are not UTF-8 with U+FFFD: refuse such a
        # line rather than keep a text with holes (a literal U+FFFD in JSONL is such a scar too).
        if "\ufffd" in line and not f.path.lower().endswith(".parquet"):
            yield _problem_row(pos, where, "not valid UTF-8 (or holds U+FFFD, the replacement character)")
            continue
        # Read as line 1, or as line 2 after a blank one: only a first line may start with a BOM.
        shown = 1 if n == 1 else 2
        item = next(read_records([line] if n == 1 else ["", line], f.path))
        if isinstance(item, Problem):
            yield _problem_row(pos, where, item.message)
            continue
        if item.id == f"{f.path}:{shown}" and json.loads(line).get("id") in (None, ""):
            item.id = f"{f.id_base}:{n}"  # an id-less record: named by file and line
        item.origin = where
        yield (pos, *(getattr(item, k) for k in _FIELDS), None)


def _problem_row(pos: int, where: str, message: str) -> tuple:
    return (pos, None, where, *[None] * (len(_FIELDS) - 2), message)


def _read(
    spark: SparkSession, files: list[InputFile], listing: list[tuple[int, Problem]], skip_bad: bool
) -> tuple[DataFrame, int, list[Problem]]:
    """The articles (cached), how many, and, in input order, every problem; without ``skip_bad`` the
    first problem raises :class:`~dedup.read.InputError`."""
    by_slot = {f.slot: f for f in files}
    rows = _lines(spark, files).mapPartitions(lambda part: _parse(part, by_slot)) if files else None
    parsed = spark.createDataFrame(rows if rows is not None else [], _ARTICLES)
    # Duplicate ids: the first one read wins, as in the embedded reader.
    first = Window.partitionBy("id").orderBy("pos")
    parsed = parsed.withColumn("first_origin", F.first("origin").over(first))
    parsed = parsed.withColumn("duplicate", F.col("problem").isNull() & (F.row_number().over(first) > 1)).cache()
    problems = [(slot << _LINE_BITS, p) for slot, p in listing]
    for r in parsed.where("problem IS NOT NULL OR duplicate").collect():
        message = r.problem or f"duplicate id {r.id!r} (first seen in {r.first_origin})"
        problems.append((r.pos, Problem(r.origin, message)))
    seen = {r.slot for r in parsed.select(F.shiftright("pos", _LINE_BITS).alias("slot")).distinct().collect()}
    problems += [(f.slot << _LINE_BITS, Problem(f.path, "no records found")) for f in files if f.slot not in seen]
    problems.sort(key=lambda p: p[0])
    if problems and not skip_bad:
        raise InputError(problems[0][1])
    articles = parsed.where("problem IS NULL AND NOT duplicate").select("pos", *_FIELDS).cache()
    count = articles.count()  # materialised before what it was made from is dropped
    parsed.unpersist()
    return articles, count, [p for _, p in problems]


# --- analysis, candidates, verification ----------------------------------------------------


def _articles_of(frame: pd.DataFrame) -> Iterator[tuple[int, Article]]:
    for row in frame.astype(object).to_dict("records"):
        fields = {k: None if _missing(row[k]) else row[k] for k in _FIELDS}
        fields["origin"] = fields["origin"] or ""
        yield row["pos"], Article(**fields)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fingerprints(batches: Iterable[pd.DataFrame], settings: Settings) -> Iterator[pd.DataFrame]:
    for batch in batches:
        out: dict[str, list] = {"pos": [], "shingle_bands": [], "salient_bands": [], "salient": [], "terms": []}
        for pos, article in _articles_of(batch):
            analysis = analyse(article)
            fp = fingerprint(analysis, settings)
            out["pos"].append(pos)
            out["shingle_bands"].append(fp.shingle_bands)
            out["salient_bands"].append(fp.salient_bands)
            out["salient"].append(salient_sketch(fp.salient_values).tolist())
            out["terms"].append(sorted(document_terms(analysis)))
        yield pd.DataFrame(out)


def _confirm(batches: Iterable[pd.DataFrame], min_jaccard: float) -> Iterator[pd.DataFrame]:
    """Candidate pairs, each on one row with the kinds of band that found it, confirmed as the
    embedded index confirms them."""
    for batch in batches:
        # Spark's row numbers are not dense (partition << 33 | row): renumber them so that pairs
        # fit the index's 64-bit pair keys.
        ids, dense = np.unique(
            np.concatenate([batch["a"].to_numpy(np.int64), batch["b"].to_numpy(np.int64)]), return_inverse=True
        )
        a, b = dense[: len(batch)], dense[len(batch) :]
        by_shingles, by_salient = batch["by_shingles"].to_numpy(bool), batch["by_salient"].to_numpy(bool)
        sketches = {
            (int(x), int(y)): (sa, sb)
            for x, y, salient, sa, sb in zip(a, b, by_salient, batch["sa"], batch["sb"], strict=True)
            if salient
        }

        def estimates(firsts: np.ndarray, seconds: np.ndarray, sketches: dict = sketches) -> np.ndarray:
            pairs = [sketches[int(x), int(y)] for x, y in zip(firsts, seconds, strict=True)]
            return salient_estimates(*(np.array([p[k] for p in pairs], dtype=np.uint8) for k in (0, 1)))

        shingle_keys, salient_keys = pair_keys(a[by_shingles], b[by_shingles]), pair_keys(a[by_salient], b[by_salient])
        kept = key_pairs(confirmed(shingle_keys, salient_keys, estimates, min_jaccard))
        yield pd.DataFrame([(ids[x], ids[y]) for x, y in kept], columns=["a", "b"], dtype="int64")


def _verify(batches: Iterable[pd.DataFrame], corpus: Any, settings: Settings, keep: Relation) -> Iterator[pd.DataFrame]:
    prepared: dict[int, Any] = {}

    def prepare_once(pos: int, article: Article) -> Any:
        if pos not in prepared:
            if len(prepared) >= _ANALYSIS_CACHE:
                prepared.pop(next(iter(prepared)))
            prepared[pos] = prepare(analyse(article), settings.shingle_size)
        return prepared[pos]

    for batch in batches:
        left = batch[["a", *(f"a_{k}" for k in _FIELDS)]].set_axis(["pos", *_FIELDS], axis=1)
        right = batch[["b", *(f"b_{k}" for k in _FIELDS)]].set_axis(["pos", *_FIELDS], axis=1)
        rows = []
        for (a, article_a), (b, article_b) in zip(_articles_of(left), _articles_of(right), strict=True):
            verdict = verify(prepare_once(a, article_a), prepare_once(b, article_b), corpus.value)
            if verdict.relation >= keep:
                rows.append(
                    (a, b, verdict.a, verdict.b, int(verdict.relation), verdict.score, json.dumps(verdict.scores))
                )
        yield pd.DataFrame(rows, columns=["a", "b", "a_id", "b_id", "relation", "score", "scores"]).astype(
            {"a": "int64", "b": "int64", "relation": "int32", "score": "float64"}
        )


# --- clusters ------------------------------------------------------------------------------


def connected_components(edges: DataFrame) -> DataFrame:
    """``(vertex, component)`` for every vertex of the undirected graph ``edges(a, b)``, the
    component named by its smallest vertex.

    Min-label propagation: each vertex takes the smallest label among its own and its
    neighbours' until no label changes (as many rounds as the longest shortest path, short for
    duplicates). Each round is checkpointed so the plan stays one round long.
    """
    links = edges.select("a", "b").union(edges.select("b", "a")).toDF("v", "u").distinct().localCheckpoint()
    labels = links.select("v").distinct().withColumn("label", F.col("v")).localCheckpoint()
    while True:
        offered = links.join(labels.toDF("u", "offer"), "u").groupBy("v").agg(F.min("offer").alias("offer"))
        updated = (
            labels.join(offered, "v", "left")
            .select("v", F.least("label", F.coalesce("offer", "label")).alias("label"))
            .localCheckpoint()
        )
        changed = updated.join(labels.toDF("v", "before"), "v").where("label != before").count()
        labels = updated
        if not changed:
            return labels.toDF("vertex", "component")


# --- the scan --------------------------------------------------------------------------------


def scan_spark(
    paths: Sequence[str | os.PathLike[str]],
    *,
    min_relation: Relation = Relation.REWRITE,
    settings: Settings = Settings(),
    skip_bad: bool = False,
    spark: SparkSession | None = None,
) -> ScanResult:
    """``dedup scan`` of the JSONL and Parquet files under ``paths`` on Spark: the same result
    as :func:`dedup.api.scan` on the same records.

    Raises :class:`~dedup.read.InputError` on the first bad input unless ``skip_bad``, which
    lists them in ``ScanResult.skipped`` instead.
    """
    files, listing = input_files(paths)
    if listing and not skip_bad:
        raise InputError(listing[0][1])
    spark = spark or session()
    articles, documents, skipped = _read(spark, files, listing, skip_bad)
    settings_ = settings

    fps = articles.mapInPandas(lambda it: _fingerprints(it, settings_), _FINGERPRINTS).cache()
    terms = fps.select(F.explode("terms").alias("term")).groupBy("term").count()
    df = Counter({r.term: r["count"] for r in terms.collect()})
    corpus = spark.sparkContext.broadcast(Corpus(df, documents))

    view = f"dedup_bands_{uuid.uuid4().hex}"
    bands = fps.select(F.lit(SHINGLES).alias("kind"), "pos", F.posexplode("shingle_bands")).union(
        fps.select(F.lit(SALIENT).alias("kind"), "pos", F.posexplode("salient_bands"))
    )
    bands.toDF("kind", "doc", "band", "bucket").createOrReplaceTempView(view)
    try:
        found = spark.sql(band_join(view, view, condition="l.doc < r.doc")).toDF("kind", "a", "b")
        grouped = found.groupBy("a", "b").agg(
            F.max(F.col("kind") == SHINGLES).alias("by_shingles"), F.max(F.col("kind") == SALIENT).alias("by_salient")
        )
        signatures = fps.select("pos", "salient")
        with_signatures = grouped.join(signatures.toDF("a", "sa"), "a").join(signatures.toDF("b", "sb"), "b")
        min_jaccard = settings.salient_min_jaccard
        candidates = (
            with_signatures.select("a", "b", "by_shingles", "by_salient", "sa", "sb")
            .mapInPandas(lambda it: _confirm(it, min_jaccard), "a long, b long")
            .cache()
        )
        candidate_count = candidates.count()
    finally:
        spark.catalog.dropTempView(view)

    side = {k: articles.select("pos", *_FIELDS).toDF(k, *(f"{k}_{f}" for f in _FIELDS)) for k in ("a", "b")}
    pairs_frame = (
        candidates.join(side["a"], "a")
        .join(side["b"], "b")
        .mapInPandas(lambda it: _verify(it, corpus, settings_, Relation.RELATED), _VERDICTS)
        .cache()
    )
    components = connected_components(pairs_frame.where(F.col("relation") >= int(min_relation)))

    ordered = sorted(articles.collect(), key=lambda r: r.pos)
    result_articles = [Article(**{k: r[k] for k in _FIELDS} | {"origin": r.origin or ""}) for r in ordered]
    pairs = [
        PairVerdict(r.a_id, r.b_id, Relation(r.relation), r.score, json.loads(r.scores)) for r in pairs_frame.collect()
    ]
    pairs.sort(key=lambda p: (-p.relation, -p.score, p.a, p.b))
    ids = {r.pos: r.id for r in ordered}
    groups: dict[int, list[int]] = {}
    for r in components.collect():
        groups.setdefault(r.component, []).append(r.vertex)
    joining = [p for p in pairs if p.relation >= min_relation]
    clusters = []
    for members in sorted(sorted(m) for m in groups.values()):
        inside = {ids[m] for m in members}
        clusters.append(Cluster([ids[m] for m in members], [p for p in joining if p.a in inside]))
    for frame in (articles, fps, candidates, pairs_frame):
        frame.unpersist()
    return ScanResult(
        result_articles,
        pairs,
        clusters,
        min_relation,
        settings,
        candidates=candidate_count,
        skipped=skipped,
        corpus=corpus.value,
    )
