"""Named entities: the heuristic extractor of ``dedup.facts`` against spaCy's ``fr_core_news_sm``.

    pip install -e ".[bench]"
    taskset -c 0 python bench/ner.py [--sample 300]

On the five seeds, entity precision, recall and F1 against the hand-checked list (scored by
``bench.fact_scores``, as ``tests/test_facts.py`` scores the extractor), for (a) the heuristic,
(b) spaCy's PER/LOC/ORG entities given our values (``dedup.facts.entity_facts``: same folding,
aliases and surname resolution), (c) their union; time per article; the installed size of spaCy
and the model. Then both run on a sample of ``fr_news_corpus`` (no labels: how often they
disagree, with examples). spaCy runs twice: its whole pipeline, and its NER alone (the others
disabled), which is what dedup would need.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import random
import re
import statistics
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

try:
    import bench.datasets  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import spacy
from packaging.markers import Marker

from bench.datasets import DEFAULT_DATA_DIR, hash_part, read_jsonl, to_article
from bench.fact_scores import load_expected, score_facts
from dedup.facts import Fact, entity_facts, extract_facts
from dedup.normalise import Analysis, analyse
from dedup.read import read_paths

ROOT = Path(__file__).resolve().parents[1]
MODEL = "fr_core_news_sm"
TYPES = {"PER": "person", "LOC": "place", "ORG": "org"}  # MISC is left out (see bench/README.md)

Extractor = Callable[[Analysis], list[Fact]]


def heuristic(analysis: Analysis) -> list[Fact]:
    return [f for f in extract_facts(analysis) if f.kind == "entity"]


def spacy_extractor(nlp: spacy.language.Language) -> Extractor:
    def extract(analysis: Analysis) -> list[Fact]:
        doc = nlp(analysis.article.text)
        spans = [(e.start_char, e.end_char, TYPES[e.label_]) for e in doc.ents if e.label_ in TYPES]
        return entity_facts(analysis, spans)

    return extract


def union(first: Extractor, second: Extractor) -> Extractor:
    """Every name of ``first``, then those of ``second`` whose value ``first`` lacks."""

    def extract(analysis: Analysis) -> list[Fact]:
        ours = first(analysis)
        known = {f.value for f in ours}
        return ours + [f for f in second(analysis) if f.value not in known]

    return extract


def timed(extract: Extractor, analyses: Iterable[Analysis]) -> tuple[list[list[Fact]], list[float]]:
    """The facts of each analysis and the CPU seconds each took (the best of three runs: the machine is shared)."""
    out, seconds = [], []
    for analysis in analyses:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            facts = extract(analysis)
            best = min(best, time.process_time() - start)
        out.append(facts)
        seconds.append(best)
    return out, seconds


# --- install weight ------------------------------------------------------------------------

_NAME = re.compile(r"^[A-Za-z0-9._-]+")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(names: Iterable[str]) -> set[str]:
    """Installed distributions that ``names`` need, themselves included (no extras, markers honoured)."""
    seen: set[str] = set()
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            requires = md.distribution(name).requires or []
        except md.PackageNotFoundError:
            continue
        seen.add(name)
        for requirement in requires:
            spec, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            if marker.strip() and not Marker(marker).evaluate():
                continue
            todo.append(_canonical(_NAME.match(spec.strip()).group()))
    return seen


def _megabytes(names: Iterable[str]) -> float:
    total = 0
    for name in names:
        for path in md.distribution(name).files or []:
            located = Path(path.locate())
            if located.is_file():
                total += located.stat().st_size
    return total / 1e6


def install_weight() -> dict[str, float]:
    """Installed MB of the model, of spaCy with what it needs beyond dedup's own dependencies, and of both."""
    core = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    ours = _closure(_NAME.match(spec).group() for spec in core)
    spacy_only = _closure(["spacy"]) - ours
    return {
        "model": _megabytes([MODEL]),
        "spacy_beyond_dedup": _megabytes(spacy_only),
        "spacy_packages_beyond_dedup": len(spacy_only),
        "spacy_all": _megabytes(_closure(["spacy"])),
    }


# --- the report ----------------------------------------------------------------------------


def wanted_entities(expected: dict[str, list[dict]], key: str) -> list[dict]:
    return [e for name, wanted in expected.items() if name.startswith(key) for e in wanted if e["kind"] == "entity"]


