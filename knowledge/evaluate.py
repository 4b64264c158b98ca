"""`deskbot eval kb`: the product's own ingestion, retrieval, audience filter and decision on a query file."""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from knowledge.base import Answer, KnowledgeBase


def read_queries(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append({"id": row.get("id", str(n)), "text": row["text"], "expected": row.get("expected")})
        except (json.JSONDecodeError, KeyError) as exc:
            raise ValueError(f"{path}:{n}: each line needs a JSON object with 'text' ({exc})") from None
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
    n_ans = len(answerable) or 1
    return {
        "queries": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit_at_1": round(sum(1 for r in ranks if r == 1) / n_ans, 4),
        "hit_at_3": round(sum(1 for r in ranks if r and r <= 3) / n_ans, 4),
        "mrr_at_10": round(sum(1 / r for r in ranks if r and r <= 10) / n_ans, 4),
        "answered_precision": round(sum(1 for q, a in given if cites(q, a)) / len(given), 4)
        if given
        else None,
        "answerable_coverage": round(sum(1 for q, a in answerable if cites(q, a)) / n_ans, 4),
        "unanswerable_abstain": (
            round(sum(1 for _, a in unanswerable if not a.grounded) / len(unanswerable), 4)
            if unanswerable
            else None
        ),
        "p50_ms": round(statistics.median(times), 2) if times else None,
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2) if times else None,
    }


def evaluate_kb(
    kb_factory, docs: Path, queries: Path, audience: str = "customer"
) -> tuple[dict[str, Any], list]:  # type: ignore[no-untyped-def]
    """Build a fresh index of `docs` with the product's ingestion, answer every query, score."""
    rows = read_queries(queries)
    with tempfile.TemporaryDirectory(prefix="deskbot-eval-") as tmp:
        kb: KnowledgeBase = kb_factory(Path(tmp))
        kb.ingest([docs])
        kb.answer("warm up")  # load the model and BM25 before timing
        answered = [(q, kb.answer(q["text"], audience)) for q in rows]  # type: ignore[arg-type]
    return metrics(answered), answered
