"""Same inputs, byte-identical JSON: across runs and across PYTHONHASHSEED values (real subprocesses).

Sets and dicts iterate in hash order, which PYTHONHASHSEED changes from one process to the next;
a report that leaked that order would differ between two runs on the same articles.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

HASH_SEEDS = ("0", "1", "4242")
HELD = ("000_22ecda8f53d8e44f.txt", "001_aec4fc2534195234.txt", "003_de9af1711e5676fc.txt")
NEW = ("002_ad8ab783e7e40a0e.txt", "004_c4597e8f3988f6be.txt")


def dedup(args: list[str], cwd: Path, hash_seed: str) -> bytes:
    env = {
        **os.environ,
        "PYTHONHASHSEED": hash_seed,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("DEDUP_FORMAT", None)
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", *args], cwd=cwd, env=env, capture_output=True, check=False, timeout=300
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.stdout


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds split as in the README: held (indexed) and new (checked)."""
    folder = tmp_path_factory.mktemp("seeds")
    for group, names in (("held", HELD), ("new", NEW)):
        (folder / group).mkdir()
        for name in names:
            shutil.copy(SEEDS / name, folder / group / name)
    return folder


def runs(args: list[str], folder: Path) -> list[bytes]:
    return [dedup(args, folder, seed) for seed in HASH_SEEDS]


def test_scan_json_is_byte_identical(seeds: Path) -> None:
    outputs = runs(["scan", "held", "new", "--format", "json", "--min-relation", "related"], seeds)
    report = json.loads(outputs[0])
    assert len(report["pairs"]) >= 5 and report["clusters"]  # a report with content to get wrong
    assert outputs[1:] == outputs[:-1]


def test_compare_json_is_byte_identical(seeds: Path) -> None:
    outputs = runs(["compare", f"held/{HELD[0]}", f"held/{HELD[1]}", "--format", "json"], seeds)
    divergences = json.loads(outputs[0])["divergences"]
    assert divergences["conflicts"] and divergences["only_a"] and divergences["shared"]
    assert outputs[1:] == outputs[:-1]


def test_index_and_check_json_are_byte_identical(seeds: Path) -> None:
    """Each hash seed builds its own index, then checks against it: the index must not depend on it either."""
    outputs = []
    for seed in HASH_SEEDS:
        index = f"index-{seed}.duckdb"
        dedup(["index", "add", "held", "--index", index], seeds, seed)
        out = dedup(["check", "new", "--index", index, "--format", "json"], seeds, seed)
        outputs.append(out.replace(index.encode(), b"INDEX"))  # the report names its index file
    findings = json.loads(outputs[0])["findings"]
    assert len(findings) == len(NEW) and all(f["matches"] for f in findings)
    assert outputs[1:] == outputs[:-1]


def test_written_report_equals_stdout(seeds: Path, tmp_path: Path) -> None:
    """-o writes the very bytes stdout gets (same run twice, same hash seed: identical too)."""
    args = ["scan", "held", "new", "--format", "json"]
    dedup([*args, "-o", str(tmp_path / "report.json")], seeds, "7")
    assert (tmp_path / "report.json").read_bytes() == dedup(args, seeds, "7")
