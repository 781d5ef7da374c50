"""`dedup check` and `dedup index`: the CI gate end to end on the seeds, with a real DuckDB file."""

import gc
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from dedup.api import check, index_add, index_stats, scan
from dedup.cli import app
from dedup.model import Relation
from dedup.store import FORMAT_VERSION, StoreError
from tests.conftest import SEEDS

runner = CliRunner()
SCHEMA = json.loads(files("dedup").joinpath("schemas/check.schema.json").read_text())
ID = {path.name[:3]: path.name for path in SEEDS.glob("*.txt")}


def _folder(tmp_path, name, keys):
    """A folder holding some seeds, so that their ids are their file names."""
    folder = tmp_path / name
    folder.mkdir()
    for k in keys:
        shutil.copy(SEEDS / ID[k], folder)
    return str(folder)


def _cli(*args, **kwargs):
    result = runner.invoke(app, list(args), **kwargs)
    assert "Traceback" not in result.output
    return result


def _check_json(*args):
    result = _cli("check", *args, "--format", "json")
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return result.exit_code, report


def _strongest(report):
    return {
        f["id"][:3]: (f["matches"][0]["id"][:3], f["matches"][0]["relation"])
        for f in report["findings"]
        if f["matches"]
    }


@pytest.fixture
def seed_index(tmp_path):
    """An index of 000, 001 and 003, built through the command line."""
    index = str(tmp_path / "ci" / "index.duckdb")
    result = _cli("index", "add", _folder(tmp_path, "held", ["000", "001", "003"]), "--index", index)
    assert result.exit_code == 0, result.output
    assert f"added 3 articles to {index}; it holds 3" in result.stdout
    return index


def test_the_issue_end_to_end(tmp_path, seed_index):
    new = _folder(tmp_path, "new", ["002", "004"])
    code, report = _check_json(new, "--index", seed_index)
    assert code == 1 and report["failed"] is True
    assert _strongest(report) == {"002": ("001", "rewrite"), "004": ("003", "same_event")}
    assert [f["status"] for f in report["findings"]] == ["fail", "pass"]
    assert report["index"]["articles"] == 3 and report["summary"]["articles_failing"] == 1
    assert all(m["in_index"] for f in report["findings"] for m in f["matches"])

    text = _cli("check", new, "--index", seed_index, env={"NO_COLOR": "1"})
    assert text.exit_code == 1
    assert "2 articles checked against 3 indexed articles" in text.stdout
    assert f"✗ {ID['002']}\n    → {ID['001']} (indexed): rewrite" in text.stdout
    assert f"· {ID['004']}\n    → {ID['003']} (indexed): same_event" in text.stdout
    assert _cli("check", new, "--index", seed_index, "--exit-zero").exit_code == 0
    assert _cli("check", new, "--index", seed_index, "--fail-on", "exact").exit_code == 0
    assert _cli("check", new, "--index", seed_index, "--fail-on", "same_event").exit_code == 1


def test_a_related_article_passes(tmp_path):
    index = str(tmp_path / "index.duckdb")
    held = _folder(tmp_path, "held", ["001", "002", "003", "004"])
    assert _cli("index", "add", held, "--index", index).exit_code == 0
    code, report = _check_json(_folder(tmp_path, "new", ["000"]), "--index", index)
    assert code == 0 and report["failed"] is False
    assert report["findings"][0]["relation"] in ("same_event", "related")  # 000 is another summit


def test_term_rarity_comes_from_the_index_and_the_batch(tmp_path, seed_articles):
    """Checking 002 and 004 against an index of the other three scores pairs as a scan of all five."""
    index = tmp_path / "index.duckdb"
    index_add([seed_articles[k] for k in ("000", "001", "003")], index)
    result = check([seed_articles["002"], seed_articles["004"]], index)
    scanned = {frozenset((p.a, p.b)): p for p in scan(list(seed_articles.values())).pairs}
    compared = [m.verdict for f in result.findings for m in f.matches]
    assert len(compared) == 5  # 002 with 000, 001 and 003; 004 with 001 and 003
    for verdict in compared:
        expected = scanned[frozenset((verdict.a, verdict.b))]
        assert verdict.relation == expected.relation
        assert verdict.scores == pytest.approx(expected.scores, abs=1e-9)  # verification is symmetric


