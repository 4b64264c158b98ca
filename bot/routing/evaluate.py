"""`deskbot eval route`: the routing metrics of the evaluation contract."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.routing.router import OOS, CategoryRouter
from knowledge.evaluate import read_jsonl


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """(text, label) rows; a label is trimmed, and `OOS` in any case is out of scope."""
    rows = []
    for n, row in read_jsonl(path, ("text", "label"), strings=("text", "label")):
        label = row["label"].strip()
        if not label:
            raise ValueError(f"{path}:{n}: 'label' is empty; write the category, or 'oos' for out of scope")
        rows.append((row["text"], OOS if label.lower() == OOS else label))
    return rows


def evaluate_router(router: CategoryRouter, rows: Sequence[tuple[str, str]]) -> dict[str, Any]:
    started = time.perf_counter()
    predicted = [r.category or OOS for r in router.route_many([t for t, _ in rows])]
    per_request_ms = (time.perf_counter() - started) * 1000 / max(len(rows), 1)
    gold = [label for _, label in rows]
    in_scope = [(p, g) for p, g in zip(predicted, gold, strict=True) if g != OOS]
    oos = [(p, g) for p, g in zip(predicted, gold, strict=True) if g == OOS]
    labels = sorted(set(gold) | set(predicted))
    f1s = []
    for label in labels:
        tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p == g == label)
        fp = sum(1 for p, g in zip(predicted, gold, strict=True) if p == label != g)
        fn = sum(1 for p, g in zip(predicted, gold, strict=True) if g == label != p)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return {
        "test": len(rows),
        "in_scope_accuracy": round(sum(p == g for p, g in in_scope) / len(in_scope), 4) if in_scope else None,
        "oos_recall": round(sum(p == OOS for p, _ in oos) / len(oos), 4) if oos else None,
        "accuracy": round(sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(rows), 4)
        if rows
        else None,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "ms_per_request": round(per_request_ms, 2),
    }
