"""Language detection and the per-language resources that depend on it: stopwords, stemmers."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import py3langid
import snowballstemmer
import stopwordsiso

# Snowball algorithm names for the ISO 639-1 codes we meet in news.
_STEMMERS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "fi": "finnish", "fr": "french", "hu": "hungarian",
    "it": "italian", "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}  # fmt: skip

_SAMPLE = 3000  # characters: enough for a confident guess, cheap on long articles


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the text's language (py3langid ships its model)."""
    lang, _ = py3langid.classify(text[:_SAMPLE])
    return str(lang)


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
