"""What the router learned from a configuration: `deskbot config check` (summary) and `--routing` (all).

Each category's cross-validated accuracy (its examples routed by routers that did not see them), the
pairs of categories that take each other's examples ("billing ↔ refunds: 6 of 20 examples"),
categories with too few examples, and examples that look out of scope (a held-out example scored
below the calibrated out-of-scope threshold: it reads like none of the categories, its own included).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bot.routing.router import OOS, CategoryRouter, RouterParams, _fit, _scores, below, labelled
from bot.support import SupportConfig
from knowledge.embedding import Engine

MIN_EXAMPLES = 5  # fewer than this and a category's accuracy cannot be judged (nor its rule learned)
SHOWN = 10  # warnings of one kind listed; the rest are counted ("… and 12 more")


@dataclass(frozen=True)
class Confusion:
    a: str
    b: str
    mistaken: int  # examples of a routed to b plus examples of b routed to a
    examples: int  # examples of a and b together
    sample: tuple[str, str, str] = ("", "", "")  # one of them: (its category, the example, routed to)

    def line(self) -> str:
        own, text, to = self.sample
        seen = f" (e.g. {own} {text[:60]!r} → {to})" if text else ""
        return f"{self.a} ↔ {self.b}: {self.mistaken} of {self.examples} examples{seen}"


@dataclass
class RoutingReport:
    threshold: float
    accuracy: dict[str, float | None] = field(default_factory=dict)  # category → cross-validated
    counts: dict[str, int] = field(default_factory=dict)
    confusions: list[Confusion] = field(default_factory=list)
    too_few: list[str] = field(default_factory=list)
    out_of_scope_like: list[tuple[str, str, float]] = field(default_factory=list)  # category, example, score
    calibration: dict = field(default_factory=dict)
    repeated: list[str] = field(default_factory=list)  # examples given twice (`repeated_examples`)

    @property
    def overall(self) -> float | None:
        judged = [(self.accuracy[c], self.counts[c]) for c in self.accuracy if self.accuracy[c] is not None]
        total = sum(n for _, n in judged)
        return sum(a * n for a, n in judged) / total if total else None

    def warnings(self) -> list[str]:
        out = _listed(
            [f"{c.line()} — give each clearer, more distinct examples" for c in self.confusions],
            "confused pairs",
        )
        out += [
            f"category {c} has {self.counts.get(c, 0)} examples (give at least {MIN_EXAMPLES})"
            for c in self.too_few
        ]
        out += _listed(self.repeated, "repeated examples")
        if self.calibration.get("separation") is None and not self.calibration.get("configured"):
            out.append(unbounded(sum(1 for n in self.counts.values() if n)))
        out += _listed(
            [
                f"example of {c} looks out of scope "
                f"({'like the out-of-scope examples' if math.isnan(score) else below(score, self.threshold)}): "
                f"{text[:80]!r}"
                for c, text, score in self.out_of_scope_like
            ],
            "out-of-scope-like examples",
        )
        return out


def repeated_examples(config: SupportConfig) -> list[str]:
    """An example given twice, in one category or in two (the router learns it as both; a review found
    neither named): one warning each, the categories named."""
    where: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for name, spec in config.categories.items():
        for example in spec.examples:
            key = " ".join(example.casefold().split())
            if key:
                where.setdefault(key, []).append(name)
                shown.setdefault(key, example)
    out = []
    for key, names in where.items():
        if len(names) > 1:
            places = " and ".join(dict.fromkeys(names))
            twice = f"{len(names)} times in {places}" if len(set(names)) == 1 else f"in {places}"
            out.append(f"example {shown[key][:80]!r} is given {twice}: keep it once, in its one category")
    return out


def unbounded(categories: int) -> str:
    """What a desk whose out-of-scope rule could not be calibrated is told."""
    return (
        f"no out-of-scope threshold could be calibrated from {categories} "
        f"categor{'y' if categories == 1 else 'ies'} with examples (it holds categories out in turn: it needs "
        "at least three), so a request unlike every category is still routed to one — add categories, or "
        "set routing.out_of_scope_threshold"
    )


def _listed(lines: list[str], what: str) -> list[str]:
    """The first SHOWN lines, and how many more there are."""
    more = len(lines) - SHOWN
    return lines[:SHOWN] + ([f"… and {more} more {what}"] if more > 0 else [])


def routing_report(config: SupportConfig, *, engine: Engine, folds: int = 5, seed: int = 0) -> RoutingReport:
    examples = {name: c.examples for name, c in config.categories.items() if c.examples}
    params = RouterParams(oos_threshold=config.routing.out_of_scope_threshold)
    texts, labels = labelled(examples, config.routing.out_of_scope_examples)
    router = CategoryRouter.train(
        examples, embedder=engine, params=params, out_of_scope=config.routing.out_of_scope_examples
    )
    report = RoutingReport(
        repeated=repeated_examples(config),
        threshold=router.threshold,
        calibration={**router.calibration, "configured": params.oos_threshold is not None},
    )
    counts = Counter(label for label in labels if label != OOS)
    report.counts = {name: counts.get(name, 0) for name in config.categories}
    report.too_few = [name for name, n in report.counts.items() if n < MIN_EXAMPLES]
    judged = [c for c, n in counts.items() if n >= 2]
    if len(judged) < 2:
        report.accuracy = dict.fromkeys(report.counts)
        return report
    y = np.array(labels)
    keep = np.isin(y, [*judged, OOS])
    vectors = engine.embed(texts)
    rng = np.random.RandomState(seed)
    fold = np.zeros(len(y), dtype=int)
    for label in sorted(
        set(y[keep])
    ):  # stratified (sorted: the same report on every run): each category's examples spread over the folds
        rows = rng.permutation(np.flatnonzero(y == label))
        fold[rows] = np.arange(len(rows)) % folds
    predicted = np.array([""] * len(y), dtype=object)
    score = np.zeros(len(y))
    for f in range(folds):
        train = keep & (fold != f)
        test = np.flatnonzero(keep & (fold == f) & (y != OOS))
        if not len(test) or len(set(y[train])) < 2:
            continue
        idx = np.flatnonzero(train)
        state = _fit([texts[i] for i in idx], list(y[idx]), vectors[idx], params=params)
        best, top, oos_won = _scores(state, [texts[i] for i in test], vectors[test], params)
        predicted[test] = np.where(oos_won, OOS, best)  # the configured out-of-scope examples won
        score[test] = np.where(oos_won, 0.0, top)
    pairs: Counter[tuple[str, str]] = Counter()
    samples: dict[tuple[str, str], tuple[str, str, str]] = {}
    for name in report.counts:
        rows = np.flatnonzero((y == name) & (predicted != ""))
        # routed right as the desk would route it: its category, and not refused as out of scope
        right = (predicted[rows] == name) & (score[rows] >= report.threshold)
        report.accuracy[name] = round(float(right.mean()), 3) if len(rows) else None
        for i in rows:
            if predicted[i] not in (name, OOS):
                pair = tuple(sorted((name, str(predicted[i]))))
                pairs[pair] += 1  # type: ignore[index]
                samples.setdefault(pair, (name, texts[i], str(predicted[i])))  # type: ignore[arg-type]
            if predicted[i] == OOS:  # NaN: refused because the out-of-scope examples fit it best
                report.out_of_scope_like.append((name, texts[i], math.nan))
            elif score[i] < report.threshold:
                report.out_of_scope_like.append((name, texts[i], float(score[i])))
    report.confusions = [
        Confusion(a, b, n, counts[a] + counts[b], samples[(a, b)]) for (a, b), n in pairs.most_common()
    ]
    report.out_of_scope_like.sort(key=lambda row: -1.0 if math.isnan(row[2]) else row[2])
    return report
