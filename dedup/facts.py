"""Typed facts with character spans: numbers, dates, named entities and quotes.

Two reports of one event differ most usefully in their facts: "35 pays" against "31 pays",
"mardi" against "jeudi", a quote given to a different speaker. This module finds those facts
in an analysed article, French first and reasonably in English, with no model: regexes for
dates and quotes, the offset-keeping tokens of ``dedup.normalise`` for numbers and names, and
small built-in gazetteers. Every fact keeps the span of the original characters it came from,
and a normalised ``value`` so that the same fact written differently compares equal
("États-Unis"/"Etats-Unis", "Kiev"/"Kyiv", a later bare "Macron" and "Emmanuel Macron",
’ against '). Values are language-neutral where it is cheap: weekday and month names are
given in French ("Tuesday" -> "mardi"), countries by their French name.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from dedup.language import stopwords
from dedup.model import Span
from dedup.normalise import Analysis, Token, fold

KINDS = ("number", "date", "entity", "quote")


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of an article: what it is, its surface text, its comparable value and where it stands."""

    kind: str  # "number" | "date" | "entity" | "quote"
    text: str  # exactly ``article.text[span.start:span.end]``
    value: str  # normalised for matching: "35 pays", "~30 membre", "2026-01-06", "emmanuel macron"
    span: Span
    sentence: int  # index into ``analysis.sentences``
    # What the value is about, so that two facts in one slot with different values conflict: a
    # number's head noun, a date's role ("since", "until"...), an entity's type, a quote's speaker
    # ("term" for quoted words of three words or fewer).
    slot: str
    speaker: str | None = None  # quotes only


def extract_facts(analysis: Analysis) -> list[Fact]:
    """Every number, date, named entity and quote of the article, sorted by span start."""
    doc = _Doc(analysis)
    facts = _dates(doc)
    for fact in facts:
        doc.cover(fact.span)
    facts += _numbers(doc)
    entities = _entities(doc)
    facts += entities
    facts += _quotes(doc, entities)
    seen: set[tuple[str, int, int]] = set()
    unique = []
    for fact in sorted(facts, key=lambda f: (f.span.start, f.span.end, KINDS.index(f.kind))):
        key = (fact.kind, fact.span.start, fact.span.end)
        if key not in seen:
            seen.add(key)
            unique.append(fact)
    return unique


# --- shared helpers ----------------------------------------------------------------------

_SPACES = " \t\u00a0\u202f\u2009"
_APOSTROPHES = "'’‘ʼ"
_WORD = re.compile(r"[^\W\d_]+|\d+")
# Characters that may begin a new clause inside a sentence, so the next word's capital says nothing.
_OPENERS = "«“‘([:—–•+\n"  # straight quotes open or close: see straight_quotes
_ACCENTS = {"a": "aàâä", "c": "cç", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "y": "yÿ"}


def _accent_free(word: str) -> str:
    """A regex for ``word`` (already folded) that also matches its accented spellings."""
    return "".join(f"[{_ACCENTS[c]}]" if c in _ACCENTS else re.escape(c) for c in word)


