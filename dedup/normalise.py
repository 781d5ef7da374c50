"""Offset-keeping normalisation: tokens and sentences that point back at the original text.

Nothing here rewrites the article. Tokens are found in the original string and folded one by
one (NFKC, case, accents, typographic apostrophes), so every token and sentence keeps the
character span it came from and any report can highlight the exact original characters.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from dedup.language import detect_language, stemmer, stopwords
from dedup.model import Article, Span

APOSTROPHES = "'’‘ʼ`´"
_APOSTROPHE_TUPLE = tuple(APOSTROPHES)  # what str.startswith takes
# French (and Italian) elided particles: "l'Ukraine" counts as "ukraine".
_ELISIONS = frozenset("""l d j m n s t c qu jusqu lorsqu puisqu quoiqu presqu quelqu dell all dall nell sull""".split())
# Words, numbers with decimal or thousands separators ("1.5", "1 000" is two tokens), and
# nothing else: punctuation, quotes and spaces only separate.
# One group: split() gives the text between tokens and the tokens, alternately.
_TOKEN = re.compile(r"(\d+(?:[.,]\d+)*|[^\W\d_ʼ]+)")  # ʼ (U+02BC) counts as a letter in \w


@lru_cache(maxsize=500_000)
def fold(word: str) -> str:
    """Fold a word for matching: NFKC, case folding, accents removed (États -> etats).

    Idempotent: ``fold(fold(w)) == fold(w)``. Decomposition can make new capitals ("ℌ" -> "H")
    and case folding new compatibility characters, so the steps repeat until nothing changes;
    ASCII lower case is already stable, so nearly every word takes one pass.
    """
    folded = _fold_once(word)
    while not (folded.isascii() and folded == folded.lower()) and (again := _fold_once(folded)) != folded:
        folded = again
    return folded


def _fold_once(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped)


class Token(NamedTuple):
    """A word of the original text: its folded form, its stem and where it stands.

    A named tuple rather than a frozen dataclass: just as immutable, and built several times
    faster (a frozen dataclass sets each field through ``object.__setattr__``); an article has
    thousands of tokens."""

    norm: str
    stem: str
    start: int
    end: int
    upper: bool  # starts with a capital letter in the original
    elided: bool  # an elided particle (the "l" of "l'Ukraine")


class _Words(dict[str, tuple[str, str, bool, bool]]):
    """Per language, what a token takes from its word alone: ``(norm, stem, upper, elidable)``,
    worked out once per distinct word (folding and stemming cost far more than a lookup)."""

    LIMIT = 200_000  # words, as the stem cache; past this the cache starts again rather than grow without end

    def __init__(self, lang: str | None) -> None:
        super().__init__()
        self.stem = stemmer(lang)

    def __missing__(self, word: str) -> tuple[str, str, bool, bool]:
        if len(self) >= self.LIMIT:
            self.clear()
        lower = word.casefold()
        value = self[word] = (fold(word), fold(self.stem(lower)), word[0].isupper(), lower in _ELISIONS)
        return value


@lru_cache(maxsize=64)
def _words(lang: str | None) -> _Words:
    return _Words(lang)


def tokens(text: str, lang: str | None = None) -> list[Token]:
    """All word and number tokens of ``text``, with spans into it."""
    # Every step is one C-level pass (split, accumulate, map, zip): a Python loop per token
    # cost three times as much.
    pieces = _TOKEN.split(text)  # gap, token, gap, ..., token, gap
    words = pieces[1::2]
    if not words:
        return []
    bounds = list(itertools.accumulate(map(len, pieces)))  # where each piece ends
    norms, stems, uppers, elidable = zip(*map(_words(lang).__getitem__, words), strict=True)
    # An elided particle is followed by an apostrophe: the gap after it starts with one.
    elided = map(operator.and_, elidable, map(str.startswith, pieces[2::2], itertools.repeat(_APOSTROPHE_TUPLE)))
    fields = zip(norms, stems, bounds[0:-1:2], bounds[1::2], uppers, elided, strict=True)
    # Token's own __new__ is a Python function; tuple.__new__ makes the same named tuple.
    return list(map(tuple.__new__, itertools.repeat(Token), fields))


def is_name(tok: Token) -> bool:
    return tok.upper and not tok.norm.isdigit() and len(tok.norm) > 1


def content_tokens(toks: list[Token], lang: str | None) -> list[Token]:
    """Tokens that carry meaning: no elided particles, no stopwords."""
    stop = stopwords(lang)
    return [t for t in toks if not t.elided and t.norm not in stop]


# --- sentences ---------------------------------------------------------------------------

# Words after which a full stop does not end a sentence (checked case-insensitively).
_ABBREVIATIONS = frozenset(
    """m mm mme mmes mlle mlles dr pr me st ste cf av apr env etc vol p pp n no nos art al mr
    mrs ms jr sr inc ltd co corp vs gen sen rep gov lt col capt sgt prof dept est janv fevr
    avr juil sept oct nov dec jan feb mar apr jun jul aug sep""".split()
)
# French sets a space (often a narrow no-break one) before a closing guillemet: ". »".
_END = re.compile(r"[.!?…]+(?:[ \u00a0\u202f]?[»”])?[»\"”’')\]]*")
_OPENING = "«\"“(['‘-–—¿¡"
_QUOTE_PAIRS = {"«": "»", "“": "”", '"': '"'}
_MAX_QUOTE = 600  # characters: a longer "quote" is an unbalanced mark, not a quotation
_NON_SPACE = re.compile(r"\S")  # re's \s is str.isspace
_ALNUM = re.compile(r"[^\W_]")  # re's \w is str.isalnum or "_"


def _quoted_regions(text: str) -> list[tuple[int, int]]:
    """Spans inside quotation marks, paired within one paragraph."""
    regions = []
    for opening, closing in _QUOTE_PAIRS.items():
        start = text.find(opening)
        while start != -1:
            end = text.find(closing, start + 1)
            if end == -1:
                break
            if end - start <= _MAX_QUOTE and "\n" not in text[start:end]:
                regions.append((start, end))
                start = text.find(opening, end + 1)
            else:
                start = text.find(opening, start + 1)
    return regions


def _is_boundary(text: str, stop: re.Match[str], inside_quote: bool) -> bool:
    end = stop.end()
    rest = text[end : end + 3]
    if not rest or not rest[0].isspace():
        # "Pyrénées.Alors": sentences glued where a paragraph break was lost.
        glued = stop.group() == "." and text[end : end + 2].istitle() and len(rest) > 1
        return glued and not _abbreviation_before(text, stop.start()) and not inside_quote
    if inside_quote:
        return False
    after = _NON_SPACE.search(text, end)  # not text[end:].lstrip(): that copies the rest of the text
    following = after.group() if after else ""
    if not following or not (following.isupper() or following.isdigit() or following in _OPENING):
        return False
    return not (stop.group() == "." and _abbreviation_before(text, stop.start()))


def _abbreviation_before(text: str, dot: int) -> bool:
    start = dot
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    word = text[start:dot]
    if not word:
        return False
    # Initials ("J. K. Rowling", "Donald J. Trump") and known abbreviations ("M. Macron").
    return (len(word) == 1 and word.isupper()) or fold(word) in _ABBREVIATIONS


def sentences(text: str) -> list[Span]:
    """Split text into sentences, French typography included; spans exclude outer spaces."""
    quotes = sorted(_quoted_regions(text))
    opened = [s for s, _ in quotes]
    reach = list(itertools.accumulate((e for _, e in quotes), max))  # the furthest close so far
    cuts = [0]
    for para in re.finditer(r"\n\s*\n|\n", text):
        cuts.append(para.end())
    for stop in _END.finditer(text):
        # A stop inside a quotation (opened before it, closed at or after its end): a stop
        # that carries the closing mark with it ends the quotation, not a sentence in it.
        before = bisect.bisect_left(opened, stop.start())
        inside = before > 0 and reach[before - 1] >= stop.end()
        if _is_boundary(text, stop, inside):
            cuts.append(stop.end())
    cuts = [*sorted(set(cuts)), len(text)]
    spans = []
    for start, end in itertools.pairwise(cuts):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and _ALNUM.search(text, start, end):
            spans.append(Span(start, end))
    return spans


# --- one article, analysed once ----------------------------------------------------------


@dataclass
class Analysis:
    """What every later stage needs from one article, computed once."""

    article: Article
    language: str
    tokens: list[Token]
    content: list[Token]
    sentences: list[Span]
    title: list[Token]  # content tokens of the title; spans point into ``article.title``

    @cached_property
    def word_text(self) -> str:
        """The folded words, elided particles dropped, joined by single spaces: what shingles
        are cut from (computed once: fingerprints and verification both need it)."""
        return " ".join([t.norm for t in self.tokens if not t.elided])

    @cached_property
    def names_and_numbers(self) -> set[str]:
        """Names ("@" + folded form) and numbers ("#" + ...) among the content words: the cheap
        stand-ins for facts (computed once: candidates, verification and term counts use them)."""
        return {
            ("#" if t.norm[0].isdigit() else "@") + t.norm for t in self.content if t.norm[0].isdigit() or is_name(t)
        }

    @cached_property
    def sentence_ranges(self) -> list[tuple[int, int]]:
        """Per sentence, the range of ``content`` inside it: tokens and sentences both run in
        text order, so a sentence's content tokens are one slice of ``content``."""
        starts = [t.start for t in self.content]
        return [(bisect.bisect_left(starts, s.start), bisect.bisect_left(starts, s.end)) for s in self.sentences]

    @cached_property
    def sentence_content(self) -> list[list[Token]]:
        """Content tokens grouped by sentence, in sentence order."""
        return [self.content[lo:hi] for lo, hi in self.sentence_ranges]


def analyse(article: Article) -> Analysis:
    """Tokenise, detect the language (unless the article gives it) and split sentences."""
    lang = article.language or detect_language(article.text)
    toks = tokens(article.text, lang)
    title = content_tokens(tokens(article.title or "", lang), lang)
    return Analysis(article, lang, toks, content_tokens(toks, lang), sentences(article.text), title)


def silent(stage: str, done: int, total: int) -> None:
    """A progress callback that reports nothing."""


def analyse_all(articles: Sequence[Article], progress: Callable[[str, int, int], None] = silent) -> list[Analysis]:
    """Analyse a batch, calling ``progress("reading", done, total)`` after each article."""
    analyses = []
    for n, article in enumerate(articles, 1):
        analyses.append(analyse(article))
        progress("reading", n, len(articles))
    return analyses
