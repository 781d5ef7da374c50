"""The persistent index: a real DuckDB file in tmp_path."""

import itertools
import json
import random
import re
import shutil
import subprocess
import sys

import duckdb
import pytest
import zstandard

from dedup.api import check, index_add, index_stats
from dedup.corpus import document_terms
from dedup.fingerprint import Settings, fingerprint
from dedup.index import candidate_pairs, salient_estimates, salient_sketch
from dedup.model import Article, Relation
from dedup.normalise import analyse
from dedup.pipeline import profile_articles
from dedup.read import read_paths
from dedup.score import Prepared, prepare
from dedup.store import FORMAT_VERSION, FormatMismatch, IndexLocked, NotAnIndex, SettingsMismatch, Store, StoreError
from tests.conftest import DATA, SEEDS


def _index(path, articles, **kwargs):
    with Store.open(path, write=True, **kwargs) as store:
        return store.add(articles)


def _table_count(path, table):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_add_records_articles_bands_and_term_counts(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    result = _index(path, [seed_articles[k] for k in ("000", "001", "003")])
    assert result.total == 3 and result.replaced == [] and len(result.added) == 3
    with Store.open(path) as store:
        stats = store.stats()
        assert stats.articles == 3 and stats.buckets == 3 * 64 and stats.format_version == FORMAT_VERSION
        assert stats.settings == Settings().to_dict() and stats.file_bytes > 0 and stats.prepared_bytes > 0
        df = store.document_frequencies(document_terms(analyse(seed_articles["001"])))
        assert df["sommet"] == 3 and df["#35"] == 1  # every seed says "sommet"; only 001 of these "35 pays"
        found, lost = store.prepared([1])
    assert lost == []
    assert Prepared.loads(found[1]) == prepare(analyse(seed_articles["001"]))
    assert Prepared.loads(found[1]).date == "2026-01-06"


def test_re_adding_an_id_replaces_it(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles["000"], seed_articles["001"]])
    tables = ("shingle_bands", "salient_bands", "terms")
    before = [_table_count(path, table) for table in tables]
    again = _index(path, [seed_articles["001"]])
    assert again.replaced == [seed_articles["001"].id] and again.total == 2
    assert [_table_count(path, table) for table in tables] == before
    with Store.open(path) as store:
        df = store.document_frequencies({"sommet"})
    assert df["sommet"] == 2  # counted once per article, not once per add


def test_remove(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles[k] for k in ("000", "001", "003")])
    with Store.open(path, write=True) as store:
        assert store.remove([seed_articles["001"].id, "no-such-id"]) == [seed_articles["001"].id]
        assert store.count() == 2 and store.stats().buckets == 2 * 64
        assert store.document_frequencies({"sommet", "#35"}) == {"sommet": 2}
        assert store.remove(["no-such-id"]) == []


def test_a_failed_add_leaves_the_index_as_it_was(tmp_path, seed_articles, monkeypatch):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles["000"]])

    def boom(*_args):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(Store, "_count_terms", boom)  # fails after the rows are inserted
    with pytest.raises(RuntimeError):
        _index(path, [seed_articles["001"], seed_articles["002"]])
    assert [_table_count(path, t) for t in ("articles", "shingle_bands", "salient_bands")] == [1, 1, 1]


def test_candidates_are_the_memory_index_candidates(tmp_path, seed_articles):
    """The SQL join finds the same index × batch pairs as the in-memory LSH on all five."""
    old, new = ["000", "001", "003"], ["002", "004"]
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles[k] for k in old])
    with Store.open(path) as store:
        found = store.candidates(
            profile_articles([seed_articles[k] for k in new], Settings()), [seed_articles[k].id for k in new]
        )
    order = old + new
    memory = candidate_pairs((fingerprint(analyse(seed_articles[k])) for k in order), Settings().salient_min_jaccard)
    expected = {(order[j], order[i]) for i, j in memory if order[i] in old and order[j] in new}
    assert {(new[pos], old[doc]) for pos, doc in found} == expected
    assert ("002", "001") in expected and ("004", "003") in expected


