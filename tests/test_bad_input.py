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

from dedup.read import CP1252_NOTE, MAX_ARTICLE_BYTES, NO_ARTICLES, TOO_LARGE
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
        "<stdin>:2: malformed JSON: Unterminated string starting at (column 22)",
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
    assert "Traceback" not in err and "internal error" not in err, err
    error = case.compare_error if command == "compare" and case.compare_error != "" else case.error
    if error is None:
        assert code == 0, err
        assert err.splitlines() == ([f"note: {case.note}"] if case.note else []), err
    else:
        assert (code, err) == (2, f"error: {error}\n")
        assert out == ""
        assert not (folder / "new.duckdb").exists()  # a failed index add creates nothing
    RESULTS[case.name, command] = (code, err)  # only a passing run goes into the doc


@pytest.mark.parametrize(
    ("name", "text"), [("legacy.txt", ARTICLE), ("bom.txt", ARTICLE), ("crlf.txt", ARTICLE.replace("\n", "\r\n"))]
)
def test_legacy_bom_and_crlf_read_as_the_same_article(name: str, text: str, tmp_path: Path) -> None:
    """Read correctly, not just accepted: each is exact with the plain UTF-8 article, has every fact
    it has with the same surface text, and its spans point into its text (after the BOM)."""
    _make(next(c for c in CASES if name in c.files), tmp_path)
    (tmp_path / "plain.txt").write_text(ARTICLE, encoding="utf-8")
    code, out, err = dedup(["compare", name, "plain.txt", "--format", "json"], tmp_path)
    assert code == 0, err
    report = json.loads(out)
    divergences = report["divergences"]
    assert report["relation"] == "exact"
    assert (divergences["only_a"], divergences["only_b"], divergences["conflicts"]) == ([], [], [])
    facts_a = [f for group in divergences["shared"] for f in group["a"]]
    facts_b = [f for group in divergences["shared"] for f in group["b"]]
    assert len(facts_a) >= 5 and [f["text"] for f in facts_a] == [f["text"] for f in facts_b]
    assert any("Élysée" in f["text"] for f in facts_a)  # the cp1252 É decoded as É
    assert all(text[f["span"][0] : f["span"][1]] == f["text"] for f in facts_a)


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


def _doc() -> str:
    rows = []
    for case in CASES:
        err = RESULTS[case.name, "scan"][1]
        cells = []
        for command in COMMANDS:
            code, other = RESULTS[case.name, command]
            cells.append(str(code) if other == err else f"{code}, " + (f"`{other.strip()}`" if other else "no message"))
        message = " ".join(f"`{line}`" for line in err.splitlines()) or "(none)"
        rows.append(f"| {case.name} | {message} | " + " | ".join(cells) + " |")
    return DOC_HEAD + "\n".join(rows) + "\n" + DOC_TAIL


DOC_HEAD = f"""# Bad input: what each command does

Generated from the run of `tests/test_bad_input.py` (`DEDUP_UPDATE_DOCS=1 python -m pytest
tests/test_bad_input.py`); the same test fails when this file no longer matches the run. Each
command runs as a real subprocess (`python -m dedup …`) in a folder holding the input: `scan
INPUT`, `compare INPUT good.txt`, `check INPUT --index held.duckdb --exit-zero` (an index of one
seed), `index add INPUT --index new.duckdb`. The columns give the exit code; the message is
what each command prints on stderr (a command that prints something else says so in its cell).

Rules behind the rows:

- **Encoding**: UTF-8 first (a leading BOM is dropped; spans count from the character after
  it). Otherwise Windows-1252 (cp1252), read with a `note:` naming the file, only when the
  bytes decode under it strictly, hold no control character other than tab, line feed,
  carriage return, form feed and vertical tab, carry no BOM, and contain no valid UTF-8
  multi-byte sequence (a UTF-8 file with one damaged byte is refused, not turned into mojibake).
- **Size**: an article's text is at most {MAX_ARTICLE_BYTES >> 20} MiB (UTF-8 bytes; a record's `text` likewise). A
  text file is read no further than that, so a device or a 50 MB file never hangs the run; the
  largest news articles are well under 100 kB, and a 1 MB article already takes about 12 s.
- **Ids**: the second article with an id already seen is the problem, naming where the first was.
- **Symlinks**: a symlinked folder is never entered while walking a folder (no loops); a link
  named directly, or a file link inside a folder, is read, and a loop is an error.
- **Permissions**: the test drops root's permission override (`setpriv`) so that a `chmod 000`
  file is really unreadable; it is skipped where that cannot be done.

| input | stderr | scan | compare | check | index add |
| --- | --- | --- | --- | --- | --- |
"""
DOC_TAIL = """
With `--skip-bad`, every `error:` line above becomes `warning: skipped …` and the run goes on:
`test_skip_bad_counts_every_problem_and_keeps_the_valid` runs all these inputs at once with the
seeds (for `scan`, `check` and `index add`) and checks that each problem is one warning, that
the report's `articles_skipped` counts them, and that every valid article (the seeds, the cp1252,
BOM and CRLF files, the good lines of the JSONL files and of stdin) is processed.
"""


