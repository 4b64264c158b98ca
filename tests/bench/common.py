"""Helpers for benchmark commands: timing, a JSON line per figure, and appending to BENCHMARKS.md."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, `repeat` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def report(name: str, command: str, figures: dict[str, object]) -> None:
    """Print one JSON line and append it to BENCHMARKS.md under the raw-results section."""
    line = {
        "bench": name,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": platform.node(),
        **figures,
    }
    text = json.dumps(line)
    print(text, flush=True)
    with (ROOT / "BENCHMARKS.md").open("a", encoding="utf-8") as fh:
        fh.write(f"- `{command}` → `{text}`\n")
