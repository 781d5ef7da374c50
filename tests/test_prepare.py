"""hashes.hash64 stands in for sets of strings: its sets must have the sizes and intersections
the strings have (what jaccard, containment and phrases are computed from)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.fingerprint import shingle_list, split_words, word_text
from dedup.hashes import hash64, hash64_each, shingle_hash64, shingle_hash64_each
from dedup.normalise import analyse
from dedup.read import read_paths
from dedup.score import prepare
from tests.conftest import DATA


def _strings_and_hashes(words: list[str], size: int) -> tuple[set[str], np.ndarray]:
    return set(shingle_list(words, size)), hash64(words, size)


def _assert_same_sets(docs: list[list[str]], size: int) -> None:
    pairs = [_strings_and_hashes(words, size) for words in docs]
    for strings, hashes in pairs:
        assert len(hashes) == len(strings)
        assert np.array_equal(hashes, np.unique(hashes))  # sorted, distinct
    for (sa, ha), (sb, hb) in itertools.combinations(pairs, 2):
        assert len(np.intersect1d(ha, hb, assume_unique=True)) == len(sa & sb)


# Words with spaces inside ("a b" then "c" joins as "a" then "b c" does) and repeats: hash64
# hashes the joined strings, not the word lists.
WORD = st.sampled_from(["a", "b", "c", "a b", "b c", "", "é", "ﬁ", "👍", "l'", "1,5"])


@given(st.lists(st.lists(WORD, max_size=8), min_size=2, max_size=5), st.integers(1, 5))
def test_hashes_count_and_share_like_the_strings(docs: list[list[str]], size: int) -> None:
    _assert_same_sets(docs, size)


@given(st.lists(WORD, max_size=12), st.integers(1, 5))
def test_shingles_of_a_text_hash_as_its_split_words(words: list[str], size: int) -> None:
    text = " ".join(words)
    assert np.array_equal(shingle_hash64(text, size), hash64(split_words(text), size))


@given(st.lists(st.lists(WORD, max_size=8), max_size=5), st.integers(1, 5))
def test_texts_hashed_together_hash_as_each_alone(docs: list[list[str]], size: int) -> None:
    for words, hashes in zip(docs, hash64_each(docs, size), strict=True):
        assert np.array_equal(hashes, hash64(words, size))
    texts = [" ".join(words) for words in docs]
    for text, hashes in zip(texts, shingle_hash64_each(texts, size), strict=True):
        assert np.array_equal(hashes, shingle_hash64(text, size))


def test_a_text_shorter_than_a_shingle_is_one_shingle() -> None:
    assert len(hash64(["un", "deux"], 5)) == 1
    assert len(hash64([], 5)) == 0
    # The same string hashes alike whatever list and window size it comes from.
    assert hash64(["un", "deux"], 5)[0] in hash64(["x", "un", "deux"], 2)


def test_seed_shingles_and_phrases_match_their_strings(seed_articles) -> None:
    analyses = [analyse(a) for a in seed_articles.values()]
    _assert_same_sets([split_words(word_text(a)) for a in analyses], 5)
    _assert_same_sets([[t.stem for t in a.content] for a in analyses], 2)
    for a in analyses:
        stems = [t.stem for t in a.content]
        assert len(prepare(a).phrases) == len({f"{x} {y}" for x, y in itertools.pairwise(stems)})


@pytest.mark.skipif(not (DATA / "fr_news_corpus").is_dir(), reason="../shared/data is absent")
def test_real_articles_shingles_match_their_strings() -> None:
    articles = read_paths([DATA / "fr_news_corpus" / "articles.jsonl"]).articles[:150]
    _assert_same_sets([split_words(word_text(analyse(a))) for a in articles], 5)
