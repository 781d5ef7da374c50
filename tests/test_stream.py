"""A scan of a stream of articles: the same report as of a list, no text kept, a late bad input still fatal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest

from dedup.api import scan
from dedup.model import Article, ArticleInfo
from dedup.read import ArticleStream, InputError, read_paths
from dedup.reports import html as html_report
from dedup.reports import json as json_report
from tests.conftest import DATA, ROOT, SEEDS

CORPUS = DATA / "fr_news_corpus" / "articles.jsonl"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> list[Article]:
    """The seeds and, when the shared data is here, 300 real articles: several chunks of work."""
    paths = [SEEDS]
    if CORPUS.exists():
        paths.append(tmp_path_factory.mktemp("corpus") / "part.jsonl")
        with CORPUS.open(encoding="utf-8") as f:
            paths[-1].write_text("".join(islice(f, 300)), encoding="utf-8")
    return read_paths(paths).articles


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stream_gives_the_report_of_a_list(batch: list[Article], jobs: int) -> None:
    listed = scan(batch, jobs=jobs)
    streamed = scan((a for a in batch), jobs=jobs)
    assert json_report.render(streamed) == json_report.render(listed)
    assert listed.to_dict()["summary"]["articles_read"] == len(batch)
    assert listed.articles == batch and all(a is b for a, b in zip(listed.articles, batch, strict=True))
    # The stream's texts are gone: each article is kept as its metadata alone, the same strings.
    assert all(type(a) is ArticleInfo for a in streamed.articles)
    assert [a.metadata() for a in streamed.articles] == [a.metadata() for a in batch]


def test_the_html_page_needs_the_texts(batch: list[Article]) -> None:
    streamed = scan(iter(batch[:5]), jobs=1)
    with pytest.raises(ValueError, match="shows the articles' texts"):
        html_report.render_scan(streamed)
    assert "<html" in html_report.render_scan(scan(batch[:5], jobs=1))


def test_a_scan_reads_the_stream_once_and_lazily(tmp_path: Path) -> None:
    """The stream is read as scanned: a problem after the first articles is raised from scan."""
    feed = tmp_path / "feed.jsonl"
    texts = [a.text for a in read_paths([SEEDS]).articles]
    feed.write_text(_jsonl([{"id": f"a{n}", "text": t} for n, t in enumerate(texts)] + ['{"id": "late"']))
    stream = ArticleStream([feed])
    with pytest.raises(InputError, match=f"{feed}:6: malformed JSON"):
        scan(stream, jobs=1)
    stream = ArticleStream([feed], skip_bad=True)
    result = scan(stream, jobs=1)
    assert [a.id for a in result.articles] == [f"a{n}" for n in range(len(texts))]
    assert [p.where for p in stream.skipped] == [f"{feed}:6"]


def _jsonl(records: list[dict | str]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


def _feed(folder: Path, last: dict | str) -> Path:
    """300 records made of the seeds (more than the first chunks the processes take), then ``last``."""
    texts = [a.text for a in read_paths([SEEDS]).articles]
    records: list[dict | str] = [
        {"id": f"r{n}", "text": f"{texts[n % len(texts)]}\n\nMise à jour n° {n}."} for n in range(300)
    ]
    path = folder / "feed.jsonl"
    path.write_text(_jsonl([*records, last]), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("last", "error"),
    [
        ({"id": "r7", "text": "Une autre dépêche."}, "feed.jsonl:301: duplicate id 'r7' (first seen in feed.jsonl:8)"),
        ('{"id": "x", "text": "Coupé', "feed.jsonl:301: malformed JSON: Unterminated string starting at (column 21)"),
    ],
    ids=["duplicate id", "malformed line"],
)
def test_a_late_bad_line_exits_2_and_writes_nothing(tmp_path: Path, last: dict | str, error: str) -> None:
    feed = _feed(tmp_path, last)
    old = b"the previous report\n"
    (tmp_path / "report").write_bytes(old)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}

    def dedup(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dedup", "scan", feed.name, "--jobs", "2", *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)

    for args in (["-f", "json", "-o", "report"], ["-f", "json", "-o", "new-report"], ["-f", "json"], ["-o", "report"]):
        done = dedup(*args)
        assert (done.returncode, done.stderr, done.stdout) == (2, f"error: {error}\n", "")
    assert (tmp_path / "report").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.jsonl", "report"]  # nothing new, no temporary file
    skipped = dedup("-f", "json", "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    assert [line for line in skipped.stderr.splitlines() if line] == [f"warning: skipped {error}"]
    summary = json.loads(skipped.stdout)["summary"]
    assert (summary["articles_read"], summary["articles_skipped"]) == (300, 1)
