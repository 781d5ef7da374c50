"""related() on weighed articles (what scans and checks verify with) against verify: the same
verdict for every pair at least related, None exactly for the unrelated ones."""

import itertools
import json
import os
import pickle
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

from dedup.align import align
from dedup.corpus import Corpus, TermCounts, document_terms
from dedup.hashes import term_keys
from dedup.model import Article, Relation
from dedup.normalise import analyse
from dedup.overlap import similarities
from dedup.score import Weighed, prepare, related, verify, weigh
from tests.conftest import DATA

ARTICLES = DATA / "fr_news_corpus" / "articles.jsonl"
needs_data = pytest.mark.skipif(not ARTICLES.is_file(), reason="../shared/data is absent")


def _analyses(count: int) -> list:
    """Real French articles, and a trimmed copy of some, so that every relation has pairs."""
    records = [json.loads(line) for line in itertools.islice(ARTICLES.open(encoding="utf-8"), count)]
    articles = [Article(r["id"], r["text"], language="fr") for r in records]
    articles += [Article(r["id"] + "-cut", r["text"][: len(r["text"]) * 2 // 3], language="fr") for r in records[::4]]
    return [analyse(a) for a in articles]


@needs_data
def test_related_on_weighed_articles_is_verify_for_related_pairs_and_none_for_the_others():
    analyses = _analyses(40)
    corpus = Corpus.from_analyses(analyses)
    prepared = [prepare(a) for a in analyses]
    # Weighed as a scan spills them: dumped, and loaded back.
    weighed = [Weighed.loads(weigh(p, corpus).dumps()) for p in prepared]
    relations = set()
    for i, j in itertools.combinations(range(len(prepared)), 2):
        full = verify(prepared[i], prepared[j], corpus)
        got = related(weighed[i], weighed[j])
        relations.add(full.relation)
        if full.relation < Relation.RELATED:
            assert got is None, (i, j)
        else:
            assert got == full, (i, j)
            assert list(got.scores) == list(full.scores)  # keys in report order too
    assert {Relation.UNRELATED, Relation.RELATED, Relation.NEAR_DUPLICATE} <= relations


def _fields(w: Weighed) -> list:
    s = w.sentences
    arrays = [w.shingles, w.phrases, w.tf.keys, w.tf.weights, w.facts.keys, w.facts.weights, w.vocabulary, w.words]
    arrays += [s.keys, s.rows, s.counts, s.weights, s.totals]
    return [w.id, w.date, w.norm, w.fact_weight, s.total] + [(a.dtype, a.tolist()) for a in arrays]


@pytest.mark.parametrize(
    "article",
    [
        Article("seed-like", "Les 35 pays de la coalition. Giorgia Meloni était à Paris.", date="2026-01-06"),
        Article("sans date é/\u2028", "Un mot.", language="fr"),
        Article("vide", "", date="mardi 6 janvier"),  # no word: every array empty
    ],
)
def test_weighed_articles_load_back_as_dumped(article):
    """What a scan spills (dumps) and what processes pass each other (pickle) load back the
    same, every array with its dtype, whatever the id and date hold."""
    analysis = analyse(article)
    weighed = weigh(prepare(analysis), Corpus.from_analyses([analysis]))
    for again in (Weighed.loads(weighed.dumps()), pickle.loads(pickle.dumps(weighed))):
        assert _fields(again) == _fields(weighed)


def test_fuzzy_is_the_indel_similarity_of_the_words(seed_articles):
    """Over words, not characters: over characters every pair of seeds scored 0.46-0.48, the
    rewrite 001~002 lowest; over words it scores highest."""
    prepared = {name: prepare(analyse(a)) for name, a in seed_articles.items()}
    fuzzy = {}
    for x, y in itertools.combinations(sorted(prepared), 2):
        a, b = prepared[x], prepared[y]
        fuzzy[x, y] = verify(a, b).scores["fuzzy"]
        assert fuzzy[x, y] == Indel.normalized_similarity(a.words.split(), b.words.split())
    assert max(fuzzy, key=fuzzy.get) == ("001", "002")


def test_words_in_order_make_fuzzy_and_lcs_containment():
    """A text's first half is wholly held, in order, by the text (a trimmed copy: near_duplicate),
    its words shuffled are not; fuzzy counts both lengths."""
    words = [f"mot{n}" for n in range(60)]
    text = " ".join(words) + "."
    half = " ".join(words[:30]) + "."
    shuffled = " ".join(words[1::2] + words[::2]) + "."
    a, b, c = (
        prepare(analyse(Article(name, t, language="fr"))) for name, t in (("a", text), ("b", half), ("c", shuffled))
    )
    trimmed = verify(a, b)
    assert trimmed.scores["lcs_containment"] == 1.0 and trimmed.scores["fuzzy"] == 1 - 30 / 90
    assert trimmed.relation == Relation.NEAR_DUPLICATE
    reordered = verify(a, c)
    assert reordered.scores["fuzzy"] == reordered.scores["lcs_containment"] == 0.5  # the odd words, or the even ones
    # Its halves swapped, a copy keeps only half its words in order, but all its 5-word runs
    # except the four that cross the seam: still a near-duplicate.
    swapped = verify(a, prepare(analyse(Article("d", " ".join(words[30:] + words[:30]) + ".", language="fr"))))
    assert swapped.scores["lcs_containment"] == 0.5
    assert swapped.relation == Relation.NEAR_DUPLICATE


def test_term_keys_are_the_same_in_every_process():
    """Weighed articles are compared in other processes than the one that hashed their terms."""
    terms = ["états", "Meloni", "35", "l'Ukraine", "", "x y"]
    code = f"from dedup.hashes import term_keys; print(term_keys({terms!r}).tolist())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == term_keys(terms).tolist()
    assert len(set(term_keys(terms).tolist())) == len(terms)


@needs_data
def test_align_with_the_corpus_weights_is_align_with_the_weight_function():
    analyses = _analyses(12)
    corpus = Corpus.from_analyses(analyses)
    stems = [[[t.stem for t in s] for s in a.sentence_content] for a in analyses]
    for sa, sb in itertools.combinations(stems, 2):
        by_mapping, by_function = align(sa, sb, corpus.weights), align(sa, sb, corpus.weight)
        assert by_mapping == by_function
        assert list(by_mapping.similarities.items()) == list(by_function.similarities.items())  # in rank order


def test_a_corpus_looks_up_keys_and_weights_as_it_hashes_and_weighs():
    corpus = Corpus(Counter({f"t{n}": n % 7 for n in range(3000)}), 50)
    rounds = [[f"t{n}" for n in range(k, 3 * k + 5)] * 2 + ["new", ""] for k in (0, 10, 900)]
    for terms in rounds:  # terms met again and new ones, past the table's first room
        keys, weights = corpus.keys_and_weights(terms)
        assert keys.tolist() == term_keys(terms).tolist()
        assert weights.tolist() == [corpus.weight(t) for t in terms]
    added = analyse(Article("x", "Un texte neuf, t5 compris."))
    corpus.add(added)  # the counts change: weights again
    counts = Counter({f"t{n}": n % 7 for n in range(3000)}) + Counter(document_terms(added))
    asked = ["t5", *sorted(document_terms(added))]  # the text's own terms counted once more
    assert corpus.keys_and_weights(asked)[1].tolist() == [Corpus(counts, 51).weight(t) for t in asked]
    uniform = Corpus()
    assert uniform.keys_and_weights(["a", "b"])[1].tolist() == [1.0, 1.0] and not uniform.weights


def test_a_pickled_weighed_article_is_the_same_article(seed_articles):
    """Pickled as one buffer (what a scan spills): every array back with its values and dtype."""
    for article in seed_articles.values():
        weighed = weigh(prepare(analyse(article)))
        loaded = pickle.loads(pickle.dumps(weighed))
        for name in weighed.__slots__:
            here, there = getattr(weighed, name), getattr(loaded, name)
            for part in getattr(here, "__slots__", None) or [None]:
                x, y = (here, there) if part is None else (getattr(here, part), getattr(there, part))
                if hasattr(x, "dtype"):
                    assert x.dtype == y.dtype and x.tolist() == y.tolist(), (name, part)
                else:
                    assert x == y, (name, part)


def test_long_texts_get_the_same_sentence_similarities(seed_articles):
    """Past ``dense_pairs`` pairs of sentences, similarities are summed sparsely: the same values."""
    weighed = [weigh(prepare(analyse(a))) for a in seed_articles.values()]
    pairs = list(itertools.combinations(weighed, 2))
    dense = [similarities(a.sentences, b.sentences) for a, b in pairs]
    for (a, b), expected in zip(pairs, dense, strict=True):
        for got, want in zip(similarities(a.sentences, b.sentences, dense_pairs=0), expected, strict=True):
            assert got.tolist() == want.tolist()
    assert any(len(rows) for rows, _, _ in dense)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.integers(-20, 20), max_size=10)), st.sampled_from([1, 7, 1 << 22]), st.booleans())
def test_term_counts_count_documents_however_often_they_sum(documents, pending, from_terms):
    """Documents counted one by one, summed at every add or only when asked, onto counts made
    from terms."""
    counts, expected = TermCounts(), Counter()
    if from_terms:
        df = {str(k): k % 3 + 1 for k in range(-20, 20, 3)}
        counts = TermCounts.of_terms(df)
        expected.update({int(k): n for k, n in zip(term_keys(list(df)).tolist(), df.values(), strict=True)})
    counts.PENDING = pending
    for keys in documents:
        hashed = term_keys([str(k) for k in keys])
        counts.add(hashed)
        expected.update(hashed.tolist())
    asked = term_keys([str(k) for k in range(-25, 25)])
    assert counts.of(asked).tolist() == [expected[k] for k in asked.tolist()]