def seeds(extractors: dict[str, Extractor]) -> None:
    articles = {a.id[:3]: a for a in read_paths([ROOT / "seeds"]).articles}
    analyses = {key: analyse(article) for key, article in articles.items()}
    expected = load_expected()
    words = statistics.mean(len(a.text.split()) for a in articles.values())
    print(f"Seeds: {len(articles)} articles, {words:.0f} words on average; entities of the hand-checked list\n")
    print(f"{'extractor':<22} {'precision':>9} {'recall':>7} {'F1':>6} {'types':>7} {'ms/article':>11}")
    for label, extract in extractors.items():
        facts, seconds = timed(extract, analyses.values())
        entity = score_facts(dict(zip(analyses, facts, strict=True)), expected).by_kind["entity"]
        print(
            f"{label:<22} {entity.precision:9.3f} {entity.recall:7.3f} {entity.f1:6.3f} "
            f"{entity.slot_hits:>3}/{entity.slot_total:<3} {statistics.median(seconds) * 1000:11.1f}"
        )
        if label == "heuristic":
            continue
        for key, found in zip(analyses, facts, strict=True):
            want = {e["value"] for e in wanted_entities(expected, key)}
            got = {f.value for f in found}
            for what, values in (("missed", want - got), ("not in the list", got - want)):
                shown = ", ".join(sorted(values)[:10]) + (" …" if len(values) > 10 else "")
                print(f"    {key} {what} ({len(values)}): {shown}")
    print()


def corpus(extractors: dict[str, Extractor], sample: int, examples: int) -> None:
    """Run the heuristic and spaCy NER on a sample of real French news and count where they differ."""
    path = DEFAULT_DATA_DIR / "fr_news_corpus" / "articles.jsonl"
    if not path.exists():
        print(f"{path} missing: corpus comparison skipped")
        return
    records = [r for r in read_jsonl(path) if hash_part(r["id"]) == "report" and len(r["text"].split()) >= 150]
    rng = random.Random(3)
    analyses = [analyse(to_article(r)) for r in rng.sample(records, min(sample, len(records)))]
    words = sum(len(a.article.text.split()) for a in analyses)
    results = {}
    for label in ("heuristic", "spaCy NER only"):
        facts, seconds = timed(extractors[label], analyses)
        results[label] = facts
        rate = sum(seconds) / words * 1e6
        print(f"{label:<16} {rate:6.1f} ms per 1,000 words ({len(analyses)} articles, {words} words)")
    both = only_heuristic = only_spacy = 0
    type_pairs: Counter[str] = Counter()
    seen_only: dict[str, Counter[str]] = {"heuristic": Counter(), "spaCy": Counter()}
    samples: dict[str, list[str]] = {"heuristic": [], "spaCy": []}
    for analysis, ours, theirs in zip(analyses, results["heuristic"], results["spaCy NER only"], strict=True):
        a = {f.value: f for f in ours}
        b = {f.value: f for f in theirs}
        both += len(a.keys() & b.keys())
        type_pairs.update(f"{a[v].slot}/{b[v].slot}" for v in a.keys() & b.keys() if a[v].slot != b[v].slot)
        for side, mine, other in (("heuristic", a, b), ("spaCy", b, a)):
            for value in sorted(mine.keys() - other.keys()):
                seen_only[side][mine[value].slot] += 1
                fact = mine[value]
                context = " ".join(analysis.article.text[max(0, fact.span.start - 40) : fact.span.end + 40].split())
                samples[side].append(f"{analysis.article.id}: [{fact.text}] {fact.slot} … {context}")
        only_heuristic += len(a.keys() - b.keys())
        only_spacy += len(b.keys() - a.keys())
    values = both + only_heuristic + only_spacy
    print(
        f"\nDistinct entity values per article, summed: {values}; both {both} ({both / values:.0%}), "
        f"heuristic only {only_heuristic} ({only_heuristic / values:.0%}), spaCy only {only_spacy} "
        f"({only_spacy / values:.0%})"
    )
    print(
        f"Type differs on {type_pairs.total()} of the {both} shared (heuristic/spaCy): {dict(type_pairs.most_common())}"
    )
    for side in ("heuristic", "spaCy"):
        print(f"\nOnly the {side}, by type: {dict(seen_only[side].most_common())}; examples:")
        for line in rng.sample(samples[side], min(examples, len(samples[side]))):
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=300, help="fr_news_corpus articles (report part, ≥ 150 words)")
    parser.add_argument("--examples", type=int, default=12, help="disagreements shown per side")
    args = parser.parse_args()

    start = time.perf_counter()
    full = spacy.load(MODEL)
    load_full = time.perf_counter() - start
    start = time.perf_counter()
    ner_only = spacy.load(MODEL, enable=["ner"])
    load_ner = time.perf_counter() - start
    extractors: dict[str, Extractor] = {
        "heuristic": heuristic,
        "spaCy full pipeline": spacy_extractor(full),
        "spaCy NER only": spacy_extractor(ner_only),
        "heuristic ∪ spaCy NER": union(heuristic, spacy_extractor(ner_only)),
    }
    print(
        f"spaCy {spacy.__version__}, {MODEL} {md.version(MODEL)}; load {load_full:.1f} s (full), {load_ner:.1f} s (NER)"
    )
    weight = install_weight()
    print(
        f"Installed: model {weight['model']:.0f} MB; spaCy and the {weight['spacy_packages_beyond_dedup']} packages "
        f"it adds to dedup's {weight['spacy_beyond_dedup']:.0f} MB (with what dedup already has: "
        f"{weight['spacy_all']:.0f} MB)\n"
    )
    seeds(extractors)
    corpus(extractors, args.sample, args.examples)


if __name__ == "__main__":
    main()
