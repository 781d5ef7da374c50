"""The pre-commit hook, run by pre-commit itself in a temporary git repository.

pre-commit clones this repository at its HEAD commit and installs dedup from it into its own
virtual environment (from PyPI: it needs the network). ``try-repo`` does so on every call;
``pre-commit run`` with a configuration naming this repository keeps the environment in
pre-commit's cache, so the other cases use it.
"""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEEDS

pytest.importorskip("pre_commit")
ID = {path.name[:3]: path.name for path in SEEDS.glob("*.txt")}


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def head():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and this repository's history")
    return _git(ROOT, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path):
    """A git repository of articles whose index holds `held`; `stage` adds new ones for the commit."""

    def make(held, stage):
        _git(tmp_path, "init", "-q")
        (tmp_path / "articles").mkdir()
        for k in held:
            shutil.copy(SEEDS / ID[k], tmp_path / "articles")
        # from the root, so that ids are paths from the root, as pre-commit names files
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "dedup", "index", "add", "."], cwd=tmp_path, env=env, check=True)
        for k in stage:
            shutil.copy(SEEDS / ID[k], tmp_path / "articles")
        (tmp_path / "README.md").write_text("# Articles\n", encoding="utf-8")  # not staged: not checked
        _git(tmp_path, "add", *(f"articles/{ID[k]}" for k in stage))
        return tmp_path

    return make


def _pre_commit(cwd, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEDUP_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=1200,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _run(cwd, head):
    config = f"repos:\n- repo: {ROOT}\n  rev: {head}\n  hooks:\n  - id: dedup-check\n"
    (cwd / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    _git(cwd, "add", ".pre-commit-config.yaml")
    return _pre_commit(cwd, "run")


def test_a_staged_rewrite_fails_the_commit(repo, head):
    code, out = _pre_commit(repo(["000", "001", "003"], ["002"]), "try-repo", str(ROOT), "dedup-check", "--ref", head)
    assert code == 1, out
    assert "dedup check" in out and "Failed" in out
    assert f"✗ articles/{ID['002']}\n    → articles/{ID['001']} (indexed): rewrite" in out


def test_a_same_event_report_passes(repo, head):
    code, out = _run(repo(["000", "001", "003"], ["004"]), head)
    assert code == 0, out
    assert "Passed" in out


def test_staged_articles_are_checked_against_each_other_in_one_call(repo, head):
    # 001 and 002 both new: caught only if one call sees both (require_serial), however many cores
    code, out = _run(repo(["000"], ["001", "002", "003", "004"]), head)
    assert code == 1, out
    assert out.count("articles checked against") == 1 and "4 articles checked against 1 indexed article" in out
    assert f"→ articles/{ID['002']} (in this batch): rewrite" in out
