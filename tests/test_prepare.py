"""Hashes stand in for sets of strings: shingle_hash64 and phrases must have the sizes and
intersections the strings have (what jaccard, containment and phrases are computed from)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.align import order_within
from dedup.fingerprint import shingle_list, split_words, word_text
from dedup.hashes import pairs_each, shingle_hash64, shingle_hash64_each, shingles_and_words_each, term_keys
from dedup.normalise import analyse
from dedup.read import read_paths
from dedup.score import prepare
from tests.conftest import DATA


def _shingles(words: list[str], size: int) -> tuple[set[str], np.ndarray]:
    text = " ".join(words)
    return set(shingle_list(split_words(text), size)), shingle_hash64(text, size)


def _phrases(words: list[str], _: int) -> tuple[set[tuple[str, str]], np.ndarray]:
    return set(itertools.pairwise(words)), pairs_each(term_keys(words), np.array([len(words)]))[0]


def _assert_same_sets(docs: list[list[str]], size: int, sets=_shingles) -> None:
    pairs = [sets(words, size) for words in docs]
    for strings, hashes in pairs:
        assert len(hashes) == len(strings)
        assert np.array_equal(hashes, np.unique(hashes))  # sorted, distinct
    for (sa, ha), (sb, hb) in itertools.combinations(pairs, 2):
        assert len(np.intersect1d(ha, hb, assume_unique=True)) == len(sa & sb)


# Words with spaces inside ("a b" then "c" joins as "a" then "b c" does), empty ones, repeats,
# and numbers whose keys a linear pair hash would confuse (("21", "20") and ("23", "00")).
WORD = st.sampled_from(["a", "b", "c", "a b", "b c", "", "é", "ﬁ", "👍", "l'", "1,5", "21", "20", "23", "00"])


@given(st.lists(st.lists(WORD, max_size=8), min_size=2, max_size=5), st.integers(1, 5))
def test_hashes_count_and_share_like_the_strings(docs: list[list[str]], size: int) -> None:
    _assert_same_sets(docs, size)
    _assert_same_sets(docs, size, _phrases)


@given(st.lists(st.lists(WORD, max_size=8), max_size=5), st.integers(1, 5))
def test_texts_hashed_together_hash_as_each_alone(docs: list[list[str]], size: int) -> None:
    texts = [" ".join(words) for words in docs]
    for text, hashes in zip(texts, shingle_hash64_each(texts, size), strict=True):
        assert np.array_equal(hashes, shingle_hash64(text, size))
    counts = np.array([len(words) for words in docs], dtype=np.int64)
    keys = term_keys([w for words in docs for w in words])
    for words, hashes in zip(docs, pairs_each(keys, counts), strict=True):
        assert np.array_equal(hashes, _phrases(words, 2)[1])


@given(st.lists(st.lists(WORD, max_size=8), max_size=5))
def test_word_keys_are_each_words_term_key_in_order(docs: list[list[str]]) -> None:
    """What the word-level edit score compares: a key per space-separated word, none for ""."""
    texts = [" ".join(words) for words in docs]
    for text, keys in zip(texts, shingles_and_words_each(texts, 3)[1], strict=True):
        assert keys.tolist() == (term_keys(text.split(" ")).tolist() if text else [])


def test_a_text_shorter_than_a_shingle_is_one_shingle() -> None:
    assert len(shingle_hash64("un deux", 5)) == 1
    assert len(shingle_hash64("", 5)) == 0
    # The same string hashes alike whatever text and window size it comes from.
    assert shingle_hash64("un deux", 5)[0] in shingle_hash64("x un deux", 2)


def test_seed_shingles_and_phrases_match_their_strings(seed_articles) -> None:
    analyses = [analyse(a) for a in seed_articles.values()]
    _assert_same_sets([split_words(word_text(a)) for a in analyses], 5)
    _assert_same_sets([[t.stem for t in a.content] for a in analyses], 2, _phrases)
    for a in analyses:
        stems = [t.stem for t in a.content]
        assert len(prepare(a).phrases) == len(set(itertools.pairwise(stems)))


def test_pairs_of_numbers_do_not_collide() -> None:
    numbers = [f"{n:02d}" for n in range(100)]
    pairs = [(x, y) for x in numbers for y in numbers]
    hashes = pairs_each(term_keys([w for pair in pairs for w in pair]), np.full(len(pairs), 2))
    assert len({int(h[0]) for h in hashes}) == len(pairs)


@pytest.mark.skipif(not (DATA / "fr_news_corpus").is_dir(), reason="../shared/data is absent")
def test_real_articles_shingles_match_their_strings() -> None:
    articles = read_paths([DATA / "fr_news_corpus" / "articles.jsonl"]).articles[:150]
    _assert_same_sets([split_words(word_text(analyse(a))) for a in articles], 5)


@given(st.lists(st.lists(st.integers(-3, 3), max_size=6), max_size=6))
def test_order_within_sorts_each_part_in_place_like_lexsort(parts: list[list[int]]) -> None:
    keys = np.array([k for part in parts for k in part], dtype=np.int64)
    part = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    bounds = np.searchsorted(part, np.arange(len(parts) + 1))
    assert np.array_equal(order_within(keys, bounds), np.lexsort((keys, part)))
