"""Routing benchmark: training time for 150 categories × 100 examples and for a 10 × 10 desk, routing
latency per ticket (p50 / p95, and how much of it is the encoder), memory.

Run: `make bench-route` (this, then the HINT3 cross-validation), or one desk size:
`.venv/bin/python -m tests.bench.route --desk 10x10`. Examples are synthetic support requests (sample
help-centre vocabulary with a few category-specific words), so it runs from a clean checkout.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from bot.routing.router import CategoryRouter, RouterParams
from knowledge.embedding import get_engine
from tests.bench.common import report
from tests.bench.kb import vocabulary


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def desk(categories: int, per: int) -> None:
    rng = random.Random(5)
    words = vocabulary()
    examples: dict[str, list[str]] = {}
    for c in range(categories):
        own = rng.sample(words, 6)
        examples[f"cat{c:03d}"] = [
            " ".join(rng.sample(own, 3) + rng.sample(words, rng.randint(4, 10))) for _ in range(per)
        ]
    embedder = get_engine()
    embedder.embed(["warm up"])
    rss_before = _rss_mb()
    started = time.perf_counter()
    router = CategoryRouter.train(examples, embedder=embedder, params=RouterParams())
    train_s = time.perf_counter() - started
    tickets = [" ".join(rng.sample(words, rng.randint(6, 20))) for _ in range(300)]
    latencies, encodes = [], []
    for text in tickets:
        started = time.perf_counter()
        embedder.embed([text + " (bare)"])  # the encoder alone, on a text it has not seen
        encodes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        router.route(text)
        latencies.append((time.perf_counter() - started) * 1000)
    report(
        f"route_train_and_latency_{categories}x{per}",
        "make bench-route",
        {
            "categories": categories,
            "examples": categories * per,
            "train_s": round(train_s, 1),
            "threshold": round(router.threshold, 3),
            "cross_language_threshold": round(router.cross_threshold, 3),
            "route_p50_ms": round(statistics.median(latencies), 2),
            "route_p95_ms": _p(latencies, 0.95),
            "encode_p50_ms": round(statistics.median(encodes), 2),
            "encode_p95_ms": _p(encodes, 0.95),
            "requests": len(tickets),
            "rss_mb": round(_rss_mb(), 1),
            "rss_router_mb": round(_rss_mb() - rss_before, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--desk", action="append", help="CATEGORIESxEXAMPLES (default: 10x10 and 150x100)")
    sizes = parser.parse_args().desk or ["10x10", "150x100"]
    for size in sizes:
        categories, per = (int(n) for n in size.lower().split("x"))
        desk(categories, per)


if __name__ == "__main__":
    main()
