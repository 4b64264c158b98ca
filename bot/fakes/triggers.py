"""Trigger ids, as Slack hands them out with each interaction and takes them back in views.open.

docs.slack.dev/reference/methods/views.open: a trigger is exchanged once (`exchanged_trigger_id` after
that), expires 3 seconds after the interaction (`expired_trigger_id`), and one Slack never issued, or of
the wrong form ("132456.7890123.abcdef"), is `invalid_trigger_id`.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable

TTL = 3.0
_FORM = re.compile(r"[0-9]+\.[0-9]+\.[0-9a-z]+")


class Triggers:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = TTL  # a test may shorten it to stand for a slow handler
        self._clock = clock
        self._issued: dict[str, float] = {}
        self._exchanged: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def issue(self) -> str:
        """A new trigger id, as in an interaction's payload (a slash command, a click, a shortcut)."""
        trigger = f"{next(self._ids)}.{int(time.time())}.{next(self._ids):06x}"
        with self._lock:
            self._issued[trigger] = self._clock()
        return trigger

    def exchange(self, trigger: str) -> str | None:
        """Use `trigger` to open a view: None when it may, else Slack's error."""
        with self._lock:
            issued = self._issued.get(trigger)
            if issued is None or not _FORM.fullmatch(trigger):
                return "invalid_trigger_id"
            if trigger in self._exchanged:
                return "exchanged_trigger_id"
            if self._clock() - issued > self.ttl:
                return "expired_trigger_id"
            self._exchanged.add(trigger)
            return None
