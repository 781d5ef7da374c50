"""`dedup compare` on the founding example: what 001 and 002 (and 000) share and where they differ."""

import json
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from dedup.api import compare
from dedup.cli import app
from tests.conftest import SEEDS

SCHEMA = json.loads(files("dedup").joinpath("schemas/compare.schema.json").read_text())
runner = CliRunner()


@pytest.fixture(scope="module")
def report_001_002():
    result = runner.invoke(
        app, ["compare", str(SEEDS / "001_aec4fc2534195234.txt"), str(SEEDS / "002_ad8ab783e7e40a0e.txt"), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return report


def _values(groups):
    return {g["value"] for g in groups}


def test_who_is_only_on_one_side(report_001_002):
    d = report_001_002["divergences"]
    assert "giorgia meloni" in _values(d["only_b"])
    only_a = _values(d["only_a"])
    for name in ("keir starmer", "friedrich merz", "venezuela", "grabovske"):
        assert name in only_a
    assert any(v.startswith("27 ") for v in only_a)  # the 27 heads of state


def test_what_both_report(report_001_002):
    shared = _values(report_001_002["divergences"]["shared"])
    for value in ("35 pays", "steve witkoff", "jared kushner", "mark carney"):
        assert value in shared
    assert any(v.startswith("nous avons reussi cet exercice de reconvergence") for v in shared)


def test_typographic_variants_are_no_divergence(report_001_002):
    d = report_001_002["divergences"]
    one_sided = _values(d["only_a"]) | _values(d["only_b"])
    for variant in ("etats-unis", "otan", "elysee"):
        assert variant in _values(d["shared"]) and variant not in one_sided


def test_the_quote_with_other_apostrophes_is_aligned(report_001_002):
    pairs = report_001_002["alignment"]["pairs"]
    quote = [p for p in pairs if any("reconvergence" in s["text"] for s in p["a"] + p["b"])]
    assert quote and all("reconvergence" in s["text"] for s in quote[0]["a"] + quote[0]["b"])
    # apostrophes differ (' vs ’) yet the quoted words are no edit
    assert all("reconvergence" not in (e["a"] or e["b"])["text"] for e in quote[0]["edits"])


def test_spans_point_at_the_original_text(seed_articles, report_001_002):
    texts = {"a": seed_articles["001"].text, "b": seed_articles["002"].text}
    for group in report_001_002["divergences"]["shared"] + report_001_002["divergences"]["only_a"]:
        for side in ("a", "b"):
            for fact in group[side]:
                start, end = fact["span"]
                assert texts[side][start:end] == fact["text"]


def test_different_summit_conflicts_on_the_number_of_countries(seed_articles):
    c = compare(seed_articles["000"], seed_articles["001"])
    conflicts = {(x.a[0].value, x.b[0].value) for x in c.divergences.conflicts if x.kind == "number"}
    assert ("31 pays", "35 pays") in conflicts


def test_compare_with_itself_has_no_divergence(seed_articles):
    c = compare(seed_articles["003"], seed_articles["003"])
    d = c.divergences
    assert not (d.only_a or d.only_b or d.conflicts)
    assert c.verdict.relation.label == "exact"


def test_text_report_and_errors(tmp_path):
    result = runner.invoke(
        app,
        ["compare", str(SEEDS / "000_22ecda8f53d8e44f.txt"), str(SEEDS / "001_aec4fc2534195234.txt")],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 0
    assert "Conflicts" in result.stdout and "31 pays" in result.stdout and "35 pays" in result.stdout
    missing = runner.invoke(app, ["compare", str(SEEDS / "000_22ecda8f53d8e44f.txt"), "nothere.txt"])
    assert missing.exit_code == 2 and "nothere.txt: no such file or directory" in missing.stderr
    folder = runner.invoke(app, ["compare", str(SEEDS), str(SEEDS / "000_22ecda8f53d8e44f.txt")])
    assert folder.exit_code == 2 and "holds 5 articles" in folder.stderr


def _compare_texts(a: str, b: str):
    from dedup.model import Article

    return compare(Article("a", a, language="fr"), Article("b", b, language="fr"))


def test_a_bare_surname_is_the_full_name_the_other_report_gives():
    c = _compare_texts(
        "Selon Jérôme Salomon, directeur général de la Santé, le virus circule. Le ministre a vu Salomon mardi.",
        "Le virus circule. Le ministre a vu Salomon mardi.",
    )
    d = c.divergences
    assert "jerome salomon" in {g.value for g in d.shared}
    assert not d.only_b


def test_moving_paragraphs_does_not_reattribute_a_he_said_quote():
    """ "», a-t-il ajouté" carries the last speaker over: a guess that changes when paragraphs
    move, so it never makes a different-speaker conflict."""
    p1 = "« Nous sommes prêts à tout faire pour la paix », a déclaré Emmanuel Macron mardi à Paris."
    p2 = "« Nous irons jusqu'au bout de cette démarche collective », a affirmé Keir Starmer à Londres."
    p3 = "« Il faut maintenant des garanties très solides pour demain », a-t-il ajouté devant la presse."
    c = _compare_texts("\n\n".join([p1, p2, p3]), "\n\n".join([p2, p1, p3]))
    assert not c.divergences.conflicts