def test_check_gives_the_cycle_collector_back(tmp_path, seed_articles):
    """A check pauses Python's cycle collector while it works, and leaves it as it found it, even
    when it fails."""
    index = tmp_path / "index.duckdb"
    index_add([seed_articles["000"]], index)
    assert gc.isenabled()
    during = []
    check([seed_articles["001"]], index, progress=lambda *_: during.append(gc.isenabled()), jobs=1)
    assert during and not any(during)
    assert gc.isenabled()
    with pytest.raises(StoreError):
        check([seed_articles["001"]], tmp_path / "missing.duckdb")
    assert gc.isenabled()
    gc.disable()
    try:
        check([seed_articles["001"]], index)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_new_articles_are_checked_against_each_other(tmp_path, seed_articles):
    index = tmp_path / "index.duckdb"
    index_add([seed_articles["000"]], index)
    result = check([seed_articles["001"], seed_articles["002"]], index)
    assert result.failed
    first, second = result.findings
    assert (first.matches[0].id, first.matches[0].in_index, first.relation) == (ID["002"], False, Relation.REWRITE)
    assert (second.matches[0].id, second.relation) == (ID["001"], Relation.REWRITE)
    # an indexed article with a new article's id is its older version, not a duplicate of it
    again = check([seed_articles["000"]], index)
    assert again.findings[0].matches == [] and not again.failed


def test_max_candidates_bounds_the_indexed_articles_a_new_one_is_verified_against(tmp_path, seed_articles):
    """Four copies of 001 indexed with 000 and 003: 002, a rewrite of 001, has six indexed
    candidates; a cap keeps the strongest, the copies, and of those (tied) the first indexed."""
    index = tmp_path / "index.duckdb"
    copies = [replace(seed_articles["001"], id=f"copy-{n}") for n in range(4)]
    index_add([seed_articles["000"], *copies, seed_articles["003"]], index)
    new = [seed_articles["002"]]

    def verified(cap):
        result = check(new, index, max_candidates=cap)
        assert result.findings[0].matches[0].id.startswith("copy-")  # the strongest match is a copy
        return result.candidates, {m.id for m in result.findings[0].matches}

    assert verified(None) == (6, {"copy-0", "copy-1", "copy-2", "copy-3", ID["000"]})  # at most five matches
    assert verified(2) == (2, {"copy-0", "copy-1"})
    assert verified(1) == (1, {"copy-0"})
    folder = _folder(tmp_path, "new", ["002"])
    for args, env, expected in (
        (["--max-candidates", "1"], {}, 1),
        (["--max-candidates", "0"], {}, 6),
        ([], {"DEDUP_MAX_CANDIDATES": "3"}, 3),
        (["--max-candidates", "2"], {"DEDUP_MAX_CANDIDATES": "3"}, 2),  # the option wins
    ):
        result = _cli("check", folder, "--index", str(index), "--format", "json", *args, env=env)
        assert json.loads(result.stdout)["summary"]["candidates"] == expected, args
    assert _cli("check", folder, "--index", str(index), "--max-candidates", "-1").exit_code == 2


def test_index_remove_and_stats(tmp_path, seed_index):
    stats = _cli("index", "stats", "--index", seed_index, "--format", "json")
    assert stats.exit_code == 0 and json.loads(stats.stdout)["articles"] == 3
    removed = _cli("index", "remove", ID["001"], "nope", "--index", seed_index)
    assert removed.exit_code == 0 and "removed 1 article" in removed.stdout
    assert "not in the index: nope" in removed.stderr
    assert index_stats(seed_index).articles == 2
    text = _cli("index", "stats", "--index", seed_index)
    assert "articles     2" in text.stdout and f"format version {FORMAT_VERSION}" in text.stdout
    # 002 no longer has its source in the index
    code, report = _check_json(_folder(tmp_path, "new", ["002"]), "--index", seed_index)
    assert code == 0 and not any(m["id"] == ID["001"] for m in report["findings"][0]["matches"])


def test_re_adding_through_the_cli_replaces(tmp_path, seed_index):
    again = _cli("index", "add", str(tmp_path / "held"), "--index", seed_index)
    assert again.exit_code == 0 and "(3 replaced)" in again.stdout and "it holds 3" in again.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"garbage" * 1000, "not a dedup index"),
        (None, "no index here (build one with `dedup index add`)"),
    ],
)
def test_a_bad_index_is_exit_2_with_one_clear_line(tmp_path, content, message):
    index = tmp_path / "index.duckdb"
    if content is not None:
        index.write_bytes(content)
    for args in (["check", str(SEEDS)], ["index", "stats"], ["index", "remove", "x"]):
        result = _cli(*args, "--index", str(index))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr.replace("\n", " ") and result.stderr.count("\n") <= 2
    if content is not None:
        result = _cli("index", "add", str(SEEDS), "--index", str(index))
        assert result.exit_code == 2 and index.read_bytes() == content


