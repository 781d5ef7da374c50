import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32 as datasketch_sha1_hash32

from dedup import minhash
from dedup.fingerprint import (
    Settings,
    fingerprint,
    fingerprints,
    permutations,
    salient_terms,
    sha1_hash32,
    shingle_hash32,
    shingle_list,
    shingle_signatures,
    shingles,
    split_words,
    term_signatures,
)
from dedup.index import candidate_pairs
from dedup.normalise import analyse


def datasketch_signature(items, num_perm, seed, hashfunc=None):
    m = MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=hashfunc)
    for s in items:
        m.update(s.encode("utf-8"))
    return m


@pytest.fixture(params=[False, True], ids=["numpy", "compiled"])
def kernels(request):
    """Sign with numpy, or with the compiled loops a process switches to after many documents."""
    minhash.use_compiled(request.param)
    yield
    minhash.use_compiled(None)


def test_a_process_switches_to_compiled_loops_after_signing_many_documents(monkeypatch):
    monkeypatch.setattr(minhash, "COMPILED_AFTER", 3)
    monkeypatch.setattr(minhash, "_signed", 0)
    term_signatures([{"a"}, {"b"}], 8, 1)
    assert not minhash._compiled()
    term_signatures([{"c"}], 8, 1)
    assert minhash._compiled()


def test_permutations_and_term_hash_are_datasketchs():
    for num_perm, seed in [(128, 1), (64, 2), (7, 12345)]:
        ours, theirs = permutations(num_perm, seed), MinHash(num_perm=num_perm, seed=seed).permutations
        assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(ours, theirs, strict=True))
    for term in ["", "meloni", "États", "35", "日本"]:
        assert sha1_hash32(term.encode()) == datasketch_sha1_hash32(term.encode())


def test_signature_is_a_datasketch_minhash_of_the_shingles(seed_articles):
    settings = Settings()
    a = analyse(seed_articles["001"])
    ours = fingerprint(a, settings).shingles
    theirs = datasketch_signature(shingles(a, settings.shingle_size), settings.num_perm, settings.seed, shingle_hash32)
    assert ours == theirs
    assert ours.scheme == settings.scheme


def test_batch_signatures_are_bit_identical_to_datasketch_on_the_same_shingles(kernels):
    rng = random.Random(7)
    vocab = ["été", "Ukraine", "a", "1,5", "œuvre", "日本", "😀", "", *(f"w{i}" for i in range(40))]
    # Empty, one-word, short (one shorter shingle), exactly five words, long; a double space
    # makes an empty word, which splits the same way in both.
    sizes = [0, 1, 2, 4, 5, 6, 30, 400]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.choice(sizes))) for _ in range(200)] + [" ", "  a", "a"]
    ours = shingle_signatures(texts)
    assert ours.shape == (len(texts), 128)
    for text, row in zip(texts, ours, strict=True):
        theirs = datasketch_signature(set(shingle_list(split_words(text), 5)), 128, 1, shingle_hash32)
        assert np.array_equal(row, theirs.hashvalues), text


def test_salient_signatures_use_datasketchs_default_hash(seed_articles, kernels):
    terms = [salient_terms(analyse(a)) for a in seed_articles.values()] + [set()]
    ours = term_signatures(terms, 64, 2)
    for t, row in zip(terms, ours, strict=True):
        assert np.array_equal(row, datasketch_signature(t, 64, 2).hashvalues)


def test_a_batch_fingerprints_as_its_articles_one_by_one(seed_articles):
    analyses = [analyse(a) for a in seed_articles.values()]
    for together, alone in zip(fingerprints(analyses), map(fingerprint, analyses), strict=True):
        assert np.array_equal(together.shingle_values, alone.shingle_values)
        assert together.shingle_bands == alone.shingle_bands
        assert together.salient_bands == alone.salient_bands


def test_signatures_work_in_datasketch_lsh(seed_articles):
    lsh = MinHashLSH(threshold=0.5, num_perm=Settings().num_perm)
    fps = {k: fingerprint(analyse(a)) for k, a in seed_articles.items()}
    for k, fp in fps.items():
        lsh.insert(k, fp.shingles)
    assert lsh.query(fps["001"].shingles) == ["001"]


def test_jaccard_estimate_tracks_the_exact_value(seed_articles):
    a, b = analyse(seed_articles["001"]), analyse(seed_articles["002"])
    sa, sb = salient_terms(a), salient_terms(b)
    exact = len(sa & sb) / len(sa | sb)
    fa, fb = fingerprint(a), fingerprint(b)
    assert abs(fa.salient.jaccard(fb.salient) - exact) < 0.15


def test_candidates_cover_a_verbatim_copy_and_not_an_unrelated_text(seed_articles):
    from dedup.model import Article

    original = seed_articles["003"]
    copy = Article("copy", "Mis à jour. " + original.text)
    other = Article("other", "La météo du week-end annonce des orages sur la Bretagne et du soleil en Provence.")
    fps = [fingerprint(analyse(x)) for x in (original, copy, other)]
    assert candidate_pairs(fps) == [(0, 1)]


def test_rewrite_becomes_a_candidate_through_salient_terms(seed_articles):
    fps = [fingerprint(analyse(seed_articles[k])) for k in ("001", "002")]
    shared_shingle_band = set(fps[0].shingle_bands) & set(fps[1].shingle_bands)
    assert not shared_shingle_band  # 5-word runs alone would miss this rewrite
    assert candidate_pairs(fps) == [(0, 1)]