def test_an_index_refuses_other_settings(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles["000"]])
    with pytest.raises(SettingsMismatch, match=r"num_perm=64 \(index: 128\)"):
        _index(path, [seed_articles["001"]], settings=Settings(num_perm=64))
    with Store.open(path, settings=None) as store:  # reading without settings takes the index's
        assert store.settings == Settings()


def test_an_index_of_another_format_version_is_refused(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles["000"]])
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    with pytest.raises(FormatMismatch, match=f"format version 99; this dedup reads version {FORMAT_VERSION}"):
        Store.open(path)


@pytest.mark.parametrize("content", [b"", b"not a database\n" * 100, "Un sommet à Paris.\n".encode() * 50])
def test_a_file_that_is_not_an_index_is_refused(tmp_path, content):
    path = tmp_path / "index.duckdb"
    path.write_bytes(content)
    for write in (False, True):
        with pytest.raises(NotAnIndex, match="not a dedup index"):
            Store.open(path, write=write)
    assert path.read_bytes() == content  # never overwritten


def test_another_duckdb_database_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE sales (n INTEGER)")
    with pytest.raises(NotAnIndex, match="a DuckDB database, but not a dedup index"):
        Store.open(path, write=True)


def test_a_missing_index_is_an_error_when_reading(tmp_path):
    with pytest.raises(NotAnIndex, match="no index here"):
        Store.open(tmp_path / "nothere.duckdb")


