"""The bad-input matrix: scan, compare, check and index add run as real subprocesses on broken inputs.

Each bad input gives exit 2 and one line naming the file (and line); legacy encodings, a BOM and
CRLF are read (cp1252 with a note); never a traceback. ``--skip-bad`` turns every problem into a
counted warning and still processes the valid articles. ``docs/bad-input.md`` is this matrix as
the run gives it: written by ``DEDUP_UPDATE_DOCS=1 python -m pytest tests/test_bad_input.py``,
checked against it otherwise.
"""

from __future__ import annotations

import codecs
import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dedup.read import CP1252_NOTE, NO_ARTICLES, TOO_LARGE
from tests.conftest import ROOT, SEEDS

DOC = ROOT / "docs" / "bad-input.md"
COMMANDS = ("scan", "compare", "check", "index add")
ARTICLE = (
    "Le président Emmanuel Macron a réuni jeudi à Paris les dirigeants de 35 pays. "
    "« Nous avons réussi », a déclaré l’Élysée après trois heures de discussion.\n"
    "Le Premier ministre britannique Keir Starmer a promis 2 000 soldats.\n"
)
GOOD = "good.txt"  # every case folder has it: compare's second article
DAMAGE_AT = ARTICLE.encode().index(b"jeudi")  # where damaged.txt gets a stray byte
NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def _jsonl(*records: dict | str) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records).encode()


def _symlink_loop(folder: Path) -> None:
    (folder / "loop.txt").symlink_to("loop.txt")


