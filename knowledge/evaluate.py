"""`deskbot eval kb`: the product's own ingestion, retrieval, audience filter and decision on a query file."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from knowledge.results import Answer


def read_jsonl(
    path: Path, required: tuple[str, ...], *, strings: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line; ValueError naming file:line when one is malformed,
    when it lacks a `required` key or when one of `strings` is not text (a number counts as its text:
    a label or an id of 3 is "3"). A byte-order mark is allowed (Windows editors write one)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{path}:{at}: not UTF-8 text (byte {raw[exc.start]:#04x}); save the file as UTF-8"
        ) from None
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            missing = [k for k in required if k not in row]
        except (json.JSONDecodeError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a JSON object ({exc})") from None
        if not isinstance(row, dict) or missing:
            raise ValueError(
                f"{path}:{n}: each line needs a JSON object with {', '.join(repr(k) for k in required)}"
            )
        for key in strings:
            value = row[key]
            finite = not isinstance(value, float) or math.isfinite(value)  # JSON's NaN and Infinity
            if isinstance(value, bool) or not isinstance(value, str | int | float) or not finite:
                raise ValueError(f"{path}:{n}: {key!r} must be text, not {json.dumps(value)}")
            row[key] = str(value)
        rows.append((n, row))
    if not rows:
        raise ValueError(f"{path}: no rows (one JSON object per line)")
    return rows


def read_queries(path: Path) -> list[dict[str, Any]]:
    """The queries of an evaluation file; `expected` is a document id (a number is its text) or null."""
    rows = []
    for n, row in read_jsonl(path, ("text",), strings=("text",)):
        expected = row.get("expected")
        odd = isinstance(expected, float) and not math.isfinite(expected)
        if odd or isinstance(expected, bool) or not isinstance(expected, str | int | float | type(None)):
            raise ValueError(
                f"{path}:{n}: 'expected' must be a document id or null, not {json.dumps(expected)}"
            )
        rows.append(
            {
                "id": str(row.get("id", n)),
                "text": row["text"],
                "expected": None if expected is None or expected == "" else str(expected),
            }
        )
    return rows


def metrics(rows: Iterable[tuple[dict[str, Any], Answer]]) -> dict[str, Any]:
    """The metrics of the evaluation contract."""
    rows = list(rows)
    answerable = [(q, a) for q, a in rows if q["expected"]]
    unanswerable = [(q, a) for q, a in rows if not q["expected"]]
    given = [(q, a) for q, a in rows if a.grounded]

    def cites(q: dict[str, Any], a: Answer) -> bool:
        return a.grounded and bool(a.sources) and a.sources[0].doc_id == q["expected"]

    def rank(q: dict[str, Any], a: Answer) -> int | None:
        return a.ranking.index(q["expected"]) + 1 if q["expected"] in a.ranking else None

    ranks = [rank(q, a) for q, a in answerable]
    times = sorted(a.elapsed_ms for _, a in rows)

    def share(count: float, total: int) -> float | None:  # undefined over nothing: null, never 0
        return round(count / total, 4) if total else None

    n_ans = len(answerable)
    return {
        "queries": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit_at_1": share(sum(1 for r in ranks if r == 1), n_ans),
        "hit_at_3": share(sum(1 for r in ranks if r and r <= 3), n_ans),
        "mrr_at_10": share(sum(1 / r for r in ranks if r and r <= 10), n_ans),
        "answered_precision": share(sum(1 for q, a in given if cites(q, a)), len(given)),
        "answerable_coverage": share(sum(1 for q, a in answerable if cites(q, a)), n_ans),
        "unanswerable_abstain": (
            round(sum(1 for _, a in unanswerable if not a.grounded) / len(unanswerable), 4)
            if unanswerable
            else None
        ),
        "p50_ms": round(statistics.median(times), 2) if times else None,
        # nearest rank: the smallest time at or above 95% of the queries' (int(0.95 n) was one rank high)
        "p95_ms": round(times[math.ceil(0.95 * len(times)) - 1], 2) if times else None,
    }


def evaluate(
    answer: Callable[[str], Answer],
    rows: list[dict[str, Any]],
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[dict[str, Any], list[tuple[dict[str, Any], Answer]]]:
    """Answer every query (after one warm-up question, so the model and BM25 are loaded) and score."""
    answer("How do I warm up the knowledge base before measuring?")  # loads model, BM25, language detector
    answered = []
    for i, q in enumerate(rows):
        answered.append((q, answer(q["text"])))
        if progress:
            progress(i + 1, len(rows), "")
    return metrics(answered), answered


def calibrate(answered: list[tuple[dict[str, Any], Answer]]) -> dict[str, Any]:
    """Platt scaling: fit P(top document is right | evidence) = σ(slope·evidence + intercept).

    Fitted by Newton's method on every query (answerable and not: an unanswerable question's top
    document is never right). Also returns the precision/coverage curve over thresholds, which is
    how the shipped threshold was chosen.
    """
    import numpy as np

    x = np.array([a.evidence for _, a in answered])
    y = np.array([1.0 if q["expected"] and a.ranking[:1] == [q["expected"]] else 0.0 for q, a in answered])
    w = np.zeros(2)
    design = np.column_stack([x, np.ones_like(x)])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(design @ w)))
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, design.T @ (y - p))
        w += step
        if np.abs(step).max() < 1e-9:
            break
    prob = 1 / (1 + np.exp(-(design @ w)))
    answerable = sum(1 for q, _ in answered if q["expected"])
    curve = []
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        chosen = prob >= t
        right = float((y * chosen).sum())
        curve.append(
            {
                "threshold": t,
                "answered_precision": round(right / chosen.sum(), 4) if chosen.any() else None,
                "answerable_coverage": round(right / answerable, 4) if answerable else None,
            }
        )
    return {"slope": round(float(w[0]), 3), "intercept": round(float(w[1]), 3), "curve": curve}