def test_a_second_writer_waits_then_gets_a_clear_error(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles["000"]])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from dedup.store import Store; s = Store.open(sys.argv[1], write=True); "
            "print('ready', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(IndexLocked, match=rf"in use by another process \(PID {holder.pid}\); waited 0.3 s"):
            Store.open(path, write=True, lock_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    with Store.open(path) as store:  # the holder's death released the lock; nothing was lost
        assert store.count() == 1


def _copy_seeds(folder, keys):
    folder.mkdir(parents=True, exist_ok=True)
    for path in SEEDS.iterdir():
        if path.name[:3] in keys:
            shutil.copy(path, folder / path.name)
    return folder


def _verdicts(result):
    return {(f.id[:3], m.id[:3]): m.verdict.relation for f in result.findings for m in f.matches if m.in_index}


def test_a_compact_index_keeps_no_text_and_verifies_against_the_originals(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # origins are paths as given, relative to the working directory
    held = _copy_seeds(tmp_path / "held", {"000", "001", "003"})
    _copy_seeds(tmp_path / "new", {"002", "004"})
    index_add(["held"], "compact.duckdb", compact=True)
    index_add(["held"], "full.duckdb")
    with duckdb.connect("compact.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*), count(prepared), count(title) FROM articles").fetchall() == [(3, 0, 0)]
    compact, full = index_stats("compact.duckdb"), index_stats("full.duckdb")
    assert compact.compact and not full.compact and compact.prepared_bytes == 0 and full.prepared_bytes > 0
    batch = read_paths(["new"]).articles
    in_compact, in_full = check(batch, "compact.duckdb"), check(batch, "full.duckdb")
    assert _verdicts(in_compact) == _verdicts(in_full) and in_compact.unverified == []
    assert _verdicts(in_compact)["002", "001"] == Relation.REWRITE and in_compact.failed

    # The original changes (or goes): the candidate cannot be verified, and the check says so.
    seed_001 = next(held.glob("001_*"))
    seed_001.write_text(seed_001.read_text(encoding="utf-8") + "\nCorrection.\n", encoding="utf-8")
    next(held.glob("003_*")).unlink()
    changed = check(batch, "compact.duckdb")
    assert changed.unverified == sorted([seed_001.name, next(SEEDS.glob("003_*")).name])
    assert ("002", "001") not in _verdicts(changed) and changed.to_dict()["summary"]["candidates_unverified"] == 2


def test_a_compact_index_re_reads_jsonl_records_by_line(tmp_path):
    path = tmp_path / "held.jsonl"
    records = [{"id": f"r{n}", "text": a.text, "date": a.date} for n, a in enumerate(read_paths([SEEDS]).articles)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    with Store.open(tmp_path / "index.duckdb", write=True, compact=True) as store:
        store.add(read_paths([path]).articles)
        found, lost = store.prepared(range(5))
    assert lost == [] and [Prepared.loads(found[doc]) for doc in range(5)] == [
        prepare(analyse(Article(r["id"], r["text"], date=r["date"]))) for r in records
    ]


def test_compact_applies_when_an_index_is_created(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    _index(path, [seed_articles["000"]])
    with pytest.raises(StoreError, match="a full index; --compact applies when an index is created"):
        Store.open(path, write=True, compact=True)


@pytest.mark.skipif(not (DATA / "fr_news_corpus").is_dir(), reason="../shared/data is absent")
def test_a_cap_keeps_each_new_articles_strongest_indexed_candidates(tmp_path):
    """Originals checked against an index of many trimmed and shuffled versions of them: with a
    cap, each keeps that many candidates, none weaker than one it dropped (shared shingle bands
    counted here from the fingerprints, salient-only pairs by their estimate; ties to the
    earlier indexed), and a cap above every count changes nothing."""
    path = DATA / "fr_news_corpus" / "articles.jsonl"
    records = [json.loads(line) for line in itertools.islice(path.open(encoding="utf-8"), 14)]
    originals = [Article(r["id"], r["text"], language="fr") for r in records[:4]]
    held = [Article(r["id"], r["text"], language="fr") for r in records[4:]]
    rng = random.Random(5)
    for a in originals:
        paragraphs = a.text.split("\n\n")
        for n, share in enumerate((0.95, 0.9, 0.8, 0.7, 0.6, 0.5)):
            held.append(Article(f"{a.id}-cut{n}", a.text[: int(len(a.text) * share)], language="fr"))
            held.append(Article(f"{a.id}-shuffled{n}", "\n\n".join(rng.sample(paragraphs, len(paragraphs)))))
    rng.shuffle(held)  # so that index order is not strength order
    index = tmp_path / "index.duckdb"
    _index(index, held)
    settings = Settings()
    new = [fingerprint(analyse(a), settings) for a in originals]
    old = [fingerprint(analyse(a), settings) for a in held]
    profiled = profile_articles(originals, settings)

    def rated(pos: int, doc: int) -> float:
        shared = sum(x == y for x, y in zip(new[pos].shingle_bands, old[doc].shingle_bands, strict=True))
        if shared:
            return (shared / settings.bands) ** (settings.bands / settings.num_perm)
        sketches = [salient_sketch(fp.salient_values)[None] for fp in (new[pos], old[doc])]
        return float(salient_estimates(*sketches)[0])

    with Store.open(index) as store:
        every = store.candidates(profiled, [a.id for a in originals])
        capped = {cap: store.candidates(profiled, [a.id for a in originals], cap) for cap in (1, 3, 1000)}
    assert capped[1000] == every
    for cap in (1, 3):
        for pos in range(len(originals)):
            theirs = [doc for p, doc in every if p == pos]
            kept = [doc for p, doc in capped[cap] if p == pos]
            assert len(theirs) > 3 and len(kept) == cap and set(kept) < set(theirs)
            for k, d in itertools.product(kept, set(theirs) - set(kept)):
                assert (rated(pos, k), -k) > (rated(pos, d), -d)


def test_vacuum_gives_back_free_space_and_keeps_everything(tmp_path, seed_articles):
    path = tmp_path / "index.duckdb"
    held = [seed_articles[k] for k in ("000", "001", "003")]
    for _ in range(6):  # each replacement leaves the blocks it rewrote free
        _index(path, held)
    with Store.open(path) as store:
        before = store.stats()
        prepared, _ = store.prepared(range(100))
    run = subprocess.run(
        [sys.executable, "-m", "dedup", "index", "vacuum", "--index", str(path)], capture_output=True, text=True
    )
    assert run.returncode == 0 and f"{path}: " in run.stdout and "after" in run.stdout
    assert path.stat().st_size < before.file_bytes and not path.with_name(path.name + ".wal").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["index.duckdb"]  # no copy left behind
    with Store.open(path) as store:
        after = store.stats()
        assert store.prepared(range(100))[0] == prepared
    assert (after.articles, after.buckets, after.terms) == (before.articles, before.buckets, before.terms)
    result = check([seed_articles["002"]], path)
    assert result.failed and result.findings[0].matches[0].id == seed_articles["001"].id


def test_articles_too_short_for_salient_bands_are_indexed_and_checked(tmp_path):
    """A batch of which no article has enough salient terms for salient bands (none of them
    gets a salient_bands row) is added and checked like any other."""
    path = tmp_path / "index.duckdb"
    index_add([Article("tiny", "Bonjour à tous.")], path, jobs=1)
    result = check([Article("tiny-again", "Bonjour à tous.")], path, jobs=1)
    assert _table_count(path, "salient_bands") == 0 and _table_count(path, "shingle_bands") == 1
    assert result.findings[0].matches[0].id == "tiny" and result.failed


def _mixed(seed_articles, n, start):
    """``n`` articles of eight seed sentences each, drawn by a seeded generator."""
    sentences = [s for a in seed_articles.values() for s in re.split(r"(?<=[.!?»])\s+", a.text) if len(s.split()) > 4]
    rng = random.Random(start)
    return [Article(f"mix-{start + k}", " ".join(rng.sample(sentences, 8)), language="fr") for k in range(n)]


def test_the_index_trains_its_dictionary_once_it_holds_enough_articles(tmp_path, seed_articles, monkeypatch):
    monkeypatch.setattr("dedup.store.DICTIONARY_AFTER", 40)
    monkeypatch.setattr("dedup.codec.DICTIONARY_BYTES", 8192)  # 60 short articles train a small one
    first, second = _mixed(seed_articles, 30, 0), _mixed(seed_articles, 30, 30)
    path, plain_path = tmp_path / "index.duckdb", tmp_path / "plain.duckdb"
    _index(path, first)
    with Store.open(path) as store:
        assert store.codec.dictionary is None
        before, _ = store.prepared(range(30))
    _index(path, second)  # 60 articles: the dictionary is trained, the first 30 packed again
    with Store.open(path) as store:
        codec = store.codec
        after, _ = store.prepared(range(60))
    assert codec.dictionary
    dictionary = zstandard.ZstdCompressionDict(codec.dictionary).dict_id()
    assert {zstandard.get_frame_parameters(data).dict_id for data in after.values()} == {dictionary}
    assert sum(len(after[d]) for d in range(30)) < sum(len(before[d]) for d in range(30))
    assert [Prepared.loads(after[d], codec) for d in range(60)] == [prepare(analyse(a)) for a in first + second]
    # A check reads the index's articles and the batch's (packed without the dictionary) alike.
    monkeypatch.setattr("dedup.store.DICTIONARY_AFTER", 10**9)
    _index(plain_path, first + second)
    with Store.open(plain_path) as store:
        assert store.codec.dictionary is None
    batch = [Article(f"new-{a.id}", a.text, language="fr") for a in first[:3]] + _mixed(seed_articles, 3, 99)
    trained, untrained = check(batch, path), check(batch, plain_path)
    assert [[(m.id, m.verdict) for m in f.matches] for f in trained.findings] == [
        [(m.id, m.verdict) for m in f.matches] for f in untrained.findings
    ]
    assert trained.failed and trained.findings[0].matches[0].id == "mix-0"


def test_articles_too_short_to_train_on_leave_the_index_without_a_dictionary(tmp_path, monkeypatch):
    monkeypatch.setattr("dedup.store.DICTIONARY_AFTER", 3)
    path = tmp_path / "index.duckdb"
    _index(path, [Article(f"a{k}", f"Le sommet réunit {k} pays.", language="fr") for k in range(3)])
    _index(path, [Article(f"b{k}", f"Le sommet réunit {k} pays.", language="fr") for k in range(3)])
    with Store.open(path) as store:
        assert store.codec.dictionary is None
        found, _ = store.prepared(range(6))
    assert [Prepared.loads(found[d]).id for d in range(6)] == ["a0", "a1", "a2", "b0", "b1", "b2"]
    with duckdb.connect(str(path), read_only=True) as con:  # tried once, recorded, not tried again
        assert con.execute("SELECT value FROM meta WHERE key = 'dictionary'").fetchall() == [("",)]