def _locked(folder: Path) -> None:
    (folder / "locked.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "locked.txt").chmod(0)


def _no_articles(folder: Path) -> None:
    (folder / "notes").mkdir()
    (folder / "notes" / "lisez-moi.rtf").write_text("pas un article")


@dataclass
class Case:
    name: str
    paths: list[str]
    error: str | None  # the expected "where: message" with exit 2; None: read, exit 0
    files: dict[str, bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    stdin: bytes | None = b""  # fed to '-'; None: standard input closed
    note: str | None = None
    valid: int = 0  # valid articles among the inputs, still processed under --skip-bad
    compare_error: str | None = ""  # compare's own expectation, when it differs ("" = same as error)
    unreadable: bool = False  # needs a process that file permissions apply to


CASES = [
    Case("missing path", ["missing.txt"], "missing.txt: no such file or directory"),
    Case("folder without articles", ["notes"], f"notes: {NO_ARTICLES}", setup=_no_articles),
    Case("empty file", ["empty.txt"], "empty.txt: empty article", files={"empty.txt": b""}),
    Case("whitespace-only article", ["blank.txt"], "blank.txt: empty article", files={"blank.txt": b" \n\t \r\n"}),
    Case(
        "binary file",
        ["image.txt"],
        "image.txt: binary file, not text",
        files={"image.txt": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0"},
    ),
    Case(
        "invalid UTF-8 (damaged byte)",
        ["damaged.txt"],
        f"damaged.txt: not valid UTF-8 (first bad byte at offset {DAMAGE_AT})",
        files={"damaged.txt": ARTICLE.encode()[:DAMAGE_AT] + b"\xff" + ARTICLE.encode()[DAMAGE_AT:]},
    ),
    Case(
        "legacy encoding (cp1252)",
        ["legacy.txt"],
        None,
        files={"legacy.txt": ARTICLE.encode("cp1252")},
        note=f"legacy.txt: {CP1252_NOTE}",
        valid=1,
    ),
    Case("UTF-8 BOM", ["bom.txt"], None, files={"bom.txt": codecs.BOM_UTF8 + ARTICLE.encode()}, valid=1),
    Case("CRLF line ends", ["crlf.txt"], None, files={"crlf.txt": ARTICLE.replace("\n", "\r\n").encode()}, valid=1),
    Case("50 MB article", ["huge.txt"], f"huge.txt: {TOO_LARGE}", files={"huge.txt": ARTICLE.encode() * 200_000}),
    Case(
        "JSONL, malformed line in the middle",
        ["feed.jsonl"],
        "feed.jsonl:2: malformed JSON: Expecting ',' delimiter (column 13)",
        files={"feed.jsonl": _jsonl({"id": "f1", "text": ARTICLE}, '{"id": "f2" "text": "Deux."}', {"text": ARTICLE})},
        valid=2,
    ),
    Case(
        "record without text",
        ["notext.jsonl"],
        "notext.jsonl:2: record has no 'text' field",
        files={"notext.jsonl": _jsonl({"id": "n1", "text": ARTICLE}, {"id": "n2", "title": "Sans texte"})},
        valid=1,
    ),
    Case(
        "duplicate ids across files",
        ["one.jsonl", "two.jsonl"],
        "two.jsonl:1: duplicate id 'afp-1' (first seen in one.jsonl:1)",
        files={
            "one.jsonl": _jsonl({"id": "afp-1", "text": ARTICLE}),
            "two.jsonl": _jsonl({"id": "afp-1", "text": "Une autre dépêche."}),
        },
        valid=1,
        compare_error=None,  # compare takes two articles, ids and all: nothing to mix up
    ),
    Case("symlink loop", ["loop.txt"], "loop.txt: cannot read: too many levels of symbolic links", setup=_symlink_loop),
    Case(
        "unreadable (permissions)",
        ["locked.txt"],
        "locked.txt: cannot read: permission denied",
        setup=_locked,
        unreadable=True,
    ),
    Case("stdin closed", ["-"], "<stdin>: standard input is closed", stdin=None),
    Case("stdin empty", ["-"], "<stdin>: no records found", stdin=b""),
    Case(
        "stdin cut mid-record",
        ["-"],
        "<stdin>:2: malformed JSON: Unterminated string starting at (column 21)",
        stdin=_jsonl({"id": "s1", "text": ARTICLE}) + b'{"id": "s2", "text": "Le pr',
        valid=1,
    ),
]
RESULTS: dict[tuple[str, str], tuple[int, str]] = {}  # (case, command) -> (exit code, stderr), for the doc


@functools.cache
def _permissions_apply() -> bool:
    """Whether a dedup process can be made to obey file permissions: root drops its override capabilities."""
    if os.geteuid() != 0:
        return True
    return shutil.which("setpriv") is not None and subprocess.run([*NO_DAC, "true"], check=False).returncode == 0


def _prefix(unreadable: bool) -> list[str]:
    if not unreadable or os.geteuid() != 0:
        return []
    if not _permissions_apply():
        pytest.skip("root reads any file and setpriv cannot drop that here")
    return NO_DAC


def dedup(args: list[str], cwd: Path, stdin: bytes | None = b"", unreadable: bool = False) -> tuple[int, str, str]:
    """Run ``python -m dedup ARGS`` from this tree; ``stdin`` None starts it with standard input closed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), "NO_COLOR": "1"}
    env.pop("DEDUP_FORMAT", None)
    feed: dict = {"stdin": subprocess.DEVNULL} if not stdin else {"input": stdin}
    if stdin is None:
        feed = {"preexec_fn": lambda: os.close(0)}
    proc = subprocess.run(
        [*_prefix(unreadable), sys.executable, "-m", "dedup", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
        **feed,
    )
    # Decoded leniently so that a traceback or mojibake shows in the failure instead of raising here.
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _command(command: str, paths: list[str], index: Path) -> list[str]:
    if command == "compare":
        return ["compare", *paths, GOOD][:3]
    if command == "check":
        return ["check", *paths, "--index", str(index), "--exit-zero"]
    return [*command.split(), *paths, "--index", "new.duckdb"] if command == "index add" else [command, *paths]


def _make(case: Case, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / GOOD).write_text(ARTICLE.replace("35 pays", "31 pays"), encoding="utf-8")
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    if case.setup is not None:
        case.setup(folder)
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index holding one seed, for check."""
    path = tmp_path_factory.mktemp("index") / "held.duckdb"
    code, _, err = dedup(["index", "add", str(SEEDS / "000_22ecda8f53d8e44f.txt"), "--index", str(path)], ROOT)
    assert code == 0, err
    return path


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, command: str, tmp_path: Path, index: Path) -> None:
    folder = _make(case, tmp_path / "case")
    code, out, err = dedup(_command(command, case.paths, index), folder, case.stdin, case.unreadable)
    RESULTS[case.name, command] = (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    error = case.compare_error if command == "compare" and case.compare_error != "" else case.error
    if error is None:
        assert code == 0, err
        assert err.splitlines() == ([f"note: {case.note}"] if case.note else []), err
    else:
        assert (code, err) == (2, f"error: {error}\n")
        assert out == ""
        assert not (folder / "new.duckdb").exists()  # a failed index add creates nothing


@pytest.mark.parametrize("command", ["scan", "check", "index add"])
def test_skip_bad_counts_every_problem_and_keeps_the_valid(command: str, tmp_path: Path, index: Path) -> None:
    """Every file case and one stdin case in a single --skip-bad run (their file names differ): each
    problem one warning, the count in the report, every valid article processed."""
    cases = [c for c in CASES if ("-" not in c.paths or c.valid) and (not c.unreadable or _permissions_apply())]
    folder = tmp_path / "all"
    for case in cases:
        _make(case, folder)
    paths = list(dict.fromkeys(p for c in cases for p in c.paths))
    stdin = next(c.stdin for c in cases if "-" in c.paths)
    args = _command(command, [*paths, str(SEEDS), "--skip-bad"], index)
    code, out, err = dedup(
        args + ([] if command == "index add" else ["--format", "json"]), folder, stdin, _permissions_apply()
    )
    assert code == 0, err
    warnings = [line.removeprefix("warning: skipped ") for line in err.splitlines() if line.startswith("warning:")]
    assert sorted(warnings) == sorted(c.error for c in cases if c.error is not None)
    valid, skipped = len(list(SEEDS.glob("*.txt"))) + sum(c.valid for c in cases), len(warnings)
    if command == "index add":
        assert out.startswith(f"added {valid} articles to new.duckdb")
    else:
        summary = json.loads(out)["summary"]
        read = summary["articles_read" if command == "scan" else "articles_checked"]
        assert (read, summary["articles_skipped"]) == (valid, skipped)