def _alternation(words: set[str]) -> str:
    return "(?:" + "|".join(_accent_free(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _key(name: str) -> str:
    """Token-level form of a name: "Côte d'Ivoire" -> "cote d ivoire" (what a token run joins to)."""
    return " ".join(fold(w) for w in _WORD.findall(name))


def _clean(text: str) -> str:
    """Folded surface text: accents, case, apostrophes, ligatures and spaces made uniform."""
    out = fold(text).replace("œ", "oe").replace("æ", "ae")
    for apostrophe in _APOSTROPHES[1:]:
        out = out.replace(apostrophe, "'")
    return " ".join(out.split())


def _words(tokens: list[Token]) -> str:
    return " ".join(t.norm for t in tokens).replace("œ", "oe").replace("æ", "ae")


_MAX_QUOTE = 600  # characters: a longer "quote" is an unbalanced mark, not a quotation


def straight_quotes(text: str) -> list[tuple[int, int]]:
    """Pairs of straight double quotes (opening, closing positions), paired within a paragraph.

    A straight quote both opens and closes, so each is read by its neighbours: after a space and
    before a word it opens ("Il…), after a word it closes (…pas"), otherwise (French spacing,
    +nested+", two words) it toggles. A closing mark with nothing open is a stray and skipped, so
    one stray mark does not turn every later quotation inside out.
    """
    pairs = []
    opened = -1
    for m in re.finditer('"|\n', text):
        pos = m.start()
        if text[pos] == "\n":
            opened = -1
            continue
        before = text[pos - 1] if pos else " "
        after = text[pos + 1] if pos + 1 < len(text) else " "
        opening = (before.isspace() or before in _OPENERS) and not after.isspace()
        closing = not before.isspace() and (after.isspace() or not (after.isalnum() or after in "([«“"))
        if opened < 0 and (opening or not closing):
            opened = pos
        elif opened >= 0 and (closing or not opening):
            if pos - opened <= _MAX_QUOTE:
                pairs.append((opened, pos))
            opened = -1
    return pairs


class _Doc:
    """The article's text and tokens with the lookups every extractor needs, computed once."""

    def __init__(self, analysis: Analysis) -> None:
        self.text = analysis.article.text
        self.lang = analysis.language
        self.toks = analysis.tokens
        self.starts = [t.start for t in self.toks]
        self.sentences = analysis.sentences
        self.sentence_starts = [s.start for s in analysis.sentences]
        self.stop = stopwords(self.lang)
        self.function_words, self.head_stops = _LANGUAGE_WORDS.get(self.lang, _ANY_LANGUAGE_WORDS)
        self.dated = [False] * len(self.toks)  # tokens inside a date, which no other fact may use
        text, toks = self.text, self.toks
        self.straight = straight_quotes(text)
        opening = {o for o, _ in self.straight}
        first = {bisect.bisect_left(self.starts, s) for s in self.sentence_starts}
        self.initial = []
        for i, t in enumerate(toks):
            gap = text[toks[i - 1].end : t.start] if i else ""
            stripped = gap.rstrip(_SPACES)
            self.initial.append(
                i in first
                or (bool(stripped) and (stripped[-1] in _OPENERS or toks[i - 1].end + len(stripped) - 1 in opening))
                or "\n" in gap
                or (i > 0 and toks[i - 1].elided and self.initial[i - 1])
            )
        self.lower = {t.norm for t in toks if not t.upper}
        self.mid_upper = {t.norm for t, ini in zip(toks, self.initial, strict=True) if t.upper and not ini}

    def sentence_of(self, pos: int) -> int:
        return max(bisect.bisect_right(self.sentence_starts, pos) - 1, 0)

    def sentence_span(self, pos: int) -> Span:
        return self.sentences[self.sentence_of(pos)] if self.sentences else Span(0, len(self.text))

    def token_at(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos``."""
        return bisect.bisect_left(self.starts, pos)

    def tokens_in(self, start: int, end: int) -> list[Token]:
        return self.toks[self.token_at(start) : self.token_at(end)]

    def gap(self, i: int) -> str:
        """The characters between token ``i - 1`` and token ``i``."""
        return self.text[self.toks[i - 1].end : self.toks[i].start]

    def cover(self, span: Span) -> None:
        for i in range(self.token_at(span.start), self.token_at(span.end)):
            self.dated[i] = True

    def fact(self, kind: str, start: int, end: int, value: str, slot: str, speaker: str | None = None) -> Fact:
        return Fact(kind, self.text[start:end], value, Span(start, end), self.sentence_of(start), slot, speaker)


# --- dates ---------------------------------------------------------------------------------

_MONTH_NAMES = """janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre""".split()
_MONTHS = {name: n for n, name in enumerate(_MONTH_NAMES, 1)}
_EN_MONTHS = {
    name: n
    for n, name in enumerate(
        "january february march april may june july august september october november december".split(), 1
    )
}
_MONTH_ABBREVIATIONS = {
    "janv": 1, "fevr": 2, "fev": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
}  # fmt: skip
_ALL_MONTHS = {**_MONTHS, **_EN_MONTHS, **_MONTH_ABBREVIATIONS}
_WEEKDAY_NAMES = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
_WEEKDAYS = {name: name for name in _WEEKDAY_NAMES} | dict(
    zip("monday tuesday wednesday thursday friday saturday sunday".split(), _WEEKDAY_NAMES, strict=True)
)
_DAY_PARTS = {
    "soir": "soir", "matin": "matin", "midi": "midi", "apres-midi": "apres-midi", "nuit": "nuit",
    "morning": "matin", "afternoon": "apres-midi", "evening": "soir", "night": "nuit",
}  # fmt: skip
_RELATIVE = {"mi": "mi-", "mid": "mi-", "fin": "fin ", "late": "fin ", "debut": "debut ", "early": "debut "}
_RELATIVE |= {"courant": "courant "}
_DEICTIC = {"hier": "hier", "demain": "demain", "avant-hier": "avant-hier", "apres-demain": "apres-demain"}
_DEICTIC |= {"yesterday": "hier", "tomorrow": "demain"}

_MONTH_ANY = _alternation(set(_ALL_MONTHS))
_MONTH_FULL = _alternation(set(_MONTHS) | set(_EN_MONTHS))
_WEEKDAY = _alternation(set(_WEEKDAYS))
_PART = _alternation(set(_DAY_PARTS))
_YEAR = r"(?:19\d\d|20\d\d|2100)"
# Alternatives are tried in order at each position, so the longest forms come first.
_DATE = re.compile(
    rf"""
    (?P<iso>\b(?P<iy>\d{{4}})-(?P<im>\d\d)-(?P<id>\d\d)\b)
    |(?P<slash>\b(?P<sa>\d{{1,2}})/(?P<sb>\d{{1,2}})/(?P<sy>{_YEAR})\b)
    |(?P<dmy>\b(?:{_WEEKDAY},?\s+)?(?:(?P<d0>1er|\d{{1,2}})\s*(?:et|and|ou|or|au|to|-|–)\s*)?
        (?P<d1>1er|\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>{_MONTH_ANY})\b\.?
        (?:,?\s+(?P<y1>{_YEAR})\b)?)
    |(?P<mdy>\b(?:{_WEEKDAY},?\s+)?(?P<m2>{_MONTH_ANY})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*%)
        (?:,?\s+(?P<y2>{_YEAR})\b)?)
    |(?P<rel>\b(?P<rq>mi|mid|fin|late|d[ée]but|early|courant)(?:-|\s+)(?:du\s+mois\s+d(?:e\s+|['’]))?
        (?:(?P<rm>{_MONTH_FULL})\b(?:\s+(?P<ry>{_YEAR})\b)?|(?P<ry2>{_YEAR})\b))
    |(?P<my>\b(?P<m3>{_MONTH_FULL})\s+(?P<y3>{_YEAR})\b)
    |(?P<wd>\b(?P<w>{_WEEKDAY})\b(?:\s+(?P<wp>{_PART})\b)?)
    |(?P<deic>\b(?P<dw>avant-hier|apr[èe]s-demain|hier|demain|yesterday|tomorrow)\b(?:\s+(?P<dp>{_PART})\b)?)
    |(?P<eve>\b(?:veille|lendemain)\b(?:\s+au\s+(?:soir|matin)\b)?)
    |(?P<mon>\b(?P<m4>{_MONTH_FULL})\b)
    |(?P<time>\b(?P<h1>[01]?\d|2[0-3])\s?h(?:\s?(?P<n1>[0-5]\d))?\b
        |\b(?P<h2>[01]?\d|2[0-3]):(?P<n2>[0-5]\d)\b
        |\b(?P<h3>1[0-2]|0?[1-9])(?::(?P<n3>[0-5]\d))?\s?(?P<ap>[ap])\.?m\b\.?
        |(?<=\bà\s)(?P<h4>[01]?\d|2[0-3])\s+heures?(?:\s+(?P<n4>[0-5]\d))?\b)
    |(?P<year>\b{_YEAR}\b)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DATE_STARTS = frozenset(
    set(_ALL_MONTHS) | set(_WEEKDAYS) | set(_RELATIVE) | set(_DEICTIC) | {"avant", "apres", "veille", "lendemain"}
)
_ROLE = re.compile(
    r"(?:(?P<since>depuis|since)|(?P<until>jusqu['’](?:[àa]|au|en)|until|till)|(?P<before>avant|before)"
    r"|(?P<after>après|after)|(?P<from>dès|à\s+partir\s+d[eu']|from|starting)|(?P<by>d['’]ici|by))"
    r"\s*(?:le\s+|la\s+|l['’]|the\s+|on\s+|in\s+)?$",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"[ \u00a0\u202f]?(?:%|pour\s?cent\b|pour\s?100\b|per\s?cent\b|percent\b)", re.IGNORECASE)


def _dates(doc: _Doc) -> list[Fact]:
    out = []
    after = 0
    # The regex is tried only where a date can start (a digit or a date word): scanning every
    # character with it costs several times more on a long article.
    for tok in doc.toks:
        if tok.start < after or not (tok.norm[0].isdigit() or tok.norm in _DATE_STARTS):
            continue
        m = _DATE.match(doc.text, tok.start)
        value = None if m is None else _date_value(doc, m)
        if m is None or value is None:
            continue
        after = m.end()
        start, end = m.span()
        if tok.norm in _WEEKDAYS and (m.group("dmy") or m.group("mdy")):
            # "mardi 14 novembre": the weekday is a fact of its own, so a changed weekday shows.
            out.append(doc.fact("date", tok.start, tok.end, _WEEKDAYS[tok.norm], ""))
            start = m.start("d0") if m.group("d0") else m.start("d1") if m.group("dmy") else m.start("m2")
        if m.group("d0"):  # "les 18 et 19 décembre": two dates
            first = _day_month(m.group("d0"), m.group("m1"), m.group("y1"))
            if first is not None:
                out.append(doc.fact("date", m.start("d0"), m.end("d0"), first, ""))
            start = m.start("d1")
        if doc.text[end - 1] == "." and fold(m.group().rstrip(".").split()[-1]) in _MONTHS | _EN_MONTHS:
            end -= 1  # "le 1er mars." ends a sentence; "Jan." keeps its abbreviation dot
        sentence = doc.sentence_span(start)
        role = _ROLE.search(doc.text, max(sentence.start, start - 25), start)
        out.append(doc.fact("date", start, end, value, (role.lastgroup or "") if role else ""))
    return out


def _month(name: str) -> int:
    return _ALL_MONTHS[fold(name).rstrip(".")]


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _day_month(day_text: str, month_text: str, year: str | None) -> str | None:
    """ISO when the year is given, else "15 aout"; None for an impossible day."""
    day = 1 if day_text.lower() == "1er" else int(day_text)
    month = _month(month_text)
    if year:
        return _iso(int(year), month, day)
    return f"{day} {_MONTH_NAMES[month - 1]}" if 1 <= day <= 31 else None


def _date_value(doc: _Doc, m: re.Match[str]) -> str | None:
    """The normalised value of a date match, or None when the match is no date after all."""
    g = m.group
    if g("iso"):
        return _iso(int(g("iy")), int(g("im")), int(g("id")))
    if g("slash"):
        a, b = int(g("sa")), int(g("sb"))
        day, month = (b, a) if doc.lang == "en" and a <= 12 else (a, b)
        return _iso(int(g("sy")), month, day)
    if g("dmy") or g("mdy"):
        day_text, month_text, year = (g("d1"), g("m1"), g("y1")) if g("dmy") else (g("d2"), g("m2"), g("y2"))
        if g("mdy") and (fold(month_text).rstrip(".") not in _EN_MONTHS | _MONTH_ABBREVIATIONS or month_text.islower()):
            return None  # "mars 3", "march 20 miles": only English "January 6" is month-first
        return _day_month(day_text, month_text, year)
    if g("rel"):
        prefix = _RELATIVE[fold(g("rq"))]
        when = _MONTH_NAMES[_month(g("rm")) - 1] if g("rm") else g("ry2")
        return prefix + when + (f" {g('ry')}" if g("ry") else "")
    if g("my"):
        return f"{g('y3')}-{_month(g('m3')):02d}"
    if g("wd"):
        part = f" {_DAY_PARTS[fold(g('wp'))]}" if g("wp") else ""
        return _WEEKDAYS[fold(g("w"))] + part
    if g("deic"):
        part = f" {_DAY_PARTS[fold(g('dp'))]}" if g("dp") else ""
        return _DEICTIC[fold(g("dw"))] + part
    if g("eve"):
        return _clean(m.group())
    if g("mon"):
        name = g("m4")
        folded = fold(name)
        i = doc.token_at(m.start())
        if folded in _MONTHS:
            # French months are lowercase: a capital mid-sentence is "Mars" the planet or a name.
            ok = name.islower() or (i < len(doc.toks) and doc.initial[i])
        else:
            ok = name[0].isupper() and folded != "may"  # "may" the verb, "May" the surname
        return _MONTH_NAMES[_ALL_MONTHS[folded] - 1] if ok else None
    if g("time"):
        hour, minute = g("h1") or g("h2") or g("h3") or g("h4"), g("n1") or g("n2") or g("n3") or g("n4") or "00"
        h = int(hour)
        if g("ap"):
            h = h % 12 + (12 if g("ap").lower() == "p" else 0)
        return f"{h:02d}:{minute}"
    # A year alone, unless it counts something ("2025 soldats") or is a percentage.
    end = m.end()
    if _PERCENT.match(doc.text, end):
        return None
    i = doc.token_at(end)
    if i < len(doc.toks) and doc.gap(i).strip(_SPACES) == "" and not doc.toks[i].upper:
        nxt = doc.toks[i].norm
        if nxt not in doc.function_words and nxt not in doc.stop:
            return None
    return m.group()


# --- numbers -------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20,
    "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90,
    "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_HUNDRED = {"cent", "cents", "hundred"}
_DOZEN = {"dozen", "douzaine"}  # "three dozen": a multiplier after a number
_THOUSAND = {"mille", "thousand"}
_BIG = {"million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9, "billion": 10**9,
        "billions": 10**9, "trillion": 10**12, "trillions": 10**12}  # fmt: skip
# "une trentaine", "a dozen": approximate (but a dozen is twelve); plurals are vaguer still.
_COLLECTIVE = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000, "dozen": 12,
}  # fmt: skip
_VAGUE_PLURALS = {w + "s": v for w, v in _COLLECTIVE.items()} | {
    "millions": 10**6, "milliards": 10**9, "hundreds": 100, "thousands": 1000, "billions": 10**9,
}  # fmt: skip
_ONE = {"un", "une", "one", "a", "an"}  # a number only before a scale word or after "environ"
_NUMBER_STARTS = frozenset(  # the tokens worth trying _number_at on, besides digits
    set(_NUMBER_WORDS) | _ONE | set(_COLLECTIVE) | set(_VAGUE_PLURALS) | _HUNDRED | _THOUSAND | set(_BIG)
)
_SCALE_WORD = re.compile(
    r"[ \u00a0\u202f]+(millions?|milliards?|billions?|trillions?|mille|thousand|hundred|dozen)\b", re.IGNORECASE
)
_SCALE_ABBREVIATION = re.compile(r"(?:[ \u00a0\u202f]?(bn|mds?|mrds?)|(m|k))(?![^\W\d_])", re.IGNORECASE)
_SCALES = {"m": 10**6, "k": 1000, "bn": 10**9, "md": 10**9, "mds": 10**9, "mrd": 10**9, "mrds": 10**9,
           "mille": 1000, "thousand": 1000, "hundred": 100, "dozen": 12} | _BIG  # fmt: skip
_CURRENCIES = {
    "€": "euro", "euro": "euro", "euros": "euro", "eur": "euro", "$": "dollar", "dollar": "dollar",
    "dollars": "dollar", "usd": "dollar", "£": "livre sterling", "livre sterling": "livre sterling",
    "livres sterling": "livre sterling", "pound": "livre sterling", "pounds": "livre sterling",
    "gbp": "livre sterling", "¥": "yen", "yen": "yen", "yens": "yen", "yuan": "yuan", "yuans": "yuan",
    "rouble": "rouble", "roubles": "rouble", "ruble": "rouble", "rubles": "rouble", "franc": "franc",
    "francs": "franc", "hryvnia": "hryvnia", "hryvnias": "hryvnia",
}  # fmt: skip
_CURRENCY_AFTER = re.compile(
    r"[ \u00a0\u202f]*(?P<prep>d['’][ \u00a0]*|de\s+|of\s+)?"
    r"(?P<cur>[€$£¥]|(?:euros?|dollars?|livres?\s+sterling|pounds?|yens?|yuans?|roubles?|rubles?|francs?"
    r"|hryvnias?|usd|eur|gbp)\b)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:\b(?:US|C|A|HK))?(?P<cur>[$€£¥])[ \u00a0]?$")
_BOUND = re.compile(
    r"(?:(?P<ge>pas\s+moins\s+d(?:e\s+|['’])|au\s+moins\s+|at\s+least\s+|no\s+(?:fewer|less)\s+than\s+)"
    r"|(?P<approx>environ\s+|pr[èe]s\s+d(?:e\s+|['’])|presque\s+|quelque\s+|autour\s+d(?:e\s+|['’])"
    r"|approximativement\s+|[àa]\s+peu\s+pr[èe]s\s+|about\s+|around\s+|nearly\s+|almost\s+|roughly\s+"
    r"|approximately\s+|some\s+|close\s+to\s+|an\s+estimated\s+)"
    r"|(?P<gt>plus\s+d(?:e\s+|['’])|more\s+than\s+|over\s+)"
    r"|(?P<lt>moins\s+d(?:e\s+|['’])|less\s+than\s+|fewer\s+than\s+|under\s+)"
    r"|(?P<le>jusqu['’][àa]\s+|up\s+to\s+))$",  # capitals often lose their accents
    re.IGNORECASE,
)
_BOUND_SIGNS = {"ge": ">=", "approx": "~", "gt": ">", "lt": "<", "le": "<="}
_ORDINAL_SUFFIXES = {"er", "re", "e", "eme", "ieme", "nd", "rd", "th", "st", "de", "d", "ers", "es", "emes"}
# Words between a number and what it counts that are skipped ("35 de ses pays", "deux autres personnes"),
# per language: French "an" is a year and "a" a verb, English "an" and "a" are articles.
_FUNCTION_FR = frozenset(
    """le la les l un une des du de d au aux à en par pour sur sous avec sans dans entre chez vers ses son sa
    leurs leur nos notre vos votre ces ce cette cet mes mon ma""".split()
)
_FUNCTION_EN = frozenset("""the a an of by for in on at to from with his her their its our your these those""".split())
_PRE_ADJECTIVES = frozenset(
    """autre autres premier premiers premiere premieres dernier derniers derniere dernieres prochain prochains
    prochaine prochaines grand grands grande grandes petit petits petite petites nouveau nouveaux nouvelle
    nouvelles principaux principales seuls seules jeunes vieux anciens anciennes bons bonnes gros other others
    more new old young big large small major main first last next additional extra further separate
    different""".split()
)
# Words that end the search for a head noun: verbs, conjunctions, relatives, pronouns and adverbs.
_HEAD_STOPS_FR = frozenset(
    """a ont avait avaient aura auront est sont etait etaient sera seront serait seraient fut furent doit doivent
    peut peuvent pourrait pourraient va vont qui que qu dont et ou mais ni car se s ne n y il ils elle elles on nous
    vous lui eux ainsi aussi encore deja alors puis donc seulement plus moins tous toutes chacun chacune egalement
    notamment environ""".split()
)
_HEAD_STOPS_EN = frozenset(
    """has have had is are was were will would be been can could should may might and or but nor which who whom
    that he she it we they you also again already then still only just each all""".split()
)
_LANGUAGE_WORDS = {"fr": (_FUNCTION_FR, _HEAD_STOPS_FR), "en": (_FUNCTION_EN, _HEAD_STOPS_EN)}
_ANY_LANGUAGE_WORDS = (_FUNCTION_FR | _FUNCTION_EN, _HEAD_STOPS_FR | _HEAD_STOPS_EN)
# "environ un an", "plus d'une heure": "un" is a number only before a unit of time or measure.
_UNITS = frozenset(
    """an ans annee mois semaine jour heure minute seconde siecle decennie km kilometre metre kilo tonne litre
    year month week day hour minute second decade century mile""".split()
)
_INVARIANT = frozenset(
    """pays mois fois temps corps prix voix poids bras cas choix avis dos fils gens repas discours concours
    processus virus taux deces proces acces succes progres exces congres paix croix noix campus bus series
    species news""".split()
)
_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child", "yeux": "oeil",
              "travaux": "travail", "feet": "foot", "mice": "mouse"}  # fmt: skip


def _singular(word: str, lang: str) -> str:
    """A folded noun in the singular, so "2 personnes" and "deux personne" count the same thing."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _INVARIANT or len(word) < 3:
        return word
    if lang == "en":
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith(("sses", "ches", "shes", "xes")):
            return word[:-2]
        return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is")) else word
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux"):
        return word[:-3] + "al"
    return word[:-1] if word.endswith(("s", "x")) and not word.endswith("ss") else word


def _decimal(surface: str, lang: str) -> Decimal:
    """A written number as a Decimal: French decimal comma, English thousands comma, both orders."""
    s = "".join(surface.split())
    if "," in s and "." in s:
        decimal_mark = s[max(s.rfind(","), s.rfind("."))]
        s = s.replace("." if decimal_mark == "," else ",", "").replace(decimal_mark, ".")
    elif "," in s:
        parts = s.split(",")
        thousands = len(parts) > 2 or (lang == "en" and len(parts[1]) == 3)
        s = "".join(parts) if thousands else s.replace(",", ".")
    elif "." in s:
        parts = s.split(".")
        if len(parts) > 2 or (lang != "en" and len(parts[1]) == 3):  # "1.500" is 1500 in French
            s = "".join(parts)
    return Decimal(s)


def _numeral(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _quiet_gap(gap: str) -> bool:
    """Nothing but spaces or an elision apostrophe between two words (no punctuation)."""
    return all(c in _SPACES or c in _APOSTROPHES for c in gap)


def _numbers(doc: _Doc) -> list[Fact]:
    out = []
    toks = doc.toks
    i = 0
    while i < len(toks):
        t = toks[i]
        candidate = t.norm[0].isdigit() or t.norm in _NUMBER_STARTS
        fact = _number_at(doc, i) if candidate and not doc.dated[i] and not t.elided else None
        if fact is None:
            i += 1
            continue
        out.append(fact)
        i = max(i + 1, doc.token_at(fact.span.end))
    return out


def _parse_words(doc: _Doc, i: int) -> tuple[Decimal, str, int] | None:
    """A number written in words starting at token ``i``: (value, "" or "~" or "~s", next token)."""
    toks, n = doc.toks, len(doc.toks)
    w = toks[i].norm
    nxt = toks[i + 1].norm if i + 1 < n and doc.gap(i + 1).strip(_SPACES) == "" else ""
    if w in _COLLECTIVE:
        return None  # "la quarantaine" is an isolation; "une quarantaine" is about forty
    if w in _ONE:
        if nxt in _COLLECTIVE:
            return Decimal(_COLLECTIVE[nxt]), "" if nxt == "dozen" else "~", i + 2
        if nxt in _BIG or nxt in _HUNDRED or nxt in _THOUSAND:
            return Decimal(_SCALES.get(nxt, 100)), "", i + 2
        return (Decimal(1), "", i + 1) if w != "a" and w != "an" else None
    if w in _VAGUE_PLURALS:
        value, j = _VAGUE_PLURALS[w], i + 1
        # "des dizaines de milliers", "hundreds of thousands"
        while j + 1 < n and toks[j].norm in ("de", "d", "of") and toks[j + 1].norm in _VAGUE_PLURALS:
            value, j = value * _VAGUE_PLURALS[toks[j + 1].norm], j + 2
        return Decimal(value), "~s", j
    if w not in _NUMBER_WORDS and w not in _HUNDRED and w not in _THOUSAND and w not in _BIG:
        return None
    total, current, last, j = 0, 0, "", i
    while j < n:
        w = toks[j].norm
        if j > i:
            gap = doc.gap(j).strip(_SPACES)
            if gap not in ("", "-"):
                break
            # "vingt et un", "soixante et onze", "two hundred and fifty"
            if w in ("et", "and") and j + 1 < n:
                after = toks[j + 1].norm
                if (w == "et" and after in ("un", "une", "onze")) or (w == "and" and last in _HUNDRED):
                    j += 1
                    w = toks[j].norm
                else:
                    break
        if w in ("un", "une"):
            current += 1
        elif w in _NUMBER_WORDS:
            if w in ("vingt", "vingts") and last == "quatre":
                current += 76  # quatre-vingt(s): 4 -> 80
            else:
                current += _NUMBER_WORDS[w]
        elif w in _HUNDRED:
            current = (current or 1) * 100
        elif w in _DOZEN and current:
            current *= 12
        elif w in _THOUSAND:
            total, current = total + (current or 1) * 1000, 0
        elif w in _BIG:
            total, current = total + (current or 1) * _BIG[w], 0
        else:
            break
        last, j = w, j + 1
    return Decimal(total + current), "", j


def _number_at(doc: _Doc, i: int) -> Fact | None:
    toks, text, lang = doc.toks, doc.text, doc.lang
    tok = toks[i]
    start = tok.start
    if tok.norm[0].isdigit():
        before = text[start - 1] if start else ""
        if before.isalpha() or (before in "-–/" and start > 1 and text[start - 2].isalnum()):
            return None  # G7, Covid-19, F-16: part of a name; "4-0", "2003/2004": the second of a pair
        j, end, surface = i + 1, tok.end, tok.norm
        # "1 000 000": French thousands groups are separate tokens after a group of one to three digits.
        if surface.isdigit() and len(surface) <= 3:
            while (
                j < len(toks)
                and toks[j].norm.isdigit()
                and len(toks[j].norm) == 3
                and doc.gap(j) in (" ", "\u00a0", "\u202f")
                and not doc.dated[j]
            ):
                surface, end, j = surface + toks[j].norm, toks[j].end, j + 1
        glued = _WORD.match(text, end) if end < len(text) and text[end].isalpha() else None
        scale = 1
        if glued and fold(glued.group()) in _ORDINAL_SUFFIXES:
            return None  # 1er, 3e, 2nd: ordinals, not counts
        try:
            value = _decimal(surface, lang)
        except InvalidOperation:
            return None
        marker, words = "", False
    else:
        parsed = _parse_words(doc, i)
        if parsed is None:
            return None
        value, marker, j = parsed
        end, glued, scale, words = toks[j - 1].end, None, 1, True
    # Scale words and abbreviations: "2,5 milliards", "3m", "5bn".
    if not words:
        sm = _SCALE_WORD.match(text, end) or _SCALE_ABBREVIATION.match(text, end)
        if sm:
            scale = _SCALES[fold(sm.group(sm.lastindex or 1))]
            end = sm.end()
        elif glued:
            return None  # "4x4", "5G": a code, not a quantity
    value *= scale
    # Bounds before the number (or before its currency sign).
    currency, unit_end = "", end
    cb = _CURRENCY_BEFORE.search(text, max(0, start - 4), start)
    if cb:
        currency, start = _CURRENCIES[cb.group("cur")], cb.start()
    bound = _BOUND.search(text, max(0, start - 30), start)
    one = words and value == 1 and toks[i].norm in _ONE and not marker
    if one and not bound:
        return None  # "un an" is an article and a noun; "environ un an" is a quantity
    sign = _BOUND_SIGNS[bound.lastgroup] if bound and bound.lastgroup else ""
    if bound:
        start = bound.start()
    head, slot = "", ""
    pm = _PERCENT.match(text, end)
    ca = None if currency else _CURRENCY_AFTER.match(text, end)
    if ca and ca.group("prep") and scale == 1:
        ca = None  # "35 de euros" is not how money is written; "3 millions d'euros" is
    if currency:
        slot = head = currency
    elif ca:
        slot = head = _CURRENCIES[fold(" ".join(ca.group("cur").split()))]
        unit_end = ca.end()
    elif pm:
        slot = head = "%"
        unit_end = pm.end()
    else:
        k = doc.token_at(end)
        found = _head_noun(doc, k, end, participles=not words)
        if one and (found is None or found.norm not in _UNITS):
            return None  # "autour d'un objectif": an article after all
        if found is not None:
            slot = head = _singular(found.norm, lang)
            unit_end = found.end
        elif words and not marker and not sign:
            return None  # "les deux", "à neuf": word numbers need a noun to be a fact
    if marker == "~s":
        number = f"~{_numeral(value)}s"
    else:
        number = sign + ("~" if marker == "~" and not sign else "") + _numeral(value)
    value_text = f"{number} {head}" if head else number
    return doc.fact("number", start, unit_end, value_text, slot)


def _head_noun(doc: _Doc, k: int, end: int, participles: bool) -> Token | None:
    """What a number counts: the first noun shortly after it in the same clause."""
    toks, text = doc.toks, doc.text
    prev_end = end
    for _ in range(4 if participles else 3):
        if k >= len(toks) or not _quiet_gap(text[prev_end : toks[k].start]):
            return None
        t = toks[k]
        if doc.dated[k] or t.norm[0].isdigit() or t.norm in doc.head_stops:
            return None
        lower = text[t.start : t.end].lower()
        # "27 représentés par des chefs": a participle then its agent; "180 blessés", "2 000 employés du
        # marché" are nouns.
        participle = (
            participles
            and lower.endswith(("é", "ée", "és", "ées", "ed"))
            and k + 1 < len(toks)
            and toks[k + 1].norm in ("par", "by")
            and _quiet_gap(doc.gap(k + 1))
        )
        if not (t.elided or t.norm in doc.function_words or t.norm in _PRE_ADJECTIVES or participle):
            return t
        prev_end, k = t.end, k + 1
    return None


# --- entities ------------------------------------------------------------------------------

# One entry per line: canonical name | type | other names. Countries are canonical in French.
_GAZETTEER = """
Afghanistan|place; Afrique du Sud|place|South Africa; Albanie|place|Albania; Algérie|place|Algeria
Allemagne|place|Germany; Angola|place; Arabie saoudite|place|Saudi Arabia; Argentine|place|Argentina
Arménie|place|Armenia; Australie|place|Australia; Autriche|place|Austria; Azerbaïdjan|place|Azerbaijan
Bahreïn|place|Bahrain; Bangladesh|place; Belgique|place|Belgium; Biélorussie|place|Belarus|Bélarus
Bénin|place|Benin; Birmanie|place|Myanmar|Burma; Bolivie|place|Bolivia; Bosnie-Herzégovine|place|Bosnia
Botswana|place; Brésil|place|Brazil; Bulgarie|place|Bulgaria; Burkina Faso|place; Burundi|place
Cambodge|place|Cambodia; Cameroun|place|Cameroon; Canada|place; Chili|place|Chile; Chine|place|China
Chypre|place|Cyprus; Colombie|place|Colombia; Congo|place; Corée du Nord|place|North Korea
Corée du Sud|place|South Korea; Costa Rica|place; Côte d'Ivoire|place|Ivory Coast; Croatie|place|Croatia
Cuba|place; Danemark|place|Denmark; Djibouti|place; Égypte|place|Egypt; Émirats arabes unis|place|United Arab Emirates
Équateur|place|Ecuador; Érythrée|place|Eritrea; Espagne|place|Spain; Estonie|place|Estonia
États-Unis|place|United States|USA|US|U.S.|Etats Unis; Éthiopie|place|Ethiopia; Finlande|place|Finland; France|place
Gabon|place; Géorgie|place; Ghana|place; Grèce|place|Greece; Groenland|place|Greenland; Guatemala|place
Guinée|place|Guinea; Haïti|place|Haiti; Honduras|place; Hongrie|place|Hungary; Inde|place|India
Indonésie|place|Indonesia; Irak|place|Iraq; Iran|place; Irlande|place|Ireland; Islande|place|Iceland
Israël|place|Israel; Italie|place|Italy; Jamaïque|place|Jamaica; Japon|place|Japan; Jordanie|place
Kazakhstan|place; Kenya|place; Kirghizistan|place|Kyrgyzstan; Kosovo|place; Koweït|place|Kuwait; Laos|place
Lettonie|place|Latvia; Liban|place|Lebanon; Libye|place|Libya; Lituanie|place|Lithuania; Luxembourg|place
Macédoine du Nord|place|North Macedonia; Madagascar|place; Malaisie|place|Malaysia; Mali|place; Malte|place|Malta
Maroc|place|Morocco; Mauritanie|place|Mauritania; Mexique|place; Moldavie|place|Moldova; Monaco|place
Mongolie|place|Mongolia; Monténégro|place|Montenegro; Mozambique|place; Namibie|place|Namibia; Népal|place|Nepal
Nicaragua|place; Niger|place; Nigeria|place; Norvège|place|Norway; Nouvelle-Zélande|place|New Zealand; Oman|place
Ouganda|place|Uganda; Ouzbékistan|place|Uzbekistan; Pakistan|place; Palestine|place; Panama|place
Paraguay|place; Pays-Bas|place|Netherlands|Hollande; Pérou|place|Peru; Philippines|place; Pologne|place|Poland
Portugal|place; Qatar|place; République démocratique du Congo|place|RDC|DRC; Roumanie|place|Romania
Royaume-Uni|place|United Kingdom|UK|U.K.|Grande-Bretagne|Great Britain|Britain; Russie|place|Russia; Rwanda|place
Salvador|place|El Salvador; Sénégal|place|Senegal; Serbie|place|Serbia; Singapour|place|Singapore
Slovaquie|place|Slovakia; Slovénie|place|Slovenia; Somalie|place|Somalia; Soudan|place|Sudan
Soudan du Sud|place|South Sudan; Sri Lanka|place; Suède|place|Sweden; Suisse|place|Switzerland
Syrie|place|Syria; Tadjikistan|place|Tajikistan; Taïwan|place|Taiwan; Tanzanie|place|Tanzania
Tchad|place; Tchéquie|place|Czechia|République tchèque|Czech Republic; Thaïlande|place|Thailand
Tunisie|place|Tunisia; Turkménistan|place|Turkmenistan; Turquie|place|Turkey|Türkiye; Ukraine|place
Uruguay|place; Vatican|place; Venezuela|place; Vietnam|place|Viêt Nam; Yémen|place|Yemen; Zambie|place|Zambia
Zimbabwe|place; Europe|place; Afrique|place|Africa; Asie|place|Asia; Amérique|place|America
Amérique latine|place|Latin America; Moyen-Orient|place|Middle East; Proche-Orient|place|Near East
Balkans|place; Sahel|place; Arctique|place|Arctic; Crimée|place|Crimea; Donbass|place|Donbas
Gaza|place|bande de Gaza|Gaza Strip; Cisjordanie|place|West Bank; Alaska|place; Californie|place|California
Texas|place; Floride|place|Florida; Kharkiv|place|Kharkov; Odessa|place|Odesa; Zaporijia|place|Zaporizhzhia
Donetsk|place; Louhansk|place|Luhansk; Marioupol|place|Mariupol; Kherson|place; Bakhmout|place|Bakhmut
Koursk|place|Kursk; Paris|place; Londres|place|London; Berlin|place; Moscou|place|Moscow
Kyiv|place|Kiev|Kyïv; Washington|place; Pékin|place|Beijing; Tokyo|place; Rome|place; Madrid|place
Bruxelles|place|Brussels; Varsovie|place|Warsaw; Vienne|place|Vienna; Genève|place|Geneva; Ottawa|place
Canberra|place; New Delhi|place; Islamabad|place; Téhéran|place|Tehran; Bagdad|place|Baghdad
Damas|place|Damascus; Beyrouth|place|Beirut; Jérusalem|place|Jerusalem; Tel-Aviv|place; Le Caire|place|Cairo
Ankara|place; Istanbul|place; Athènes|place|Athens; Lisbonne|place|Lisbon; Amsterdam|place
La Haye|place|The Hague; Stockholm|place; Oslo|place; Helsinki|place; Copenhague|place|Copenhagen
Prague|place; Budapest|place; Bucarest|place|Bucharest; Sofia|place; Belgrade|place; Minsk|place
Vilnius|place; Riga|place; Tallinn|place; Chisinau|place; Tbilissi|place|Tbilisi; Erevan|place|Yerevan
Bakou|place|Baku; Riyad|place|Riyadh; Doha|place; Dubaï|place|Dubai; Abou Dhabi|place|Abu Dhabi
Séoul|place|Seoul; Pyongyang|place; Taipei|place; Hong Kong|place; Shanghai|place; Bangkok|place
Hanoï|place|Hanoi; Manille|place|Manila; Jakarta|place; Nairobi|place; Addis-Abeba|place|Addis Ababa
Alger|place|Algiers; Tunis|place; Rabat|place; Dakar|place; Abidjan|place; Bamako|place; Niamey|place
Kinshasa|place; Johannesburg|place; Le Cap|place|Cape Town; Pretoria|place; Mexico|place; Brasilia|place
Buenos Aires|place; Bogota|place; Caracas|place; Lima|place; Santiago|place; La Havane|place|Havana
Los Angeles|place; Chicago|place; San Francisco|place; New York|place; Munich|place; Francfort|place|Frankfurt
Hambourg|place|Hamburg; Milan|place; Barcelone|place|Barcelona; Lyon|place; Marseille|place; Bordeaux|place
Toulouse|place; Lille|place; Nice|place; Strasbourg|place; Nantes|place; Davos|place
Saint-Pétersbourg|place|Saint Petersburg|St Petersburg
Otan|org|Nato|Alliance atlantique|North Atlantic Treaty Organization
Union européenne|org|UE|EU|European Union; Commission européenne|org|European Commission
Parlement européen|org|European Parliament; Conseil européen|org|European Council
Banque centrale européenne|org|BCE|ECB|European Central Bank
ONU|org|UN|U.N.|Nations unies|Organisation des Nations unies|United Nations; Conseil de sécurité|org|Security Council
FMI|org|IMF|Fonds monétaire international|International Monetary Fund; Banque mondiale|org|World Bank
OMS|org|WHO|Organisation mondiale de la santé|World Health Organization; OMC|org|WTO; OCDE|org|OECD
OPEP|org|OPEC; AIEA|org|IAEA; Cour pénale internationale|org|CPI|ICC|International Criminal Court
Union africaine|org|African Union; Ligue arabe|org|Arab League; Kremlin|org; Élysée|org|Elysee Palace; G7|org; G20|org
Maison Blanche|org|White House; Pentagone|org|Pentagon; Matignon|org; Quai d'Orsay|org; Downing Street|org
Bundestag|org; Congrès|org|Congress; Sénat|org|Senate; Assemblée nationale|org|National Assembly
Hamas|org; Hezbollah|org; Talibans|org|Taliban; État islamique|org|Islamic State|Daech|Daesh
Croix-Rouge|org|Red Cross; AFP|org|Agence France-Presse; Reuters|org; Associated Press|org|AP; BBC|org; CNN|org
Le Monde|org; Le Figaro|org; Libération|org; Les Echos|org; New York Times|org; Washington Post|org
Financial Times|org; Wall Street Journal|org; The Guardian|org
"""


def _load_gazetteer() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for line in _GAZETTEER.strip().splitlines():
        for entry in line.split(";"):
            canonical, kind, *aliases = (part.strip() for part in entry.split("|"))
            value = _clean(canonical)
            for name in (canonical, *aliases):
                table[_key(name)] = (value, kind)
    return table


_GAZETTEER_TABLE = _load_gazetteer()
_GAZETTEER_LENGTH: dict[str, int] = {}  # first word -> most words of a name starting with it
for _name in _GAZETTEER_TABLE:
    _first, *_rest = _name.split()
    _GAZETTEER_LENGTH[_first] = max(_GAZETTEER_LENGTH.get(_first, 0), len(_rest) + 1)

# Titles before a name. "Premier"/"Prime" are not here: "Premier League" is a name, and "Prime Minister"
# is stripped through "Minister".
_TITLES = frozenset(
    """president presidente presidents chancelier chanceliere chanceliers ministre ministres secretaire
    emissaire envoye ambassadeur ambassadrice general pape roi reine prince princesse m mme mlle mr mrs ms dr pr
    sir lord senateur senatrice depute deputee maire gouverneur juge colonel commandant homologue dirigeant
    dirigeante leader porte-parole chancellor minister secretary envoy
    ambassador king queen pope senator governor mayor judge counterpart spokesman spokeswoman""".split()
)
_TITLE_ABBREVIATIONS = frozenset({"m", "mr", "mrs", "ms", "dr", "pr", "st"})
_ORG_HEADS = frozenset(
    """union organisation coalition conseil commission banque agence fonds parlement assemblee cour tribunal
    parti front alliance ligue federation association institut fondation comite ministere office autorite
    armee garde organization council bank agency fund parliament assembly court party league federation
    institute foundation committee ministry department authority army guard""".split()
)
_PARTICLES = frozenset("de du des d la le von van der den da di del della dos das al el bin ben ter ten zu".split())
_FRENCH_PARTICLES = frozenset("de du des d la le".split())
_GEO_CUES = frozenset("mer ocean golfe mont lac ile iles fleuve detroit canal sea ocean gulf lake mount".split())
_PLACE_CUES = frozenset(
    """localite ville village region province capitale commune oblast departement bourg port city town
    region province capital""".split()
)
_PLACE_PREPOSITIONS = frozenset({"en", "in"})  # not "au Covid-19", "aux Américains"
_PORTFOLIO_CUES = frozenset({"ministre", "ministres", "minister", "ministers"})
_MINISTRY_CUES = frozenset({"ministere", "ministeres", "ministry"})
# Capitalised common nouns and directions that are not names on their own.
_NOT_NAMES = frozenset("""etat etats republique gouvernement nord sud est ouest president premier ministre""".split())
_ADJECTIVE_ENDINGS = (
    "enne", "een", "ain", "aine", "al", "ale", "aux", "ique", "aire", "ien", "ienne", "ais", "aise", "ois",
    "oise", "el", "elle", "if", "ive", "unies", "unis", "eme", "ese",
)  # fmt: skip
_APPOSITION_TITLE = re.compile(
    r",\s+(?:le|la|l['’]|the)\s+(?:premier\s+ministre|pr[ée]sidente?|chanceli[eè]re?|ministre|secr[ée]taire"
    r"|prime\s+minister|president|chancellor|minister|secretary)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Name:
    """An entity found but not yet final: its type and value may still change."""

    start: int
    end: int
    first: int  # token indices
    last: int
    value: str
    kind: str
    parts: int  # space-separated parts: "Jean-Luc Mélenchon" has two
    initial_single: bool = False  # one word at a sentence start: a name only if seen as one elsewhere


def _entities(doc: _Doc) -> list[Fact]:
    names: list[_Name] = []
    toks = doc.toks
    i = 0
    while i < len(toks):
        t = toks[i]
        if not t.upper or t.elided or doc.dated[i] or t.norm[0].isdigit():
            i += 1
            continue
        found = _gazetteer_at(doc, i)
        if found is not None:
            end_index, value, kind = found
            single_word = end_index == i + 1
            # "Nice to meet you": a one-word place at a sentence start also written lowercase is a word.
            if not (single_word and doc.initial[i] and t.norm in doc.lower):
                parts = _parts(doc, range(i, end_index))
                names.append(_Name(t.start, toks[end_index - 1].end, i, end_index - 1, value, kind, parts))
            i = end_index
            continue
        name, i = _run_at(doc, i)
        if name is not None:
            names.append(name)
    return _finish(doc, names)


def _gazetteer_at(doc: _Doc, i: int) -> tuple[int, str, str] | None:
    """The longest gazetteer name starting at token ``i``: (end token index, value, type)."""
    toks, first = doc.toks, doc.toks[i].norm
    longest = _GAZETTEER_LENGTH.get(first)
    if longest is None:
        return None
    best, parts = None, [first]
    for j in range(i, min(i + longest, len(toks))):
        if j > i:
            gap = doc.gap(j).strip(_SPACES)
            initials = gap == "." and len(toks[j - 1].norm) == 1  # "U.S."
            if gap not in ("", "-", *_APOSTROPHES) and not initials:
                break
            parts.append(toks[j].norm)
        hit = _GAZETTEER_TABLE.get(" ".join(parts))
        if hit is not None:
            surface = doc.text[toks[i].start : toks[j].end]
            # Short names ("US", "UE", "UN", "WHO") only in capitals: "us", "un", "who" are words.
            if j == i and len(first) <= 3 and not surface.isupper():
                continue
            best = (j + 1, *hit)
    return best


def _joins(doc: _Doc, j: int) -> bool:
    """Whether token ``j`` may continue a name run: a capitalised word right after the previous one."""
    t = doc.toks[j]
    gap = doc.gap(j)
    if not t.upper or doc.dated[j] or t.norm[0].isdigit() or t.elided:
        return False
    if gap in (" ", "\u00a0", "-"):
        return True
    prev = doc.toks[j - 1]
    # "J. K. Rowling", "M. Macron"
    return gap == ". " and (len(prev.norm) == 1 or prev.norm in _TITLE_ABBREVIATIONS) and doc.text[prev.start].isupper()


def _run_at(doc: _Doc, i: int) -> tuple[_Name | None, int]:
    """A run of capitalised words (with name particles) from token ``i``; returns it and the next index."""
    toks, n = doc.toks, len(doc.toks)
    run = [i]
    j = i
    while j + 1 < n:
        if _joins(doc, j + 1) and _gazetteer_at(doc, j + 1) is None:
            run.append(j + 1)
            j += 1
            continue
        # Particles: "Charles de Gaulle", "Ursula von der Leyen", "Bachar al-Assad".
        k = j + 1
        while k < n and k - j <= 3 and toks[k].norm in _PARTICLES and not toks[k].upper:
            if doc.gap(k).strip(_SPACES) not in ("", "-", *_APOSTROPHES):
                break
            k += 1
        if k == j + 1 or k >= n or not _joins(doc, k) or _gazetteer_at(doc, k) is not None:
            break
        french = all(toks[p].norm in _FRENCH_PARTICLES for p in range(j + 1, k))
        acronym = doc.text[toks[run[0]].start : toks[run[0]].end].isupper()
        if french and (len(run) > 1 or acronym):
            break  # "Giorgia Meloni d'Italie", "Mark Carney du Canada", "CEO de Volkswagen"
        run.extend(range(j + 1, k + 1))
        j = k
    next_index = j + 1

    # Leading articles at a clause start ("Le Kremlin", "Les Européens"), and titles up to the last
    # one ("Premier ministre", "Defense Secretary Pete Hegseth").
    while run and doc.initial[run[0]] and toks[run[0]].norm in doc.stop and not _hyphenated(doc, run, 0):
        run = _drop_first(doc, run)
    titles = [p for p, q in enumerate(run) if toks[q].norm in _TITLES and not _hyphenated(doc, run, p)]
    person_cue = bool(titles)
    if titles:
        run = _drop_first(doc, run[titles[-1] :])
    if run and doc.initial[run[0]] and run[0] == i and len(run) > 1 and toks[run[0]].norm in doc.lower:
        run = _drop_first(doc, run)  # "Ensemble Macron..." : an ordinary word then a name
    if not run:
        return None, next_index
    first, last = run[0], run[-1]
    head = toks[first]
    start, end = head.start, toks[last].end

    kind = ""
    org_extended = False
    if head.norm in _ORG_HEADS:
        last, org_extended = _extend_org(doc, last)
        end = toks[last].end
        kind = "org"
    parts = _parts(doc, run)
    single = first == last
    if single:
        surface = doc.text[start:end]
        acronym = len(surface) > 1 and surface.isupper()
        if len(head.norm) == 1 or head.norm in _NOT_NAMES:
            return None, next_index
        cue = _ministry_cue(doc, first)
        if cue is not None:
            if toks[cue].norm in _PORTFOLIO_CUES:
                return None, next_index  # "ministre de la Défense": a portfolio, not a name
            start, kind = toks[cue].start, "org"  # "ministère des Armées": the ministry is the organisation
        if head.norm in doc.stop and not acronym:
            return None, next_index
    value = _clean(doc.text[start:end])
    hit = _GAZETTEER_TABLE.get(" ".join(t.norm for t in toks[first : last + 1]))
    if hit:
        value, kind = hit
    # "mer Noire", "océan Atlantique"
    if first > 0 and toks[first - 1].norm in _GEO_CUES and doc.gap(first) in (" ", "\u00a0"):
        start = toks[first - 1].start
        value, kind = _clean(doc.text[start:end]), "place"
    if not kind:
        kind = _entity_type(doc, first, last, start, end, parts, person_cue)
    initial_single = single and doc.initial[first] and first == i and not org_extended and not person_cue
    return _Name(start, end, first, last, value, kind, parts, initial_single), max(next_index, last + 1)


def _parts(doc: _Doc, run: list[int] | range) -> int:
    """Space-separated parts of a name: "Jean-Luc Mélenchon" has two, "Saint-Pétersbourg" one."""
    return 1 + sum(1 for p in run[1:] if doc.gap(p).strip(_SPACES) != doc.gap(p))


def _hyphenated(doc: _Doc, run: list[int], p: int) -> bool:
    """Whether the run's word ``p`` is joined to the next by a hyphen ("Haut-Karabakh", not a title)."""
    return p + 1 < len(run) and doc.gap(run[p + 1]) == "-"


def _drop_first(doc: _Doc, run: list[int]) -> list[int]:
    run = run[1:]
    while run and doc.toks[run[0]].norm in _PARTICLES and not doc.toks[run[0]].upper:
        run = run[1:]
    return run


def _ministry_cue(doc: _Doc, i: int) -> int | None:
    """Index of "ministre"/"ministère" just before token ``i`` ("ministère des Armées"), if any."""
    k = i - 1
    while k >= 0 and i - k <= 2 and doc.toks[k].norm in ("de", "la", "l", "du", "des") and _quiet_gap(doc.gap(k + 1)):
        k -= 1
    if k < 0 or k == i - 1 or not _quiet_gap(doc.gap(k + 1)):
        return None
    return k if doc.toks[k].norm in _PORTFOLIO_CUES | _MINISTRY_CUES else None


def _extend_org(doc: _Doc, last: int) -> tuple[int, bool]:
    """Extend an organisation's name over French lowercase words: "Union européenne",
    "Coalition des volontaires", "Organisation de coopération de Shanghai"."""
    toks, n = doc.toks, len(doc.toks)
    lower_chunk = False
    extended = False
    j = last + 1
    while j < n and _quiet_gap(doc.gap(j)) and not doc.dated[j]:
        t = toks[j]
        if not t.upper and not t.elided and t.norm not in _PARTICLES and t.norm.endswith(_ADJECTIVE_ENDINGS):
            last, j, extended = j, j + 1, True
            continue
        if t.norm not in ("de", "des", "du", "d", "of"):
            break
        k = j + 1
        if k < n and toks[k].norm in ("la", "l", "the") and _quiet_gap(doc.gap(k)):
            k += 1
        if k >= n or not _quiet_gap(doc.gap(k)) or doc.dated[k] or toks[k].norm[0].isdigit():
            break
        word = toks[k]
        if word.upper:
            last, j, extended = k, k + 1, True
        elif t.norm != "of" and not lower_chunk and word.norm not in doc.stop and not word.elided:
            last, j, extended, lower_chunk = k, k + 1, True, True
        else:
            break
    return last, extended


def _entity_type(doc: _Doc, first: int, last: int, start: int, end: int, parts: int, person_cue: bool) -> str:
    toks = doc.toks
    surface = doc.text[start:end]
    if first == last and len(surface) > 1 and surface.isupper():
        return "org"  # an acronym
    if any(toks[p].norm in _ORG_HEADS for p in range(first, last + 1)):
        return "org"
    before = [t for t in toks[max(0, first - 4) : first] if t.start >= doc.sentence_span(start).start]
    if person_cue or any(t.norm in _TITLES for t in before) or _APPOSITION_TITLE.match(doc.text, end):
        return "person"
    if parts >= 2:
        return "person"
    near = [t.norm for t in before[-2:]]
    if any(w in _PLACE_CUES for w in near) or (near and near[-1] in _PLACE_PREPOSITIONS):
        return "place"
    return "other"


def _finish(doc: _Doc, names: list[_Name]) -> list[Fact]:
    """Resolve bare surnames to full names, drop unconfirmed sentence-initial words, unify types."""
    full: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        if name.kind == "person" and name.parts >= 2:
            full.setdefault(name.value.rsplit(" ", 1)[-1], []).append((name.start, name.value))
    kept = []
    for name in names:
        if name.first == name.last and name.value in full:
            candidates = full[name.value]
            earlier = [v for s, v in candidates if s < name.start]
            name.value = earlier[-1] if earlier else candidates[0][1]
            name.kind = "person"
        elif name.initial_single and doc.toks[name.first].norm not in doc.mid_upper:
            continue  # "Venu pour...", "Garanties de sécurité": sentence-initial words, not names
        kept.append(name)
    kinds: dict[str, str] = {}
    for name in kept:
        if name.kind != "other":
            kinds.setdefault(name.value, name.kind)
    return [doc.fact("entity", n.start, n.end, n.value, kinds.get(n.value, n.kind)) for n in kept]


def entity_facts(analysis: Analysis, spans: Iterable[tuple[int, int, str]]) -> list[Fact]:
    """Entity facts for names another recogniser found, as ``(start, end, type)`` character spans.

    The names get the values ours get (gazetteer aliases, folding, a bare surname resolved to the
    full name), so the two can be compared or merged.
    """
    doc = _Doc(analysis)
    names = []
    for start, end, kind in spans:
        first, last = doc.token_at(start), doc.token_at(end) - 1
        # Function words the heuristic leaves out of names too: "la France", "l'Élysée", "Les" opening a clause.
        while first <= last and (
            doc.toks[first].elided
            or (doc.toks[first].norm in doc.stop and (not doc.toks[first].upper or doc.initial[first]))
        ):
            first += 1
        # "Mme Foran", "président Macron" lose their title as ours do; "ministre de la Justice" stays whole.
        while first < last and doc.toks[first].norm in _TITLES and doc.toks[first + 1].upper:
            first += 1
        if first > last:
            continue
        hit = _GAZETTEER_TABLE.get(_words(doc.toks[first : last + 1]))
        start, end = doc.toks[first].start, doc.toks[last].end
        value = hit[0] if hit else _clean(doc.text[start:end])
        names.append(_Name(start, end, first, last, value, kind, _parts(doc, range(first, last + 1))))
    return _finish(doc, names)


# --- quotes --------------------------------------------------------------------------------

_QUOTE = re.compile(
    rf"«(?P<guillemets>[^«»\n]{{1,{_MAX_QUOTE}}})»|“(?P<curly>[^“”\n]{{1,{_MAX_QUOTE}}})”"
    rf"|‘(?P<single>[^‘\n]{{1,{_MAX_QUOTE}}}?)’(?![^\W\d_])"
)
# AFP marks quotes inside quotes +so+, whatever the outer marks: «... la +Coalition+ ...»
_NESTED = re.compile(r"\+([^+\n]{1,80})\+")
_TERM_WORDS = 3
_LONG_SINGLE_WORDS = 4  # ‘…’ shares its closing mark with the apostrophe: only long ones are quotes
_SPEECH_VERBS = """
déclaré dit affirmé souligné expliqué ajouté indiqué précisé estimé prévenu promis assuré annoncé poursuivi
insisté martelé lancé confié répondu rappelé averti noté observé reconnu relevé commenté écrit tweeté résumé
regretté dénoncé détaillé raconté témoigné confirmé démenti admis argué plaidé concédé
déclare affirme souligne explique ajoute indique précise estime prévient promet assure annonce poursuit insiste
martèle confie répond rappelle avertit relève commente écrit résume regrette dénonce détaille raconte témoigne
confirme dément admet plaide concède
said says told tells added adds warned warns explained explains insisted stressed noted wrote declared
announced claimed argued replied asked
""".split()
_SPEECH = re.compile(
    r"(?<![^\W\d_])(?P<verb>fait\s+(?:remarquer|valoir|savoir)|selon|according\s+to|"
    + "|".join(re.escape(v) for v in sorted(_SPEECH_VERBS, key=len, reverse=True))
    + r")(?:-t-(?P<pron>il|elle|on|ils|elles)|-(?P<pron2>il|elle|on|ils|elles))?(?![^\W\d_])",
    re.IGNORECASE,
)
_SPEECH_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(re.escape(v) for v in sorted(_SPEECH_VERBS, key=len, reverse=True)) + r")"
    r"\s*(?::|,|que|qu['’]|that)?[\s\u00a0]*$",
    re.IGNORECASE,
)
_LATE_VERB = re.compile(r",\s*(?:a|ont|avait|avaient|has|had)?\s*$")
_SELON = re.compile(r"(?<![^\W\d_])(?:selon|according\s+to)\s", re.IGNORECASE)
_AUXILIARIES = frozenset("a ont avait avaient aurait auraient t has have had".split())
_PRONOUNS = frozenset("il elle ils elles he she they".split())  # the previous quote's speaker
_FILLER = re.compile(
    r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|hier|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|yesterday|today|aujourd['’]hui)(?:\s+(?:soir|matin))?|à\s+la\s+presse|à\s+l['’]\w+"
    r"|aux\s+journalistes|dans\s+un\s+communiqué|en\s+conférence\s+de\s+presse|on\s+\w+day|to\s+reporters"
    r"|in\s+a\s+statement|de\s+son\s+côté|encore|également|aussi|also)[\s,]*",
    re.IGNORECASE,
)
_PHRASE_END = re.compile(
    r"[,;:.!?()«»\"“”\[\]]|\s(?:qui|que|dont|lors|après|avant|sans|pour|dans|who|which|when|after|before|without|in)\s"
)
_DETERMINERS = frozenset(
    """un une le la l les des son sa ses leur leurs notre nos ce cette cet plusieurs the a an his her their its our
    one some several""".split()
)
_DEFINITE = frozenset({"le", "la", "l", "les", "the"})
_SOURCE_NOUNS = frozenset(
    """conseiller conseillere conseillers source sources entourage proche proches porte-parole porte collaborateur
    collaboratrice diplomate diplomates responsable responsables membre membres adviser advisers advisor aide
    aides spokesman spokeswoman spokesperson official officials ally allies""".split()
)
_MAX_SPEAKER_WORDS = 8


class _Index:
    """Entities by position, so each quote looks only at the names near it."""

    def __init__(self, entities: list[Fact]) -> None:
        self.entities = sorted(entities, key=lambda e: e.span.start)
        self.starts = [e.span.start for e in self.entities]

    def starting(self, start: int, end: int) -> list[Fact]:
        """Entities whose span starts in ``[start, end)``."""
        return self.entities[bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)]


def _quote_marks(doc: _Doc) -> list[tuple[int, int, int, int, str]]:
    """Every quotation as (start, end, inner start, inner end, kind of marks), in text order,
    none inside another."""
    found = [(m.start(), m.end(), *m.span(m.lastgroup), m.lastgroup) for m in _QUOTE.finditer(doc.text)]
    found += [(o, c + 1, o + 1, c, "straight") for o, c in doc.straight]
    out: list[tuple[int, int, int, int, str]] = []
    for q in sorted(found):
        if not out or q[0] >= out[-1][1]:
            out.append(q)
    return out


def _quotes(doc: _Doc, entity_facts: list[Fact]) -> list[Fact]:
    out = []
    text = doc.text
    entities = _Index(entity_facts)
    previous: str | None = None
    for start, end, inner_start, inner_end, group in _quote_marks(doc):
        while inner_start < inner_end and text[inner_start] in _SPACES:
            inner_start += 1
        while inner_end > inner_start and text[inner_end - 1] in _SPACES + ",;:":
            inner_end -= 1  # '"We are ready," he said': the comma is the sentence's
        inner = text[inner_start:inner_end]
        words = len(inner.split())
        value = _words(doc.tokens_in(inner_start, inner_end))
        if not value or (group == "single" and words < _LONG_SINGLE_WORDS):
            continue
        speaker = _speaker(doc, start, end, entities, previous)
        if speaker is not None and words > _TERM_WORDS:
            previous = speaker
        out.append(_quote_fact(doc, inner_start, inner_end, value, words, speaker))
        for nested in _NESTED.finditer(text, inner_start, inner_end):
            n_start, n_end = nested.span(1)
            n_value = _words(doc.tokens_in(n_start, n_end))
            if n_value:
                out.append(_quote_fact(doc, n_start, n_end, n_value, len(nested.group(1).split()), speaker))
    return out


def _quote_fact(doc: _Doc, start: int, end: int, value: str, words: int, speaker: str | None) -> Fact:
    slot = "term" if words <= _TERM_WORDS else (speaker or "")
    return doc.fact("quote", start, end, value, slot, speaker)


def _speaker(doc: _Doc, open_at: int, close_at: int, entities: _Index, previous: str | None) -> str | None:
    """Who the sentence says spoke the quote: "», a déclaré X", "X said", "selon X", "X a dit : «"."""
    text = doc.text
    sentence = doc.sentence_span(max(close_at - 1, 0))
    after_end = max(sentence.end, close_at)  # a quote that ends its sentence has nothing after it
    if _ends_sentence(text, open_at, close_at):
        after_end = close_at  # «… sa part. » Selon…: the splitter reads on, the sentence has ended
    m = _SPEECH.search(text, close_at, after_end)
    if m is not None:
        pron = (m.group("pron") or m.group("pron2") or "").lower()
        between = text[close_at : m.start()]
        words = [fold(w) for w in _WORD.findall(between) if fold(w) not in _AUXILIARIES]
        if pron in _PRONOUNS or (len(words) == 1 and words[0] in _PRONOUNS):
            return previous  # "a-t-il ajouté", "he said": the last speaker again
        if words == ["on"] or pron == "on":
            return None  # "affirme-t-on": nobody named
        if not words:  # "», a déclaré X", "», selon X", "," said X"
            return _phrase(doc, m.end(), after_end, entities, previous)
        if len(words) <= 5 and "," not in between.strip(" ,\u00a0") and not set(words) & doc.head_stops:
            return _phrase(doc, close_at, m.start(), entities, previous)  # "," Smith said"
        if _LATE_VERB.search(between):
            return _phrase(doc, m.end(), after_end, entities, previous)  # "» et ..., a indiqué X"
    before = text[sentence.start : open_at]
    selon = _SELON.search(before)
    if selon:
        return _phrase(doc, sentence.start + selon.end(), open_at, entities, previous)
    verb = _SPEECH_BEFORE.search(before)
    if verb:
        verb_at = sentence.start + verb.start()
        subject = [e for e in entities.starting(sentence.start, verb_at) if e.span.end <= verb_at]
        if subject:
            return subject[-1].value
    return None


def _ends_sentence(text: str, open_at: int, close_at: int) -> bool:
    """Whether the quote's own words end a sentence and a new one starts after its closing mark."""
    if not text[open_at:close_at].rstrip(_SPACES + '»”"').endswith((".", "!", "?", "…")):
        return False
    following = text[close_at : close_at + 20].lstrip(_SPACES)
    return not following or following[0] == "\n" or following[0].isupper()


def _abbreviation_before(text: str, dot: int) -> bool:
    word = _WORD.findall(text[max(0, dot - 4) : dot])
    return bool(word) and text[dot - 1].isalpha() and (fold(word[-1]) in _TITLE_ABBREVIATIONS or len(word[-1]) == 1)


def _phrase(doc: _Doc, start: int, limit: int, entities: _Index, previous: str | None) -> str | None:
    """The speaker named from ``start``: an entity, or a short folded noun phrase ("une source de l elysee")."""
    text = doc.text
    while True:
        while start < limit and text[start] in _SPACES + ",":
            start += 1
        filler = _FILLER.match(text, start, limit)
        if not filler or filler.end() == start:
            break
        start = filler.end()
    stop = _PHRASE_END.search(text, start, limit)
    while stop and text[stop.start()] == "." and _abbreviation_before(text, stop.start()):
        stop = _PHRASE_END.search(text, stop.end(), limit)  # "a martelé M. Macron"
    end = stop.start() if stop else limit
    toks = doc.tokens_in(start, end)[:_MAX_SPEAKER_WORDS]
    if not toks:
        return None
    if toks[0].norm in _PRONOUNS:
        return previous
    if toks[0].norm == "on":
        return None
    if not (toks[0].upper or toks[0].norm in _DETERMINERS):
        return None  # "dit de son côté offrir...": the verb is not introducing a speaker
    end = toks[-1].end
    inside = entities.starting(start, end)
    # "le secrétaire américain à la défense, Pete Hegseth": the name in apposition.
    if stop and text[stop.start()] == ",":
        after = [e for e in entities.starting(stop.end(), stop.end() + 3) if e.slot == "person"]
        if after and not any(t.norm in _SOURCE_NOUNS for t in toks):
            return after[0].value
    if inside:
        lead = [t for t in toks if t.end <= inside[0].span.start]
        if not any(t.norm in _SOURCE_NOUNS for t in lead):
            return inside[0].value
    if toks[0].norm in _DEFINITE and len(toks) > 1:
        toks = toks[1:]
    return _words(toks)
