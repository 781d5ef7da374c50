"""Fit the verification models of ``dedup/score.py`` on the calibration parts only.

    python bench/calibrate.py            # prints the fitted constants and calibration figures

Fits, each on the ``calibration`` part (see ``bench/datasets.py``; the ``report`` part is
never read here):

* ``DERIVED``: logistic regression, "one text is derived from the other", on Clough &
  Stevenson (cut/light/heavy vs non) and METER (wholly/partially vs non-derived; a newspaper
  article's features are the maxima over the PA files of its story);
* ``SAME_STORY``: logistic regression, SemEval-2022 Task 8 "same story" (overall <= 2);
* ``GRADED``: least squares of -overall on SemEval, the graded score's linear part;
* ``COPY``: logistic regression, "a copy with edits" against "a reworded version", over every
  score of a verdict (``COPY_FEATURES``), on Clough's ``cut`` answers against ``heavy``
  ones and METER's wholly against partially derived articles. It decides among
  derived pairs that the hand-set ``NEAR_DUPLICATE_CONTAINMENT`` (most 5-word runs verbatim)
  does not already call copies.

Paste the printed constants into ``dedup/score.py``; ``bench/README.md`` records the run.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.stats import spearmanr

try:
    import bench.datasets  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.datasets import PairSet, load_clough, load_meter, load_semeval
from dedup.corpus import Corpus
from dedup.model import Relation
from dedup.normalise import analyse
from dedup.score import (
    COPY_FEATURES,
    DERIVED_FEATURES,
    SAME_STORY_FEATURES,
    features,
    prepare,
    relation,
)

L2 = 1e-3  # a touch of ridge so that correlated features keep sane weights


def scored_pairs(pairs: PairSet, part: str = "calibration") -> list[tuple[object, dict]]:
    """Features of every pair of one part, term rarity taken per language from the dataset."""
    chosen = [p for p in pairs.pairs if p.part == part]
    needed = {p.a.id for p in chosen} | {p.b.id for p in chosen}
    analyses = {k: analyse(a) for k, a in pairs.articles.items()}
    corpora: dict[str, Corpus] = defaultdict(Corpus)
    for a in analyses.values():
        corpora[a.language].add(a)
    prepared = {k: prepare(analyses[k]) for k in needed}
    out = []
    for p in chosen:
        corpus = corpora[analyses[p.a.id].language]
        scores, _ = features(prepared[p.a.id], prepared[p.b.id], corpus)
        out.append((p, scores))
    return out


def matrix(rows: list[dict], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[r[n] or 0.0 for n in names] for r in rows], dtype=float)


def logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xb = np.hstack([x, np.ones((len(x), 1))])

    def loss(w: np.ndarray) -> float:
        z = xb @ w
        return float(np.mean(np.logaddexp(0, z) - y * z) + L2 * np.sum(w[:-1] ** 2))

    return minimize(loss, np.zeros(xb.shape[1]), method="L-BFGS-B").x


def labelled_units() -> list[tuple[str, dict]]:
    """(label, scores) for Clough answers and METER newspaper articles; a newspaper article's
    scores are the maxima over the PA files of its story."""
    units = [(p.label, s) for p, s in scored_pairs(load_clough())]
    by_article: dict[str, tuple[str, dict]] = {}
    for p, s in scored_pairs(load_meter()):
        _, best = by_article.setdefault(p.b.id, (p.label, dict(s)))
        for k, v in s.items():
            if v is not None:
                best[k] = max(best[k] or 0.0, v)
    return units + list(by_article.values())


def _fmt(names: tuple[str, ...], w: np.ndarray) -> str:
    body = ", ".join(f'"{n}": {v:.3f}' for n, v in zip(names, w, strict=False))
    return "{" + body + f', "bias": {w[-1]:.3f}' + "}"


def main() -> None:
    units = labelled_units()
    rows = [s for _, s in units]
    y = np.array([label not in ("non", "non_derived") for label, _ in units], dtype=float)
    w_derived = logistic(matrix(rows, DERIVED_FEATURES), y)
    p = 1 / (1 + np.exp(-(matrix(rows, DERIVED_FEATURES) @ w_derived[:-1] + w_derived[-1])))
    print(f"# derived: {len(rows)} calibration units, accuracy at 0.5: {np.mean((p >= 0.5) == y):.3f}")
    print(f"DERIVED = {_fmt(DERIVED_FEATURES, w_derived)}")

    semeval = scored_pairs(load_semeval())
    srows = [s for _, s in semeval]
    overall = np.array([p.value for p, _ in semeval])
    x = matrix(srows, SAME_STORY_FEATURES)
    same = (overall <= 2).astype(float)
    w_same = logistic(x, same)
    ps = 1 / (1 + np.exp(-(x @ w_same[:-1] + w_same[-1])))
    print(f"# same story: {len(srows)} SemEval calibration pairs, accuracy at 0.5: {np.mean((ps >= 0.5) == same):.3f}")
    print(f"SAME_STORY = {_fmt(SAME_STORY_FEATURES, w_same)}")

    xb = np.hstack([x, np.ones((len(x), 1))])
    target = (4 - overall) / 3  # 1 = very similar ... 0 = very different
    w_graded = np.linalg.lstsq(xb, target, rcond=None)[0]
    print(f"# graded: Spearman on calibration {spearmanr(xb @ w_graded, -overall).statistic:.3f}")
    print(f"GRADED = {_fmt(SAME_STORY_FEATURES, w_graded)}")

    copy, reworded = ("cut", "wholly_derived"), ("heavy", "partially_derived")
    copies = [(label in copy, s) for label, s in units if label in copy + reworded]
    x = matrix([s for _, s in copies], COPY_FEATURES)
    w_copy = logistic(x, np.array([c for c, _ in copies], dtype=float))
    print(f"# copy: Clough cut vs heavy, METER wholly vs partially ({len(copies)} units)")
    print(f"COPY = {_fmt(COPY_FEATURES, w_copy)}")
    # With the constants now in dedup/score.py (after pasting these, run again to see theirs).
    level = {"cut": 2, "wholly_derived": 2, "heavy": 1, "partially_derived": 1}
    found = [(level.get(label, 0), _level(relation(s))) for label, s in units if label != "light"]
    accuracy = np.mean([a == b for a, b in found])
    print(f"# relation levels (copy, reworded, not derived; Clough light aside), {len(found)} units: {accuracy:.3f}")


def _level(found: Relation) -> int:
    return 2 if found >= Relation.NEAR_DUPLICATE else 1 if found == Relation.REWRITE else 0


if __name__ == "__main__":
    main()