def test_bad_usage_is_exit_2(tmp_path, seed_index):
    assert _cli("check", str(SEEDS), "--index", seed_index, "--fail-on", "cousin").exit_code == 2
    assert _cli("check", "no/such/dir", "--index", seed_index).exit_code == 2


def test_real_subprocess_run(tmp_path, seed_index):
    new = _folder(tmp_path, "new", ["002", "004"])
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", "check", new, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DEDUP_INDEX": seed_index},
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    assert _strongest(report)["002"] == ("001", "rewrite") and proc.stderr == ""


@pytest.mark.parametrize("damage", ["truncate", "overwrite"])
def test_a_damaged_index_is_exit_2_with_one_clear_line(tmp_path, seed_articles, damage):
    index = tmp_path / "index.duckdb"
    index_add(list(seed_articles.values()), index)
    data = bytearray(index.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 4 : len(data) // 2] = b"\xff" * (len(data) // 2 - len(data) // 4)
    index.write_bytes(bytes(data))
    result = _cli("check", str(SEEDS), "--index", str(index))  # reads every band block
    assert result.exit_code == 2, result.output
    assert "cannot use the index, is it damaged?" in result.stderr or "not a dedup index" in result.stderr
    for args in (["index", "stats"], ["index", "add", str(SEEDS)]):  # may not touch the damaged blocks
        result = _cli(*args, "--index", str(index))
        assert result.exit_code in (0, 2) and "internal error" not in result.stderr, (args, result.output)


def _dedup(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, check=False, cwd=cwd)


def _held_ids(index):
    import duckdb

    with duckdb.connect(str(index), read_only=True) as con:
        return {row[0][:3] for row in con.execute("SELECT id FROM articles").fetchall()}


def test_add_pass_adds_a_passing_batch_only(tmp_path, seed_index):
    # 004 (same event as 003) passes at the default --fail-on: added.
    passing = _dedup("check", _folder(tmp_path, "ok", ["004"]), "--index", seed_index, "--add=pass")
    assert passing.returncode == 0, passing.stderr
    assert f"added 1 article to {seed_index}; it holds 4" in passing.stderr
    assert _held_ids(seed_index) == {"000", "001", "003", "004"}
    # 002 (a rewrite of 001) fails: it stays out of the index.
    failing = _dedup("check", _folder(tmp_path, "bad", ["002"]), "--index", seed_index, "--add", "pass")
    assert failing.returncode == 1 and f"not added to {seed_index}: the check failed" in failing.stderr
    assert _held_ids(seed_index) == {"000", "001", "003", "004"}
    # 004, now held, checked again is its own older version, not a duplicate of itself
    again = _dedup("check", _folder(tmp_path, "again", ["004"]), "--index", seed_index, "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["findings"][0]["status"] == "pass"


def test_add_always_adds_a_failing_batch(tmp_path, seed_index):
    proc = _dedup("check", _folder(tmp_path, "new", ["002", "004"]), "--index", seed_index, "--add=always")
    assert proc.returncode == 1  # the verdict stands; the batch is added all the same
    assert f"added 2 articles to {seed_index}; it holds 5" in proc.stderr
    assert _held_ids(seed_index) == {"000", "001", "002", "003", "004"}


def test_add_creates_a_missing_index_and_never_is_the_default(tmp_path):
    index = tmp_path / "fresh" / "index.duckdb"
    batch = _folder(tmp_path, "batch", ["000", "003", "004"])
    plain = _dedup("check", batch, "--index", str(index))
    assert plain.returncode == 2 and "no index here" in plain.stderr and not index.exists()
    first = _dedup("check", batch, "--index", str(index), "--add=pass")
    assert first.returncode == 0 and _held_ids(index) == {"000", "003", "004"}
    bad = _dedup("check", batch, "--index", str(index), "--add=sometimes")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_add_from_python(tmp_path, seed_articles):
    index = tmp_path / "index.duckdb"
    index_add([seed_articles["001"]], index)
    failed = check([seed_articles["002"]], index, add="pass")
    assert failed.failed and failed.added is None
    passed = check([seed_articles["003"]], index, add="pass")
    assert not passed.failed and passed.added is not None and passed.added.total == 2
    assert index_stats(index).articles == 2
