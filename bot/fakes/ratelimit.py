"""Slack's rate limits, as the fake Web API enforces them when a test switches them on.

Slack evaluates calls per method and workspace in per-minute tiers (Tier 1: 1+, Tier 2: 20+, Tier 3: 50+,
Tier 4: 100+ per minute, bursts tolerated), and chat.postMessage at about one message per second per
channel; over the limit it answers HTTP 429 `{"ok": false, "error": "ratelimited"}` with a `Retry-After`
header in whole seconds. Each method's tier is in the specification table (`bot.fakes.spec`). Here each
limit is a token bucket: its size is the burst Slack tolerates, it refills at the documented rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from bot.fakes.spec import METHODS

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
POST_PER_SECOND = 1.0  # chat.postMessage, per channel
POST_BURST = 3  # "short bursts" of chat.postMessage into one channel pass


class RateLimits:
    """Off until `on()`; `retry_after(method, args)` is None when the call passes (and counts it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self._clock = clock
        self._per_minute = dict(PER_MINUTE)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def on(self, per_minute: Mapping[int, int] | None = None) -> None:
        """Enforce the tiers (`per_minute` overrides a tier's quota, e.g. {3: 2} for a short test)."""
        with self._lock:
            self.enabled = True
            self._per_minute = {**PER_MINUTE, **(per_minute or {})}
            self._buckets.clear()

    def off(self) -> None:
        with self._lock:
            self.enabled = False

    def retry_after(self, method: str, args: Mapping[str, Any]) -> int | None:
        tier = METHODS.get(method, {}).get("tier")
        if not self.enabled or tier is None:
            return None
        if tier == "special":  # chat.postMessage: per channel
            key, size, rate = (method, str(args.get("channel"))), POST_BURST, POST_PER_SECOND
        else:
            quota = self._per_minute[int(tier)]
            key, size, rate = (method, ""), quota, quota / 60
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (float(size), now))
            tokens = min(float(size), tokens + (now - at) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / rate))
