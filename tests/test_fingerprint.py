from datasketch import MinHash, MinHashLSH

from dedup.fingerprint import Settings, fingerprint, salient_terms, shingles
from dedup.index import candidate_pairs
from dedup.normalise import analyse


def test_signature_is_a_datasketch_minhash_of_the_shingles(seed_articles):
    settings = Settings()
    a = analyse(seed_articles["001"])
    ours = fingerprint(a, settings).shingles
    theirs = MinHash(num_perm=settings.num_perm, seed=settings.seed, scheme=settings.scheme)
    for s in shingles(a, settings.shingle_size):
        theirs.update(s.encode("utf-8"))
    assert ours == theirs
    assert ours.scheme == settings.scheme


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
