"""The scan pipeline, and a check's verification, on several processes give the same as on one."""

import json
import multiprocessing
import subprocess
import sys
from collections import Counter, deque
from itertools import islice

import numpy as np
import pytest

from dedup import pipeline
from dedup.corpus import Corpus
from dedup.fingerprint import Settings
from dedup.index import pair_keys
from dedup.pipeline import profile_articles, verify_shares
from dedup.read import read_paths
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


def _seed_shares() -> tuple[list[bytes], np.ndarray]:
    """The seeds' prepared data and every pair of them, sorted by second article."""
    prepared = [p.prepared for p in profile_articles(read_paths([SEEDS]).articles, Settings())]
    firsts, seconds = zip(*[(i, j) for j in range(len(prepared)) for i in range(j)], strict=True)
    return prepared, pair_keys(np.array(firsts), np.array(seconds))


def _silent(*_: object) -> None:
    pass


@pytest.mark.parametrize("chunk", [256, 1])  # 1: processes done with their share take others' chunks
def test_shares_give_the_same_verdicts_on_any_number_of_processes(chunk: int, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pipeline, "PAIR_CHUNK", chunk)
    prepared, keys = _seed_shares()
    asked: list[set[str]] = []

    def rarity(terms: set[str]) -> Corpus:
        asked.append(terms)
        return Corpus(Counter({t: len(t) % 4 for t in terms}), 5)  # weights that differ term by term

    runs = [verify_shares(keys, prepared, rarity, jobs, _silent) for jobs in (1, 2, 3)]
    assert [list(r) for r in runs[1:]] == [list(runs[0])] * 2
    assert len(runs[0]) > 0
    assert all(terms == asked[0] for terms in asked)  # every article's terms, however shared


def test_a_failing_share_raises_in_the_parent_and_leaves_no_process():
    prepared, keys = _seed_shares()
    broken = [*prepared[:-1], b"not prepared data"]
    with pytest.raises(RuntimeError, match=r"a verifying process failed: zstandard\.\S*ZstdError") as failed:
        verify_shares(keys, broken, lambda _: Corpus(), 2, _silent)
    assert "Traceback" in failed.value.__notes__[0]  # the process's own, for DEDUP_DEBUG

    def index_gone(_: set[str]) -> Corpus:
        raise ValueError("index gone")

    with pytest.raises(ValueError, match="index gone"):
        verify_shares(keys, prepared, index_gone, 2, _silent)
    assert multiprocessing.active_children() == []


def test_a_process_done_with_its_share_takes_the_last_chunk_of_the_longest_other():
    left = [deque([0, 1]), deque([0, 1, 2, 3]), deque([0])]
    taken = [pipeline._take(left, 0) for _ in range(4)]
    assert taken == [(0, 0), (0, 1), (1, 3), (1, 2)]
    assert pipeline._take(left, 1) == (1, 0)  # its own share's front, still its own
    assert [pipeline._take(left, 0) for _ in range(3)] == [(1, 1), (2, 0), None]
