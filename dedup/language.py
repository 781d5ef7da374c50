"""Language detection and the per-language resources that depend on it: stopwords, stemmers."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from array import array
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import snowballstemmer
import stopwordsiso
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

# Snowball algorithm names for the ISO 639-1 codes we meet in news.
_STEMMERS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "fi": "finnish", "fr": "french", "hu": "hungarian",
    "it": "italian", "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}  # fmt: skip

# Characters read to guess: on 4,895 labelled articles in six languages (SemEval, METER, Clough,
# French news) the first 600 gave the same language as 3,000 for every one (300: 262 differed),
# at a third of the time (bench/README.md, "Language detection").
_SAMPLE = 1000


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the text's language (py3langid ships its model)."""
    lang, _ = _identifier().classify(text[:_SAMPLE])
    return str(lang)


# The arrays of py3langid's model, as its loader returns them, in the order it does.
_MODEL_PARTS = ("ptc", "pc", "classes", "nextmove", "row", "output")


@cache
def _identifier() -> LanguageIdentifier:
    """py3langid's identifier, its model read from an uncompressed copy in the user's cache
    (``$XDG_CACHE_HOME/dedup``, else ``~/.cache/dedup``; 97 MB, safe to delete). py3langid
    unpacks its 65 MB model from LZMA in every process: 0.4–0.6 s, half of a ``dedup compare``
    and paid again by every worker process of a scan. Mapped from the copy: 0.07 s. Its class
    weights are kept as float32, not float16: the same scores to the bit, 290 µs to score a
    text instead of 650 (numpy converts float16 rows one by one). A cache that cannot be
    written or read is passed over: py3langid then loads its model itself."""
    model = Path(MODEL_DIR) / MODEL_FILE
    try:
        folder = _cache_dir() / f"langid-{hashlib.sha1(model.read_bytes()).hexdigest()[:16]}"
        if not folder.is_dir():
            _save(folder, load_model(model))
        parts = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _MODEL_PARTS}
        nextmove, row = (_as_array(parts[name]) for name in ("nextmove", "row"))
        classes, output = parts["classes"].tolist(), parts["output"].tolist()
        return LanguageIdentifier(parts["ptc"], parts["pc"], classes, nextmove, output, tk_row=row)
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return LanguageIdentifier.from_model_file(model)


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dedup"


def _save(folder: Path, model: tuple) -> None:
    """The model's parts as .npy files, the folder renamed into place once whole."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    try:
        for name, part in zip(_MODEL_PARTS, model, strict=True):
            data = np.frombuffer(part, dtype=f"u{part.itemsize}") if isinstance(part, array) else np.asarray(part)
            if data.dtype == np.float16:
                data = data.astype(np.float32)
            np.save(tmp / f"{name}.npy", data, allow_pickle=False)
        os.replace(tmp, folder)  # another process may have won the race: its copy is as good
    except OSError:
        if folder.is_dir():
            return
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _as_array(values: np.ndarray) -> array:
    """An unsigned integer numpy array as the stdlib array py3langid's tables are."""
    out = array({2: "H", 4: "I", 8: "L"}[values.itemsize])
    out.frombytes(values.tobytes())
    return out


@lru_cache(maxsize=64)
def stopwords(lang: str | None) -> frozenset[str]:
    """Stopwords of a language, case- and accent-folded like tokens are."""
    from dedup.normalise import fold

    if not lang or not stopwordsiso.has_lang(lang):
        return frozenset()
    return frozenset(fold(w) for w in stopwordsiso.stopwords(lang))


@lru_cache(maxsize=64)
def _stemmer(lang: str | None) -> snowballstemmer.Stemmer | None:
    algorithm = _STEMMERS.get(lang or "")
    return snowballstemmer.stemmer(algorithm) if algorithm else None


@lru_cache(maxsize=64)
def stemmer(lang: str | None) -> Callable[[str], str]:
    """A memoised stem function for the language; identity when Snowball has none."""
    stem = _stemmer(lang)
    if stem is None:
        return str
    return lru_cache(maxsize=200_000)(stem.stemWord)
