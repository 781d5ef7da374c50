"""Configuration files: found upward from the working directory, below options and environment."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from dedup.config import Config, ConfigError, discover, find, load
from tests.conftest import ROOT, SEEDS

ID = {path.name[:3]: path.name for path in SEEDS.glob("*.txt")}


def _dedup(cwd, *args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEDUP_")}
    environ["PYTHONPATH"] = str(ROOT)  # cwd is elsewhere: run this tree's dedup
    proc = subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**environ, **env},
    )
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture
def project(tmp_path):
    """A project folder: 000, 001 and 003 in held/, 002 and 004 in new/, a sub/folder to run from."""
    for name, keys in (("held", ["000", "001", "003"]), ("new", ["002", "004"])):
        (tmp_path / name).mkdir()
        for k in keys:
            shutil.copy(SEEDS / ID[k], tmp_path / name)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    return tmp_path


def _fail_on(proc):
    return {json.loads(line)["fail_on"] for line in proc.stdout.splitlines()}


def test_pyproject_settings_apply_from_a_subfolder(project):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "news"\n\n[tool.dedup]\nindex = "store/articles.duckdb"\nfail_on = "same_event"\n'
        'format = "jsonl"\n',
        encoding="utf-8",
    )
    added = _dedup(project / "sub", "index", "add", "../held")
    assert added.returncode == 0, added.stderr
    assert (project / "store" / "articles.duckdb").is_file()  # index is relative to the file's folder
    checked = _dedup(project / "sub" / "deeper", "check", "../../new")
    assert checked.returncode == 1 and _fail_on(checked) == {"same_event"}  # 004 ~ 003 now fails


def test_precedence_options_then_environment_then_file(project):
    (project / "dedup.toml").write_text('fail_on = "same_event"\nformat = "jsonl"\n', encoding="utf-8")
    index = str(project / "index.duckdb")
    assert _dedup(project, "index", "add", "held", "--index", index).returncode == 0
    from_file = _dedup(project, "check", "new", "--index", index)
    from_env = _dedup(project, "check", "new", "--index", index, DEDUP_FAIL_ON="exact")
    from_option = _dedup(
        project, "check", "new", "--index", index, "--fail-on", "near_duplicate", DEDUP_FAIL_ON="exact"
    )
    assert (from_file.returncode, _fail_on(from_file)) == (1, {"same_event"})
    assert (from_env.returncode, _fail_on(from_env)) == (0, {"exact"})
    assert (from_option.returncode, _fail_on(from_option)) == (0, {"near_duplicate"})
    isolated = _dedup(project, "check", "new", "--index", index, "--isolated")
    assert isolated.returncode == 1 and isolated.stdout.startswith("2 articles checked")  # text, rewrite: defaults


def test_dedup_toml_comes_before_pyproject_and_the_nearest_file_wins(project):
    (project / "pyproject.toml").write_text('[tool.dedup]\nfail_on = "exact"\n', encoding="utf-8")
    (project / "dedup.toml").write_text('fail_on = "related"\n', encoding="utf-8")
    (project / "sub" / "pyproject.toml").write_text('[project]\nname = "no-dedup-table"\n', encoding="utf-8")
    assert find(project) == project / "dedup.toml"
    assert find(project / "sub" / "deeper") == project / "dedup.toml"  # a pyproject without [tool.dedup] is skipped
    (project / "sub" / "dedup.toml").write_text('fail_on = "rewrite"\n', encoding="utf-8")
    assert discover(project / "sub" / "deeper").values == {"fail_on": "rewrite"}  # first found is the only one read
    assert load(project / "pyproject.toml").values == {"fail_on": "exact"}


def test_explicit_config_file(project):
    other = project / "ci.toml"
    other.write_text('format = "jsonl"\nskip-bad = true\nindex = "ci.duckdb"\n', encoding="utf-8")
    (project / "dedup.toml").write_text('format = "sarif"\n', encoding="utf-8")
    (project / "new" / "broken.json").write_text("{", encoding="utf-8")
    assert _dedup(project, "index", "add", "held", "--config", "ci.toml", "--skip-bad").returncode == 0
    checked = _dedup(project / "sub", "check", "../new", "--config", "../ci.toml")
    assert checked.returncode == 1 and _fail_on(checked) == {"rewrite"}
    assert "skipped ../new/broken.json" in checked.stderr  # skip_bad from the file
    assert (project / "ci.duckdb").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('fail_on = "cousin"\n', "dedup.toml: fail_on: unknown relation 'cousin'"),
        ("fail_on = 3\n", "dedup.toml: fail_on: must be a relation name"),
        ('failon = "exact"\n', "dedup.toml: unknown key 'failon' (known: index, fail_on"),
        ('format = "html"\n', "dedup.toml: format: 'html' is not one of text, json"),
        ('add = "sometimes"\n', "dedup.toml: add: 'sometimes' is not one of never, pass, always"),
        ('skip_bad = "yes"\n', "dedup.toml: skip_bad: must be true or false"),
        ("max_candidates = -1\n", "dedup.toml: max_candidates: must be a whole number of at least 0, not -1"),
        ("fail_on = \n", "dedup.toml: not valid TOML"),
        ('[tool.dedup]\nfail_on = "exact"\n', "dedup.toml: unknown key 'tool'"),
    ],
)
def test_a_bad_value_is_named_with_its_file_and_key(project, content, message):
    (project / "dedup.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        discover(project / "sub")
    assert str(raised.value).startswith(str(project / "dedup.toml")) and message in str(raised.value)


def test_a_bad_file_is_one_line_and_exit_2_isolated_ignores_it(project):
    (project / "dedup.toml").write_text('failon = "exact"\n', encoding="utf-8")
    proc = _dedup(project / "sub", "check", "../new")
    assert proc.returncode == 2 and proc.stdout == ""
    known = "index, fail_on, min_relation, format, add, skip_bad, max_candidates"
    assert proc.stderr == f"error: {project / 'dedup.toml'}: unknown key 'failon' (known: {known})\n"
    assert "no index here" in _dedup(project / "sub", "check", "../new", "--isolated").stderr


def test_a_bad_pyproject_table_names_the_table(project):
    (project / "pyproject.toml").write_text('[tool.dedup]\nmin_relation = "kin"\n', encoding="utf-8")
    proc = _dedup(project, "scan", "held")
    assert proc.returncode == 2 and "pyproject.toml: [tool.dedup].min_relation: unknown relation 'kin'" in proc.stderr


def test_config_and_isolated_together_or_a_missing_file_are_usage_errors(project):
    both = _dedup(project, "check", "new", "--config", "x.toml", "--isolated")
    assert both.returncode == 2 and "--config and --isolated" in both.stderr
    missing = _dedup(project, "index", "stats", "--config", "nope.toml")
    assert missing.returncode == 2 and "nope.toml: cannot read: no such file or directory" in missing.stderr


def test_add_from_the_file(project):
    (project / "dedup.toml").write_text('add = "pass"\n', encoding="utf-8")
    first = _dedup(project, "check", "held")  # creates the index: add creates it when missing
    assert first.returncode == 0 and "added 3 articles" in first.stderr
    never = _dedup(project, "check", "new", DEDUP_ADD="never")
    assert never.returncode == 1 and "added" not in never.stderr


def test_min_relation_for_scan(project):
    (project / "dedup.toml").write_text('min_relation = "same_event"\n', encoding="utf-8")
    scanned = json.loads(_dedup(project, "scan", "held", "--format", "json").stdout)
    assert scanned["min_relation"] == "same_event"


def test_max_candidates_for_scan(project):
    def candidates() -> int:
        return json.loads(_dedup(project, "scan", "held", "new", "--format", "json").stdout)["summary"]["candidates"]

    every = candidates()
    (project / "dedup.toml").write_text("max_candidates = 1\n", encoding="utf-8")
    assert 1 <= candidates() < every


def test_max_candidates_for_check(project):
    """The seeds' gate with one indexed candidate a new article: the strongest still names the source."""
    assert _dedup(project, "index", "add", "held").returncode == 0

    def checked():
        report = json.loads(_dedup(project, "check", "new", "--format", "json").stdout)
        strongest = {f["id"][:3]: f["matches"][0]["id"][:3] for f in report["findings"]}
        return report["summary"]["candidates"], strongest

    every, strongest = checked()
    (project / "dedup.toml").write_text("max_candidates = 1\n", encoding="utf-8")
    assert checked() == (2, strongest) and every > 2 and strongest == {"002": "001", "004": "003"}


def test_library(project):
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read: no such file"):
        load(project / "nope.toml")
    assert discover(project) == Config()
    (project / "dedup.toml").write_text('index = "i.duckdb"\nfail-on = "Same-Event"\n', encoding="utf-8")
    assert discover(project / "sub").values == {"index": str(project / "i.duckdb"), "fail_on": "same_event"}
