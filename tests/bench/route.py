"""Routing benchmark: training time for 150 categories × 100 examples, routing latency per ticket.

Run: `make bench-route` (this, then the HINT3 cross-validation). Examples are synthetic support requests
(sample help-centre vocabulary with a few category-specific words), so it runs from a clean checkout.
"""

from __future__ import annotations

import random
import statistics
import time

from bot.routing.router import CategoryRouter, RouterParams
from knowledge.embedding import get_engine
from tests.bench.common import report
from tests.bench.kb import vocabulary


def main() -> None:
    rng = random.Random(5)
    words = vocabulary()
    examples: dict[str, list[str]] = {}
    for c in range(150):
        own = rng.sample(words, 6)
        examples[f"cat{c:03d}"] = [
            " ".join(rng.sample(own, 3) + rng.sample(words, rng.randint(4, 10))) for _ in range(100)
        ]
    embedder = get_engine()
    embedder.embed(["warm up"])
    started = time.perf_counter()
    router = CategoryRouter.train(examples, embedder=embedder, params=RouterParams())
    train_s = time.perf_counter() - started
    tickets = [" ".join(rng.sample(words, rng.randint(6, 20))) for _ in range(300)]
    latencies = []
    for text in tickets:
        started = time.perf_counter()
        router.route(text)
        latencies.append((time.perf_counter() - started) * 1000)
    ordered = sorted(latencies)
    report(
        "route_train_and_latency",
        "make bench-route",
        {
            "categories": 150,
            "examples": 15000,
            "train_s": round(train_s, 1),
            "route_p50_ms": round(statistics.median(latencies), 2),
            "route_p95_ms": round(ordered[int(0.95 * len(ordered))], 2),
            "requests": len(tickets),
        },
    )


if __name__ == "__main__":
    main()
