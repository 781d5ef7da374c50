"""The scan pipeline on several processes gives the same bytes as on one."""

import json
import subprocess
import sys
from itertools import islice

import pytest

from tests.conftest import DATA, ROOT, SEEDS

CORPUS = DATA / "fr_news_corpus" / "articles.jsonl"


def scan_json(*args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", *args, "--format", "json", "--min-relation", "related"],
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    return done.stdout


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/data/fr_news_corpus")
def test_jobs_do_not_change_the_report(tmp_path):
    # The seeds and a few hundred real articles, with the corpus's own duplicates among them.
    with CORPUS.open(encoding="utf-8") as f:
        lines = list(islice(f, 400))
    copy = json.loads(lines[0])
    copy["id"] += "-copy"  # a known exact duplicate, far from its original in the batch
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(lines) + json.dumps(copy, ensure_ascii=False) + "\n", encoding="utf-8")
    one = scan_json(str(SEEDS), str(batch), "--jobs", "1")
    two = scan_json(str(SEEDS), str(batch), "--jobs", "2")
    assert one == two
    report = json.loads(one)
    assert report["summary"]["articles_read"] == 406
    assert report["summary"]["pairs"] > 0
    original = copy["id"].removesuffix("-copy")
    assert {(p["a"], p["b"], p["relation"]) for p in report["pairs"]} >= {(original, copy["id"], "exact")}


def test_jobs_must_be_positive():
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", str(SEEDS), "--jobs", "0"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2
    assert "--jobs" in done.stderr
    assert "Traceback" not in done.stderr
