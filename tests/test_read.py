"""Tests for dedup.read: every input shape, and every bad input both raising and being skipped."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from dedup.model import Problem
from dedup.read import (
    CP1252_NOTE,
    NO_ARTICLES,
    ArticleStream,
    InputError,
    Note,
    read_paths,
    read_records,
    split_date_prefix,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_IDS = [
    "000_22ecda8f53d8e44f.txt",
    "001_aec4fc2534195234.txt",
    "002_ad8ab783e7e40a0e.txt",
    "003_de9af1711e5676fc.txt",
    "004_c4597e8f3988f6be.txt",
]
GOOD = "fixtures/records/note.md"  # a valid article placed around bad inputs


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # ids and origins are the paths as given, so tests pass repo-relative paths.
    monkeypatch.chdir(ROOT)


def by_id(paths: list[str | Path], **kwargs: object) -> dict:
    return {a.id: a for a in read_paths(paths, **kwargs).articles}  # type: ignore[arg-type]


def raised(paths: list[str | Path], **kwargs: object) -> Problem:
    with pytest.raises(InputError) as info:
        read_paths(paths, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == str(info.value.problem)
    return info.value.problem


# --- good inputs -----------------------------------------------------------------------


def test_seeds_folder() -> None:
    result = read_paths(["seeds/"])
    assert [a.id for a in result.articles] == SEED_IDS
    assert result.skipped == []
    arts = {a.id: a for a in result.articles}
    for article_id, art in arts.items():
        raw = (ROOT / "seeds" / article_id).read_text(encoding="utf-8")
        assert art.origin == f"seeds/{article_id}"
        assert not art.text.startswith(("date", " date"))
        if art.date is None:
            assert art.text == raw  # byte-for-byte, trailing newlines included
        else:
            assert art.text == raw[len(f" date {art.date} ") :]
            assert art.text.startswith("Les")
    assert arts[SEED_IDS[1]].date == "2026-01-06"
    assert arts[SEED_IDS[4]].date == "2025-09-02"
    assert arts[SEED_IDS[0]].date is None
    assert arts[SEED_IDS[2]].text.endswith("\n\n\n\n\n\n\n\n")


def test_direct_file_keeps_path_as_id() -> None:
    [art] = read_paths([f"seeds/{SEED_IDS[1]}"]).articles
    assert art.id == art.origin == f"seeds/{SEED_IDS[1]}"
    assert art.date == "2026-01-06"
    assert art.text.startswith("Les pays européens")


def test_path_objects_and_lone_string() -> None:
    assert [a.id for a in read_paths([Path("seeds")]).articles] == SEED_IDS
    assert len(read_paths("seeds").articles) == 5  # not iterated character by character


def test_markdown() -> None:
    [art] = read_paths([GOOD]).articles
    assert art.id == GOOD
    assert art.text == (ROOT / GOOD).read_text(encoding="utf-8")
    assert art.date is None


def test_json_single_object() -> None:
    [art] = read_paths(["fixtures/records/single.json"]).articles
    assert (art.id, art.origin, art.source) == ("ouest-1", "fixtures/records/single.json", "Ouest-France")
    assert art.text.startswith("Une tempête")


def test_json_list() -> None:
    arts = read_paths(["fixtures/records/articles.json"]).articles
    assert [(a.id, a.origin) for a in arts] == [
        ("lm-1", "fixtures/records/articles.json#1"),
        ("fixtures/records/articles.json#2", "fixtures/records/articles.json#2"),
    ]
    assert (arts[0].title, arts[0].date) == ("Inflation", "2025-12-12")
    assert arts[1].text.startswith("Les agriculteurs")  # from "content"


def test_jsonl_ids_and_metadata() -> None:
    arts = by_id(["fixtures/records/articles.jsonl"])
    assert list(arts) == ["afp-1", "17", "fixtures/records/articles.jsonl:4"]
    afp = arts["afp-1"]
    assert afp.origin == "fixtures/records/articles.jsonl:1"
    assert afp.metadata() == {
        "origin": "fixtures/records/articles.jsonl:1",
        "title": "Sommet à Paris",
        "date": "2026-01-06",
        "source": "AFP",
        "url": "https://example.org/afp-1",
        "language": "fr",  # from "lang"
    }
    # No date field: the text's prefix gives the date; line numbers count the blank line.
    assert (arts["17"].origin, arts["17"].date) == ("fixtures/records/articles.jsonl:3", "2025-09-02")
    assert arts["17"].text.startswith("Les Européens")
    assert "\nLes billets" in arts["fixtures/records/articles.jsonl:4"].text


def test_record_ids_relative_to_folder() -> None:
    arts = by_id(["fixtures/records"])
    assert {"articles.jsonl:4", "articles.json#2", "articles.csv:3", "note.md"} <= set(arts)
    assert arts["note.md"].origin == "fixtures/records/note.md"


def test_csv() -> None:
    arts = read_paths(["fixtures/records/articles.csv"]).articles
    assert [(a.id, a.origin) for a in arts] == [
        ("csv-1", "fixtures/records/articles.csv:2"),
        ("fixtures/records/articles.csv:3", "fixtures/records/articles.csv:3"),
    ]
    assert (arts[0].title, arts[0].date, arts[0].source) == ("Élections", "2026-03-15", "Le Parisien")
    assert arts[0].text.startswith("Les bureaux de vote ont fermé à 20 heures, la")
    # Empty date cell: the prefix rule applies; the quoted newline is kept.
    assert arts[1].date == "2026-02-01"
    assert arts[1].text == (
        "Le métro du Grand Paris ouvrira ses premières stations.\nDeux nouvelles lignes sont prévues."
    )


def test_stdin_jsonl() -> None:
    stdin = io.StringIO('{"id": "a", "text": "Premier texte."}\n\n{"text": "Second texte."}\n')
    result = read_paths(["-"], stdin=stdin)
    assert [(a.id, a.origin) for a in result.articles] == [("a", "<stdin>:1"), ("<stdin>:3", "<stdin>:3")]


def test_stdin_bytes_get_file_checks() -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'\xef\xbb\xbf{"id": "a", "text": "Bonjour."}\n'))
    assert [a.id for a in read_paths(["-"], stdin=stdin).articles] == ["a"]
    legacy = io.TextIOWrapper(io.BytesIO(b'{"id": "a", "text": "caf\xe9"}\n'))
    read = read_paths(["-"], stdin=legacy)
    assert [a.text for a in read.articles] == ["café"]
    assert read.notes == [Note("<stdin>", CP1252_NOTE)]
    bad = io.TextIOWrapper(io.BytesIO(b'{"id": "a", "text": "caf\xc3\xa9 \xe9"}\n'))  # damaged UTF-8
    assert raised(["-"], stdin=bad) == Problem("<stdin>", "not valid UTF-8 (first bad byte at offset 27)")


def test_read_records_directly() -> None:
    items = list(read_records(['{"id": 1, "text": "Un."}\n', "{oops\n"], "feed"))
    assert items[0].id == "1" and items[0].origin == "feed:1"
    assert isinstance(items[1], Problem) and items[1].where == "feed:2"
    assert items[1].message.startswith("malformed JSON: ")


def test_bom_crlf_kept(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbf date 2026-01-06\r\n  Texte\r\nsuite\r\n")
    [art] = read_paths([tmp_path]).articles
    assert (art.id, art.date, art.text) == ("a.txt", "2026-01-06", "Texte\r\nsuite\r\n")


def test_walk_filters_nesting_and_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "c.TXT").write_text("C")
    (tmp_path / "sub" / "b.md").write_text("B")
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\0")
    (tmp_path / ".hidden.txt").write_text("H")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("X")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == ["a.txt", "sub/b.md", "sub/deeper/c.TXT"]
    assert result.articles[1].origin == os.path.join(tmp_path, "sub", "b.md")


def test_direct_file_with_other_suffix_is_text(tmp_path: Path) -> None:
    (tmp_path / "depeche.text").write_text("Une dépêche.")
    assert [a.text for a in read_paths([tmp_path / "depeche.text"]).articles] == ["Une dépêche."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" date 2026-01-06 Les pays", ("2026-01-06", "Les pays")),
        ("date 2026-01-06\n\nLes pays\n", ("2026-01-06", "Les pays\n")),
        ("date 2026-01-06", ("2026-01-06", "")),
        ("date 2026-02-30 Les", (None, "date 2026-02-30 Les")),  # not a real date
        ("date 2026-01-06Les", (None, "date 2026-01-06Les")),
        ("Le date 2026-01-06", (None, "Le date 2026-01-06")),
        ("Les pays", (None, "Les pays")),
    ],
)
def test_split_date_prefix(text: str, expected: tuple[str | None, str]) -> None:
    assert split_date_prefix(text) == expected


# --- bad inputs: each raises by default and is skipped with skip_bad -------------------

BAD = [
    # (path, where, message, valid articles in the same file, problems in the file)
    ("fixtures/bad/binary.txt", "fixtures/bad/binary.txt", "binary file, not text", 0, 1),
    (
        "fixtures/bad/invalid_utf8.txt",
        "fixtures/bad/invalid_utf8.txt",
        "not valid UTF-8 (first bad byte at offset 40)",
        0,
        1,
    ),
    ("fixtures/bad/empty.txt", "fixtures/bad/empty.txt", "empty article", 0, 1),
    ("fixtures/bad/blank.txt", "fixtures/bad/blank.txt", "empty article", 0, 1),
    (
        "fixtures/bad/malformed.jsonl",
        "fixtures/bad/malformed.jsonl:3",
        "malformed JSON: Expecting ',' delimiter (column 13)",
        3,
        1,
    ),
    ("fixtures/bad/no_text.jsonl", "fixtures/bad/no_text.jsonl:2", "record has no 'text' field", 2, 2),
    (
        "fixtures/bad/not_object.jsonl",
        "fixtures/bad/not_object.jsonl:2",
        "record is not a JSON object (got an array)",
        2,
        1,
    ),
    (
        "fixtures/bad/malformed.json",
        "fixtures/bad/malformed.json",
        "malformed JSON: Expecting ',' delimiter (line 4, column 1)",
        0,
        1,
    ),
    ("fixtures/bad/no_text_column.csv", "fixtures/bad/no_text_column.csv", "CSV has no 'text' column", 0, 1),
    ("fixtures/bad/ragged.csv", "fixtures/bad/ragged.csv:3", "row has 5 fields, header has 3", 2, 1),
    ("fixtures/bad/missing.txt", "fixtures/bad/missing.txt", "no such file or directory", 0, 1),
    ("fixtures/records/articles.jsonl", None, None, 3, 0),  # control: nothing bad
]


@pytest.mark.parametrize(("path", "where", "message", "valid", "bad"), BAD)
def test_bad_input(path: str, where: str | None, message: str | None, valid: int, bad: int) -> None:
    paths = [GOOD, path, f"seeds/{SEED_IDS[0]}"]
    if where is not None:
        assert raised(paths) == Problem(where, message)  # type: ignore[arg-type]
    result = read_paths(paths, skip_bad=True)
    assert len(result.skipped) == bad
    assert len(result.articles) == 2 + valid
    assert result.articles[0].id == GOOD and result.articles[-1].id == f"seeds/{SEED_IDS[0]}"
    if where is not None:
        assert result.skipped[0] == Problem(where, message)  # type: ignore[arg-type]


@pytest.mark.parametrize(("path", "where", "message", "valid", "bad"), BAD)
def test_stream_reads_what_read_paths_reads(path: str, where: str | None, message: str, valid: int, bad: int) -> None:
    """The same articles, problems and notes in the same order, and each article out before the
    problem after it is raised: the stream never reads ahead."""
    paths = [GOOD, path, f"seeds/{SEED_IDS[0]}"]
    listed = read_paths(paths, skip_bad=True)
    stream = ArticleStream(paths, skip_bad=True)
    assert (list(stream), stream.skipped, stream.notes) == (listed.articles, listed.skipped, listed.notes)
    stream = ArticleStream(paths)
    out: list[str] = []
    if where is None:
        out += (a.id for a in stream)
        assert out == [a.id for a in listed.articles]
    else:
        with pytest.raises(InputError) as info:
            out += (a.id for a in stream)
        assert info.value.problem == Problem(where, message)
        assert next(stream, None) is None  # done: a stream is read once
        assert out == [a.id for a in listed.articles[: len(out)]] and len(out) >= 1


@pytest.mark.parametrize("paths", [["seeds"], ["seeds", "seeds"], ["fixtures/bad"], ["fixtures"], [GOOD, "-"]])
def test_stream_of_folders_and_stdin(paths: list[str]) -> None:
    stdin = io.StringIO('{"id": "s1", "text": "Valide."}\n[1]\n{"id": "s1", "text": "Encore."}\n')
    listed = read_paths(paths, skip_bad=True, stdin=stdin)
    stdin.seek(0)
    stream = ArticleStream(paths, skip_bad=True, stdin=stdin)
    assert (list(stream), stream.skipped, stream.notes) == (listed.articles, listed.skipped, listed.notes)
    assert listed.articles and (listed.skipped or paths == ["seeds"])


def test_stream_reads_nothing_before_it_is_iterated() -> None:
    stream = ArticleStream(["fixtures/bad/missing.txt"])  # no error yet
    with pytest.raises(InputError, match="no such file"):
        next(stream)


def test_text_not_a_string_names_the_line() -> None:
    problems = read_paths(["fixtures/bad/no_text.jsonl"], skip_bad=True).skipped
    assert problems[1] == Problem(
        "fixtures/bad/no_text.jsonl:3", "record has no 'text' field ('text' is a number, not a string)"
    )


def test_bad_folder_keeps_every_valid_article() -> None:
    result = read_paths(["fixtures/bad"], skip_bad=True)
    expected = ["latin1.txt", "m1", "m2", "m4", "n1", "n4", "o1", "o3", "r1", "r3"]  # latin1.txt read as cp1252
    assert sorted(a.id for a in result.articles) == expected
    assert len(result.skipped) == 11
    assert all(str(p).startswith("fixtures/bad/") for p in result.skipped)


def test_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "again.jsonl").write_text('{"id": "afp-1", "text": "Encore."}\n{"id": "neuf", "text": "Nouveau."}\n')
    paths = ["fixtures/records/articles.jsonl", tmp_path / "again.jsonl"]
    expected = Problem(
        f"{tmp_path}/again.jsonl:1", "duplicate id 'afp-1' (first seen in fixtures/records/articles.jsonl:1)"
    )
    assert raised(paths) == expected
    result = read_paths(paths, skip_bad=True)
    assert result.skipped == [expected]
    assert [a.id for a in result.articles][-2:] == ["fixtures/records/articles.jsonl:4", "neuf"]
    assert next(a for a in result.articles if a.id == "afp-1").text.startswith("Les alliés")


def test_same_folder_twice_is_duplicates() -> None:
    result = read_paths(["seeds", "seeds"], skip_bad=True)
    assert len(result.articles) == 5
    assert [p.message for p in result.skipped] == [f"duplicate id '{i}' (first seen in seeds/{i})" for i in SEED_IDS]


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.rtf").write_text("not an article type")
    assert raised([tmp_path]) == Problem(str(tmp_path), NO_ARTICLES)
    assert NO_ARTICLES == "no articles found (.txt, .md, .json, .jsonl, .csv, .html, .htm, .warc, .warc.gz)"
    result = read_paths([tmp_path, GOOD], skip_bad=True)
    assert (len(result.articles), len(result.skipped)) == (1, 1)


def test_permission_denied_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root can read chmod-000 files, so make read_bytes fail the way it would for a user.
    locked = tmp_path / "locked.txt"
    locked.write_text("Secret.")
    real = Path.open

    def open_(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    # os.walk lists folders with os.scandir; a locked subfolder must not vanish silently.
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "hidden.txt").write_text("Invisible.")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "closed":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", open_)
    monkeypatch.setattr(os, "scandir", scandir)
    assert raised([locked]) == Problem(str(locked), "cannot read: permission denied")
    result = read_paths([GOOD, tmp_path], skip_bad=True)
    assert sorted(result.skipped, key=str) == [
        Problem(os.path.join(tmp_path, "closed"), "cannot read: permission denied"),
        Problem(os.path.join(tmp_path, "locked.txt"), "cannot read: permission denied"),
    ]
    assert len(result.articles) == 1


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_denied_real(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Lisible.")
    (tmp_path / "locked.txt").write_text("Secret.")
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed").chmod(0)
    try:
        result = read_paths([tmp_path], skip_bad=True)
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert [a.id for a in result.articles] == ["ok.txt"]
    assert sorted(p.message for p in result.skipped) == ["cannot read: permission denied"] * 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "record is not a JSON object (got an array)"),
        ('"texte"', "record is not a JSON object (got a string)"),
        ('{"id": "x"}', "record has no 'text' field"),
        ('{"id": "x", "text": null}', "record has no 'text' field ('text' is null, not a string)"),
        ('{"id": "x", "text": "  \\n "}', "empty article"),
        ('{"id": "x", "text": "date 2026-01-06 "}', "empty article"),
        ('{"id": ["x"], "text": "T"}', "record 'id' must be a string or number (got an array)"),
        ('{"id": "x", "title": {}, "text": "T"}', "record 'title' must be a string (got an object)"),
        ('{"id": "x", "text": "\\ud800"}', "record contains an unpaired surrogate (invalid Unicode)"),
        ("[" * 100_000, "malformed JSON: nested too deeply"),
    ],
)
def test_bad_stdin_record(line: str, message: str) -> None:
    text = f'{{"id": "ok", "text": "Valide."}}\n{line}\n'
    assert raised(["-"], stdin=io.StringIO(text)) == Problem("<stdin>:2", message)
    result = read_paths(["-"], stdin=io.StringIO(text), skip_bad=True)
    assert [a.id for a in result.articles] == ["ok"]
    assert result.skipped == [Problem("<stdin>:2", message)]


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_no_records(tmp_path: Path, content: str) -> None:
    assert raised(["-"], stdin=io.StringIO(content)) == Problem("<stdin>", "no records found")
    for name in ("a.jsonl", "b.csv", "c.json"):
        (tmp_path / name).write_text(content if name != "c.json" else "[]")
        assert raised([tmp_path / name]) == Problem(str(tmp_path / name), "no records found")


def test_csv_error_is_a_problem(tmp_path: Path) -> None:
    # A field over the csv module's size limit makes the reader raise csv.Error.
    path = tmp_path / "big.csv"
    path.write_text('id,text\nx,"' + "a" * 200_000 + '"\n')
    problem = raised([path])
    assert problem.where == f"{path}:2"
    assert problem.message.startswith("malformed CSV: field larger than field limit")
