"""How well each candidate signal for "similar tickets" finds a request about the same problem: on a
labelled set of customer requests (banking77's development split: 77 intents), each request of the
test file is a new ticket, the training file the earlier tickets, and a hit is when the most similar
earlier ticket has the same intent. Compares the word overlap the product scores with (after the
full-text index found the candidates) with the shared embedding engine's cosine (knowledge/embedding.py).

Run: `.venv/bin/python -m tests.bench.similar_quality ../shared/data/route/banking77`
(the data is not part of the product; figures in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bot.tickets.similar import overlap, terms
from knowledge.embedding import get_engine
from tests.bench.common import report

COMMAND = ".venv/bin/python -m tests.bench.similar_quality ../shared/data/route/banking77"


def _read(path: Path) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    earlier, earlier_labels = _read(args.folder / "train.jsonl")
    new, new_labels = _read(args.folder / "dev.jsonl")

    started = time.perf_counter()
    earlier_terms = [terms(t) for t in earlier]
    hits = 0
    for text, label in zip(new, new_labels, strict=True):
        wanted = terms(text)
        best = max(range(len(earlier)), key=lambda i: overlap(wanted, earlier_terms[i]))
        hits += earlier_labels[best] == label
    words_s = time.perf_counter() - started

    engine = get_engine()
    started = time.perf_counter()
    a, b = engine.embed(earlier), engine.embed(new)  # ticket to ticket: symmetric
    nearest = np.argmax(b @ a.T, axis=1)
    embed_hits = sum(earlier_labels[i] == label for i, label in zip(nearest, new_labels, strict=True))
    embed_s = time.perf_counter() - started
    report(
        "similar_tickets_quality_banking77_dev",
        COMMAND,
        {
            "new_tickets": len(new),
            "earlier_tickets": len(earlier),
            "word_overlap_hit_at_1": round(hits / len(new), 3),
            "embedding_hit_at_1": round(embed_hits / len(new), 3),
            "engine": type(engine).__name__,
            "embedding_s_for_all": round(embed_s, 1),
            "word_overlap_s_for_all": round(words_s, 1),
        },
    )


if __name__ == "__main__":
    main()