def test_doc_matches_the_run() -> None:
    if len(RESULTS) < len(CASES) * len(COMMANDS):
        pytest.skip("the doc needs every case of this module run (none skipped or deselected)")
    if os.environ.get("DEDUP_UPDATE_DOCS"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(_doc(), encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == _doc()


# --- output paths: -o ---------------------------------------------------------------------------

WRITERS = {  # every command with -o, as run from a folder holding good.txt and the index
    "scan": ["scan", GOOD],
    "compare": ["compare", GOOD, GOOD],
    "check": ["check", GOOD, "--exit-zero"],
    "index stats": ["index", "stats"],
}


def _writer(command: str, index: Path) -> list[str]:
    return [*WRITERS[command], *(["--index", str(index)] if command in ("check", "index stats") else [])]


@pytest.mark.parametrize("target", ["folder", "fifo", "/dev/null"])
@pytest.mark.parametrize("command", WRITERS)
def test_output_never_replaces_a_non_regular_file(command: str, target: str, tmp_path: Path, index: Path) -> None:
    folder = _make(Case("", [], None), tmp_path / "case")
    if target == "folder":
        (folder / "folder").mkdir()
    elif target == "fifo":
        os.mkfifo(folder / "fifo")
    code, out, err = dedup([*_writer(command, index), "-o", target], folder)
    assert (code, out, err) == (2, "", f"error: {target}: exists and is not a regular file; not overwriting it\n")
    assert (folder / "folder").is_dir() if target == "folder" else True
    assert (folder / "fifo").is_fifo() if target == "fifo" else True


def test_failed_run_leaves_the_old_report_byte_identical(tmp_path: Path) -> None:
    folder = _make(Case("", [], None), tmp_path / "case")
    old = b'{"old": "report"}\n'
    (folder / "report.json").write_bytes(old)
    inode = (folder / "report.json").stat().st_ino
    runs = [(["scan", "missing.txt"], 1), (["compare", GOOD, "missing.txt"], 1)]
    runs.append((["scan", GOOD, "--min-relation", "x"], None))  # a usage error: click's usage text
    for args, lines in runs:
        code, _, err = dedup([*args, "--format", "json", "-o", "report.json"], folder)
        assert code == 2 and lines in (None, err.count("\n")), err
        assert (folder / "report.json").read_bytes() == old
        assert (folder / "report.json").stat().st_ino == inode


def test_report_replaced_atomically(tmp_path: Path) -> None:
    """Replaced by rename, never rewritten in place: a hard link to the old report still holds it
    whole, the new one has a new inode, no temp file stays behind, and a symlink stays a symlink."""
    folder = _make(Case("", [], None), tmp_path / "case")
    old = b"old report\n"
    (folder / "report.txt").write_bytes(old)
    (folder / "report.txt").chmod(0o640)
    os.link(folder / "report.txt", folder / "kept.txt")
    (folder / "link.txt").symlink_to("report.txt")
    code, _, err = dedup(["scan", GOOD, "-o", "link.txt"], folder)
    assert code == 0, err
    assert (folder / "kept.txt").read_bytes() == old
    assert (folder / "link.txt").is_symlink()
    new = folder / "report.txt"
    assert new.read_text(encoding="utf-8").startswith("1 article read, 0 skipped")
    assert new.stat().st_ino != (folder / "kept.txt").stat().st_ino
    assert new.stat().st_mode & 0o777 == 0o640  # the replaced report keeps its mode
    assert sorted(p.name for p in folder.iterdir()) == [GOOD, "kept.txt", "link.txt", "report.txt"]
