"""Index safety with real processes: SIGKILL at random moments, two writers at once, files
that are not an index. Every run is a real ``python -m dedup`` subprocess on a real DuckDB file."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from dedup.score import Prepared
from dedup.store import Store
from tests.conftest import DATA, ROOT, SEEDS

CORPUS = DATA / "fr_news_corpus" / "articles.jsonl"
KILLS = 20
NEW_PER_BATCH, READDED_PER_BATCH = 6, 2


def _dedup(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
    )


def _run(*args: str) -> subprocess.CompletedProcess:
    proc = _dedup(*args)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def records():
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} is absent")
    with CORPUS.open(encoding="utf-8") as fh:
        rows = [json.loads(next(fh)) for _ in range(NEW_PER_BATCH * (KILLS + 20))]
    return [{k: r[k] for k in ("id", "title", "text") if k in r} for r in rows]


def _write_batches(records, folder: Path, count: int, rng: random.Random) -> list[tuple[Path, list[str]]]:
    """``count`` JSONL batches: new articles, plus a few re-added (replaced) from earlier batches."""
    batches = []
    for k in range(count):
        new = records[k * NEW_PER_BATCH : (k + 1) * NEW_PER_BATCH]
        again = rng.sample(records[: k * NEW_PER_BATCH], min(READDED_PER_BATCH, k * NEW_PER_BATCH))
        path = folder / f"batch{k:02d}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new + again), encoding="utf-8")
        batches.append((path, [r["id"] for r in new + again]))
    return batches


def _assert_consistent(path: Path, expected_ids: set[str]) -> None:
    """The index holds exactly ``expected_ids``, each once, with its bands, and term document
    frequencies equal to those recomputed from the stored prepared data."""
    with Store.open(path) as store:
        assert store.count() == len(expected_ids)
        stored, lost = store.prepared(range(10**6))
        assert lost == []
        prepared = {doc: Prepared.loads(data) for doc, data in stored.items()}
        stored_df = store.document_frequencies(set().union(*(p.terms for p in prepared.values())) | {"sommet"})
    assert sorted(p.id for p in prepared.values()) == sorted(expected_ids)
    with duckdb.connect(str(path), read_only=True) as con:
        shingled = [row[0] for row in con.execute("SELECT doc FROM shingle_bands").fetchall()]
        salient = [row[0] for row in con.execute("SELECT doc FROM salient_bands").fetchall()]
        terms = con.execute("SELECT count(*) FROM terms").fetchone()[0]
    df: Counter[str] = Counter()
    for p in prepared.values():
        df.update(p.terms)
    # One band row an article, none of a removed or half-added one.
    assert sorted(shingled) == sorted(prepared) and set(salient) <= set(prepared) and len(set(salient)) == len(salient)
    assert stored_df == df and terms == len(df)


def test_sigkill_at_random_moments_keeps_every_completed_add(tmp_path, records):
    rng = random.Random(5)
    index = tmp_path / "index.duckdb"
    batches = _write_batches(records, tmp_path, KILLS + 15, rng)
    # A first add, run to completion, measures how long one takes on this machine now.
    started = time.monotonic()
    first = _run("index", "add", str(batches[0][0]), "--index", str(index))
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    held = set(batches[0][1])
    wal = index.with_name(index.name + ".wal")
    kills = mid_write = 0
    for n, (batch, ids) in enumerate(batches[1:]):
        if kills == KILLS:
            break
        proc = _dedup("index", "add", str(batch), "--index", str(index))
        if n % 2:  # any moment from start-up to just after the commit
            delay = rng.uniform(0.1, 1.1) * duration
        else:  # in the write itself: DuckDB's log appears with the transaction's first write
            while proc.poll() is None and not wal.exists():
                time.sleep(0.005)
            delay = rng.uniform(0.0, 0.1)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        mid_write += proc.returncode == -signal.SIGKILL and wal.exists()
        if proc.returncode == 0:
            held |= set(ids)
        else:
            assert proc.returncode == -signal.SIGKILL, proc.stderr
        fresh = set(ids) - held
        with Store.open(index) as store:  # opens (replaying the log of a killed writer) ...
            assert store.present(held) == held  # ... and holds every completed add
            present = store.present(fresh)
        assert present in (set(), fresh), "a killed add left part of its batch"
        if present:  # killed after its commit: complete all the same
            held |= set(ids)
    assert kills == KILLS
    print(f"{kills} kills, {mid_write} after the writer had opened its log; {len(held)} articles held")
    last = _run("index", "add", str(batches[-1][0]), "--index", str(index))
    assert last.returncode == 0, last.stderr
    _assert_consistent(index, held | set(batches[-1][1]))


def test_two_writers_at_once_never_corrupt_the_index(tmp_path, records):
    index = tmp_path / "index.duckdb"
    batches = _write_batches(records, tmp_path, 3, random.Random(7))
    assert _run("index", "add", str(batches[0][0]), "--index", str(index)).returncode == 0
    procs = [_dedup("index", "add", str(b), "--index", str(index)) for b, _ in batches[1:]]
    results = [(p, *p.communicate(timeout=120)) for p in procs]
    held = set(batches[0][1])
    for (proc, _, err), (_, ids) in zip(results, batches[1:], strict=True):
        if proc.returncode == 0:
            held |= set(ids)
        else:  # the one that waited too long says so
            assert proc.returncode == 2 and "in use by another process" in err and len(err.splitlines()) == 1
    _assert_consistent(index, held)


def test_a_writer_that_cannot_get_the_index_fails_clearly(tmp_path):
    index = tmp_path / "index.duckdb"
    assert _run("index", "add", str(SEEDS / "000_22ecda8f53d8e44f.txt"), "--index", str(index)).returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from dedup.store import Store; s = Store.open(sys.argv[1], write=True); "
            "print('ready', flush=True); time.sleep(60)",
            str(index),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        add = _run("index", "add", str(SEEDS), "--index", str(index), "--lock-timeout", "0.5")
        check = _run("check", str(SEEDS / "002_ad8ab783e7e40a0e.txt"), "--index", str(index), "--lock-timeout", "0")
    finally:
        holder.kill()
        holder.wait()
    for result in (add, check):
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [
            f"error: {index}: the index is in use by another process (PID {holder.pid}); "
            f"waited {'0.5' if result is add else '0'} s"
        ]
    with Store.open(index) as store:
        assert store.count() == 1


def _sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE articles (id TEXT)")
    con.close()


def _other_duckdb(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE sales (n INTEGER)")


def _damaged(path: Path, how: str) -> None:
    from dedup.read import read_paths

    with Store.open(path, write=True) as store:
        store.add(read_paths([SEEDS]).articles)
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    else:  # garbage over every data block after the headers, as a failing disk might leave
        rng = random.Random(3)
        for offset in range(3 * 4096, len(data), 64 * 1024):
            data[offset : offset + 256] = rng.randbytes(256)
    path.write_bytes(bytes(data))


ADD = ("index", "add", str(SEEDS / "002_ad8ab783e7e40a0e.txt"))
CHECK = ("check", str(SEEDS))
# (what the error says, how to make the file, the command given it): writers and readers both
FOREIGN = {
    "empty": ("an empty file", lambda p: p.write_bytes(b""), ADD),
    "text": ("not a DuckDB database", lambda p: p.write_text("Un sommet à Paris.\n" * 50, encoding="utf-8"), CHECK),
    "sqlite": ("an SQLite database", _sqlite, ADD),
    "other duckdb": ("a DuckDB database, but not a dedup index", _other_duckdb, CHECK),
    "truncated": ("", lambda p: _damaged(p, "truncated"), CHECK),
    "corrupted": ("", lambda p: _damaged(p, "corrupted"), ADD),
}


@pytest.mark.parametrize("kind", FOREIGN)
def test_a_foreign_or_damaged_file_as_index_is_one_clear_line_and_exit_2(tmp_path, kind):
    says, make, args = FOREIGN[kind]
    index = tmp_path / "given.duckdb"
    make(index)
    before = index.read_bytes()
    result = _run(*args, "--index", str(index))
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {index}: ") and says in line and "Traceback" not in line
    assert index.read_bytes() == before  # never written to, never replaced
