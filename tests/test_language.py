"""Language detection: py3langid's verdicts, its model read from dedup's cached copy."""

from pathlib import Path

import numpy as np
import py3langid
import pytest

from dedup import language
from dedup.read import read_paths

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SAMPLES = [
    "The summit brought together leaders from thirty-five countries on Tuesday in Paris.",
    "Der Gipfel brachte am Dienstag in Paris Staats- und Regierungschefs aus 35 Ländern zusammen.",
    "La cumbre reunió el martes en París a dirigentes de 35 países.",
    "Zirve salı günü Paris'te 35 ülkeden liderleri bir araya getirdi.",
    "جمعت القمة يوم الثلاثاء في باريس قادة من 35 دولة.",
    "PARIS, MARDI : LES DIRIGEANTS DE 35 PAYS RÉUNIS",
    "",
]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache folder, and no identifier made yet in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    language._identifier.cache_clear()
    yield tmp_path / "cache" / "dedup"
    language._identifier.cache_clear()


def _texts() -> list[str]:
    return [a.text for a in read_paths([str(SEEDS)]).articles] + SAMPLES


def test_cached_model_gives_py3langid_verdicts(fresh_cache):
    ours = language._identifier()
    (folder,) = fresh_cache.iterdir()
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.npy" for n in language._MODEL_PARTS)
    # Language and score, to the bit, as py3langid's own identifier gives them.
    assert [ours.classify(t) for t in _texts()] == [py3langid.classify(t) for t in _texts()]
    assert [language.detect_language(t) for t in SAMPLES[:5]] == ["en", "de", "es", "tr", "ar"]


def test_a_later_process_maps_the_cached_copy(fresh_cache):
    language._identifier()
    language._identifier.cache_clear()  # as a new process starts
    again = language._identifier()
    (folder,) = fresh_cache.iterdir()
    assert isinstance(again.nb_ptc, np.memmap) and Path(again.nb_ptc.filename).parent == folder
    assert again.nb_ptc.dtype == np.float32
    assert [again.classify(t) for t in _texts()] == [py3langid.classify(t) for t in _texts()]


def test_a_cache_that_cannot_be_written_is_passed_over(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    language._identifier.cache_clear()
    try:
        ours = language._identifier()
        assert not isinstance(ours.nb_ptc, np.memmap)  # py3langid's own load
        assert [ours.classify(t) for t in _texts()] == [py3langid.classify(t) for t in _texts()]
    finally:
        language._identifier.cache_clear()


def test_a_damaged_copy_is_passed_over(fresh_cache):
    language._identifier()
    (folder,) = fresh_cache.iterdir()
    (folder / "ptc.npy").write_bytes(b"not an array")
    language._identifier.cache_clear()
    ours = language._identifier()
    assert not isinstance(ours.nb_ptc, np.memmap)
    assert [ours.classify(t) for t in _texts()] == [py3langid.classify(t) for t in _texts()]
