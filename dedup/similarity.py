"""Similarity functions with one signature, as rapidfuzz's scorers have.

Every scorer is ``scorer(a, b, *, processor=None, score_cutoff=None) -> float`` with the
result in [0, 1]; a result below ``score_cutoff`` is returned as 0. ``processor`` turns a
string into the terms compared (default: folded, stemmed content words), so the scorers are
interchangeable wherever a caller takes one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence

from dedup.language import detect_language
from dedup.normalise import content_tokens, tokens

Processor = Callable[[str], Sequence[str]]
Weight = Callable[[str], float]


def content_stems(text: str) -> list[str]:
    """The default processor: stems of the content words, language detected from the text."""
    lang = detect_language(text)
    return [t.stem for t in content_tokens(tokens(text, lang), lang)]


def _cut(value: float, score_cutoff: float | None) -> float:
    return value if score_cutoff is None or value >= score_cutoff else 0.0


def weighted_dice(a: Collection[str], b: Collection[str], weight: Weight | None = None) -> float:
    """Dice coefficient of two term multisets, each term weighted (IDF, say)."""
    if not a or not b:
        return 0.0
    ca, cb = Counter(a), Counter(b)
    w = weight or (lambda _: 1.0)
    shared = sum(min(n, cb[t]) * w(t) for t, n in ca.items() if t in cb)
    total = sum(n * w(t) for t, n in ca.items()) + sum(n * w(t) for t, n in cb.items())
    return 2 * shared / total if total else 0.0


def sentence_similarity(
    a: str, b: str, *, processor: Processor | None = None, score_cutoff: float | None = None
) -> float:
    """How close two sentences are in meaning, judged on their content words."""
    process = processor or content_stems
    return _cut(weighted_dice(process(a), process(b)), score_cutoff)
