"""The Spark engine (local[2]) against the embedded one: same candidates, pairs and clusters.

Needs pyspark and Java; skipped cleanly without them. One SparkSession for the module, two
shuffle partitions: every Spark stage costs task start-up, not data, at this size.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the spark engine needs Java", allow_module_level=True)

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dedup.api import ScanResult, scan
from dedup.bandjoin import band_join
from dedup.cluster import UnionFind
from dedup.fingerprint import fingerprint
from dedup.index import candidate_pairs
from dedup.model import Article, Relation
from dedup.normalise import analyse, sentences
from dedup.read import InputError, read_paths, read_records
from dedup.spark import connected_components, scan_spark, session
from tests.conftest import DATA, ROOT, SEEDS

CORPUS = DATA / "fr_news_corpus" / "articles.jsonl"
CORPUS_SIZE = 1_500  # real articles in the large comparison; a few hundred variants are added
FIELDS = ("id", "title", "date", "source", "url", "language", "text")


@pytest.fixture(scope="module")
def spark():
    spark = session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    yield spark
    spark.stop()


def records(articles: list[Article]) -> list[dict]:
    return [{k: getattr(a, k) for k in FIELDS if getattr(a, k) is not None} for a in articles]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    pq.write_table(pa.Table.from_pylist([{k: r.get(k) for k in FIELDS} for r in rows]), path)
    return path


def verdicts(result: ScanResult) -> list[tuple]:
    """Pair verdicts by pair, scores to 9 places: sums over sets run in an order that differs
    between processes (string hashing is salted), which moves the last bits of a float (and so
    the order of pairs of equal score)."""
    return sorted(
        (p.a, p.b, p.relation, round(p.score, 9), {k: v if v is None else round(v, 9) for k, v in p.scores.items()})
        for p in result.pairs
    )


def clusters(result: ScanResult) -> list[tuple]:
    return [(c.members, sorted((p.a, p.b) for p in c.pairs)) for c in result.clusters]


@pytest.fixture(scope="module")
def seed_rows() -> list[dict]:
    return records(read_paths([SEEDS]).articles)


def test_seeds_jsonl_gives_the_embedded_report(spark, tmp_path, seed_rows):
    path = write_jsonl(tmp_path / "seeds.jsonl", seed_rows)
    embedded = scan(read_paths([path]).articles, min_relation=Relation.SAME_EVENT)
    assert scan_spark([path], min_relation=Relation.SAME_EVENT, spark=spark).to_dict() == embedded.to_dict()
    assert len(embedded.clusters) >= 2 and len(embedded.pairs) >= 3  # something to agree on


def test_seeds_parquet_in_a_folder(spark, tmp_path, seed_rows):
    folder = tmp_path / "batch"
    (folder / "b").mkdir(parents=True)
    write_parquet(folder / "b" / "later.parquet", seed_rows[3:])
    write_jsonl(folder / "a.jsonl", seed_rows[:3])
    (folder / "notes.txt").write_text("not read by the spark engine", encoding="utf-8")
    result = scan_spark([folder], min_relation=Relation.SAME_EVENT, spark=spark)
    embedded = scan(read_paths([SEEDS]).articles, min_relation=Relation.SAME_EVENT)
    assert [a.id for a in result.articles] == [a.id for a in embedded.articles]
    assert [a.origin for a in result.articles][2:4] == [f"{folder}/a.jsonl:3", f"{folder}/b/later.parquet:1"]
    assert verdicts(result) == verdicts(embedded)
    assert clusters(result) == clusters(embedded)


def test_bad_records_are_reported_as_the_embedded_reader_reports_them(spark, tmp_path, seed_rows):
    lines = [
        json.dumps(seed_rows[0]),
        "",
        "{not json",
        "[1, 2]",
        json.dumps({"title": "no text"}),
        json.dumps({"text": seed_rows[1]["text"]}),  # no id: named by file and line
        json.dumps(seed_rows[0] | {"title": "again"}),  # a duplicate id: the first one wins
        json.dumps(seed_rows[2]),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = read_paths([path], skip_bad=True)
    result = scan_spark([path], skip_bad=True, spark=spark)
    assert [a.id for a in result.articles] == [a.id for a in expected.articles]
    assert f"{path}:6" in [a.id for a in result.articles]
    assert [str(p) for p in result.skipped] == [str(p) for p in expected.skipped]
    assert len(result.skipped) == 4
    with pytest.raises(InputError) as raised:
        scan_spark([path], spark=spark)
    assert str(raised.value) == str(expected.skipped[0]) == f"{path}:3: " + expected.skipped[0].message


def test_missing_files_and_invalid_utf8_lines_are_named(spark, tmp_path, seed_rows):
    with pytest.raises(InputError, match=r"nowhere\.jsonl: no such file"):
        scan_spark([tmp_path / "nowhere.jsonl"], spark=spark)
    not_parquet = tmp_path / "fake.parquet"
    not_parquet.write_bytes(b"PAR1 but not really")
    with pytest.raises(InputError, match=r"fake\.parquet: not a readable Parquet file"):
        scan_spark([not_parquet], spark=spark)
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(seed_rows[0]).encode() + b'\n{"id": "x", "text": "caf\xe9"}\n')
    result = scan_spark([path], skip_bad=True, spark=spark)
    assert [a.id for a in result.articles] == [seed_rows[0]["id"]]
    assert [p.where for p in result.skipped] == [f"{path}:2"] and "UTF-8" in result.skipped[0].message


def test_connected_components_agree_with_union_find(spark):
    rng = random.Random(6)
    edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(220)]
    edges += [(n, n + 1) for n in range(1000, 1040)]  # a long chain: forty rounds of propagation
    edges = [(a, b) for a, b in edges if a != b]
    uf = UnionFind()
    for a, b in edges:
        uf.union(str(a), str(b))
    expected: dict[str, set[int]] = {}
    for v in uf.parent:
        expected.setdefault(uf.find(v), set()).add(int(v))
    found: dict[int, set[int]] = {}
    for row in connected_components(spark.createDataFrame(edges, "a long, b long")).collect():
        found.setdefault(row.component, set()).add(row.vertex)
    assert sorted(map(sorted, found.values())) == sorted(map(sorted, expected.values()))
    assert all(label == min(members) for label, members in found.items())


def test_the_band_join_sql_is_one_text_for_duckdb_and_spark(spark):
    articles = _corpus(300) if CORPUS.exists() else read_paths([SEEDS]).articles
    fps = [fingerprint(analyse(a)) for a in articles]
    rows = [
        (kind, band, bucket, doc)
        for doc, fp in enumerate(fps)
        for kind, values in ((0, fp.shingle_bands), (1, fp.salient_bands))
        for band, bucket in enumerate(values)
    ]
    sql = band_join("bands", "bands", condition="l.doc < r.doc")
    con = duckdb.connect()
    con.execute("CREATE TABLE bands (kind UTINYINT, band USMALLINT, bucket UBIGINT, doc UINTEGER)")
    con.executemany("INSERT INTO bands VALUES (?, ?, ?, ?)", rows)
    in_duckdb = {(a, b) for _, a, b in con.execute(sql).fetchall()}
    spark.createDataFrame(rows, "kind int, band int, bucket long, doc long").createOrReplaceTempView("bands")
    in_spark = {(r[1], r[2]) for r in spark.sql(sql).collect()}
    assert in_duckdb == in_spark == set(candidate_pairs(fps))  # no salient confirmation: every band pair
    assert in_duckdb


def _corpus(n: int) -> list[Article]:
    with CORPUS.open(encoding="utf-8") as fh:
        lines = [line for _, line in zip(range(n), fh, strict=False)]
    return [a for a in read_records(lines, str(CORPUS)) if isinstance(a, Article)]


def variants(rows: list[dict], rng: random.Random) -> tuple[list[dict], dict[str, str]]:
    """Known duplicates of some of ``rows``: exact copies, copies missing their first and last
    sentences, and rewrites (sentences shuffled, a third dropped). Returns the new records and,
    for each, the id of its original."""
    made, original = [], {}
    for n, row in enumerate(rng.sample(rows, 240)):
        spans = sentences(row["text"])
        if len(spans) < 6:
            continue
        kept = [row["text"][s.start : s.end] for s in spans]
        kind = ("copy", "trimmed", "rewrite")[n % 3]
        if kind == "trimmed":
            kept = kept[1:-1]
        elif kind == "rewrite":
            kept = [s for i, s in enumerate(kept) if i % 3 != 1]
            rng.shuffle(kept)
        new = {k: v for k, v in row.items() if k != "title"} | {"id": f"{kind}-{row['id']}", "text": " ".join(kept)}
        if kind == "copy":
            new["text"] = row["text"]
        made.append(new)
        original[new["id"]] = row["id"]
    return made, original


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/data/fr_news_corpus")
def test_a_real_corpus_with_known_duplicates_gives_the_same_clusters(spark, tmp_path):
    rng = random.Random(2026)
    rows = records(_corpus(CORPUS_SIZE))
    made, original = variants(rows, rng)
    mixed = rows + made
    rng.shuffle(mixed)
    half = len(mixed) // 2
    jsonl = write_jsonl(tmp_path / "first.jsonl", mixed[:half])
    parquet = write_parquet(tmp_path / "second.parquet", mixed[half:])

    result = scan_spark([jsonl, parquet], spark=spark)
    # Spark verifies every candidate: the embedded engine's limit per article is lifted.
    embedded = scan(
        read_paths([jsonl, write_jsonl(tmp_path / "second.jsonl", mixed[half:])]).articles, max_candidates=None
    )

    assert len(result.articles) == len(mixed) and not result.skipped
    assert result.candidates == embedded.candidates
    assert verdicts(result) == verdicts(embedded)
    assert clusters(result) == clusters(embedded)
    # The known duplicates were found: every copy shares a cluster with its original.
    cluster_of = {m: n for n, c in enumerate(result.clusters) for m in c.members}
    copies = [i for i in original if i.startswith(("copy-", "trimmed-"))]
    assert all(cluster_of.get(i) is not None and cluster_of.get(i) == cluster_of.get(original[i]) for i in copies)


def test_cli_engine_spark_writes_the_embedded_json(tmp_path, seed_rows):
    path = write_jsonl(tmp_path / "seeds.jsonl", seed_rows)

    def run(*extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "dedup", "scan", "--format", "json", *extra]
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)

    embedded, spark = run(str(path)), run("--engine", "spark", str(path))
    assert spark.returncode == 0, spark.stderr
    assert spark.stdout == embedded.stdout
    limited = run("--engine", "spark", "--max-candidates", "5", str(path))
    assert limited.returncode == 2 and "--max-candidates" in limited.stderr and "spark" in limited.stderr
    # Inputs are checked before Spark starts: one line naming the file, exit 2.
    missing = run("--engine", "spark", str(tmp_path / "nowhere.jsonl"))
    assert missing.returncode == 2 and "nowhere.jsonl: no such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr
    no_java = run("--engine", "spark", str(path), env=os.environ | {"JAVA_HOME": str(tmp_path / "no-java")})
    assert no_java.returncode == 2 and "error: cannot start Spark" in no_java.stderr and "Java" in no_java.stderr
    assert "Traceback" not in no_java.stderr
