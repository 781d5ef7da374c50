import json
import subprocess
import sys
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from dedup.cli import app
from tests.conftest import ROOT, SEEDS

runner = CliRunner()
SCHEMA = json.loads(files("dedup").joinpath("schemas/scan.schema.json").read_text())


def scan_json(*args, **kwargs):
    result = runner.invoke(app, ["scan", *args, "--format", "json"], **kwargs)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return report


def test_scan_json_on_the_seeds():
    report = scan_json(str(SEEDS))
    assert report["summary"]["articles_read"] == 5
    assert [sorted(m[:3] for m in c["members"]) for c in report["clusters"]] == [["001", "002"]]
    joined = report["clusters"][0]["pairs"][0]
    assert joined["relation"] == "rewrite"
    dated = {a["id"][:3]: a.get("date") for a in report["articles"]}
    assert dated["001"] == "2026-01-06" and dated["004"] == "2025-09-02" and dated["000"] is None


def test_min_relation_same_event_joins_003_and_004():
    report = scan_json(str(SEEDS), "--min-relation", "same_event")
    members = [{m[:3] for m in c["members"]} for c in report["clusters"]]
    assert any({"003", "004"} <= m for m in members)


def test_text_report_is_plain_without_a_terminal():
    result = runner.invoke(app, ["scan", str(SEEDS)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert "Cluster 1" in result.stdout and "001_aec4fc2534195234.txt" in result.stdout
    assert "5 articles read, 0 skipped" in result.stdout and "1 cluster at rewrite" in result.stdout


def test_stdin_jsonl(seed_articles):
    lines = "".join(json.dumps({"id": k, "text": a.text}) + "\n" for k, a in seed_articles.items())
    report = scan_json("-", input=lines)
    assert [sorted(c["members"]) for c in report["clusters"]] == [["001", "002"]]


def test_output_file_written(tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["scan", str(SEEDS), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    jsonschema.validate(json.loads(out.read_text()), SCHEMA)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothere"], "nothere: no such file or directory"),
        ([str(ROOT / "fixtures/bad/empty.txt")], "empty article"),
        ([str(ROOT / "fixtures/bad/binary.txt")], "binary file"),
        ([str(ROOT / "fixtures/bad/invalid_utf8.txt")], "not valid UTF-8"),
        ([str(ROOT / "fixtures/bad/malformed.jsonl")], "malformed.jsonl:"),
        ([str(SEEDS), str(SEEDS)], "duplicate id"),
        (["--min-relation", "cousin", str(SEEDS)], "unknown relation"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(args, message):
    result = runner.invoke(app, ["scan", *args])
    assert result.exit_code == 2
    assert message in result.stderr.replace("\n", " ")
    assert "Traceback" not in result.output


def test_skip_bad_counts_what_it_skipped():
    report = scan_json(str(SEEDS), str(ROOT / "fixtures/bad/empty.txt"), "--skip-bad")
    assert report["summary"] == report["summary"] | {"articles_read": 5, "articles_skipped": 1}
    assert report["skipped"][0]["message"] == "empty article"


def test_real_subprocess_run():
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", str(SEEDS), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    jsonschema.validate(json.loads(proc.stdout), SCHEMA)
    missing = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "no/such/dir"], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "no/such/dir" in missing.stderr
