"""HINT3 routing check (no dev split, no out-of-scope rows): 5-fold cross-validation on each bot's
train file, with held-out categories as out-of-scope. For each fold, a random 20% of the categories is
removed from training and their test rows are labelled `oos`; the router is trained exactly as the
product trains from category examples, with the default threshold.

Run: `make bench-route` (or `.venv/bin/python -m tests.bench.route_hint3 ../shared/data/route/hint3`).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from bot.routing.evaluate import evaluate_router, read_labelled
from bot.routing.router import OOS, CategoryRouter, RouterParams
from knowledge.embedding import get_engine
from tests.bench.common import report


def cross_validate(
    rows: list[tuple[str, str]], *, folds: int = 5, held_out: float = 0.2, seed: int = 7
) -> dict:
    rng = random.Random(seed)
    order = list(range(len(rows)))
    rng.shuffle(order)
    labels = sorted({label for _, label in rows})
    totals: dict[str, list[float]] = {}
    embedder = get_engine()
    for fold in range(folds):
        test_idx = set(order[fold::folds])
        hidden = set(rng.sample(labels, max(1, int(held_out * len(labels)))))
        examples: dict[str, list[str]] = {}
        for i, (text, label) in enumerate(rows):
            if i not in test_idx and label not in hidden:
                examples.setdefault(label, []).append(text)
        test = [
            (text, OOS if label in hidden else label) for i, (text, label) in enumerate(rows) if i in test_idx
        ]
        router = CategoryRouter.train(examples, embedder=embedder, params=RouterParams())
        for key, value in evaluate_router(router, test).items():
            if isinstance(value, int | float):
                totals.setdefault(key, []).append(float(value))
    return {key: round(sum(v) / len(v), 4) for key, v in totals.items()}


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/route/hint3")
    for path in sorted(folder.glob("*_train.jsonl")):
        figures = cross_validate(read_labelled(path))
        name = path.stem.removesuffix("_train")
        method = "5-fold CV, 20% of categories held out as oos"
        report(f"route_hint3_{name}", "make bench-route", {"method": method, **figures})


if __name__ == "__main__":
    main()
