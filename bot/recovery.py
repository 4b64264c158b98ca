"""Events a process took and acknowledged but died before handling are redone by another process.

Slack does not resend an event once it has been acknowledged, so the dedupe middleware keeps the body
of each question or reaction it takes (`processed_event.body`) until the listener that handles it
has finished (`done_at`). Every `deskbot run` process renews, now and then, the lease of the events it
is working on, and looks for events whose lease is older than `RECOVER_EVENTS_AFTER` seconds and still
not done — their process must have died — claims them (so only one process redoes each) and
dispatches them into its own bolt app again.
After three attempts an event is given up and logged.

Delivery is at least once for the crash case: a process that died in the instant between posting
its answer and marking the event done gets the answer posted twice. Losing it was the alternative.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App, BoltRequest
from sqlmodel import col, select, update

from bot.db import Database
from bot.models import ProcessedEvent
from bot.timeutil import Clock

log = logging.getLogger("deskbot.recovery")

RECOVERABLE = frozenset({"message", "app_mention", "reaction_added"})  # work a person waits for
REDO_KEY = "x_deskbot_redo"  # marks a body dispatched again by recovery (never sent by Slack)
MAX_ATTEMPTS = 3
CURRENT_EVENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_event", default=None)


def mark_done(db: Database, event_id: str, now: datetime) -> None:
    """The event's work is finished (answered, or failed and told): forget its body."""
    with db.transaction() as s:
        s.exec(
            update(ProcessedEvent)
            .where(col(ProcessedEvent.event_id) == event_id, col(ProcessedEvent.done_at).is_(None))
            .values(done_at=now, body=None)
        )


class Leases:
    """The events this process is working on. The listener executor tells it when a listener starts
    and ends; the recovery loop renews their leases, so a slow Slack never makes another process
    think this one died."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def taken(self, context: contextvars.Context) -> None:
        event_id = context.get(CURRENT_EVENT)
        if event_id:
            with self._lock:
                self._held.add(event_id)

    def finished(self, context: contextvars.Context) -> None:
        event_id = context.get(CURRENT_EVENT)
        if event_id:
            mark_done(self.db, event_id, self.clock())
            with self._lock:
                self._held.discard(event_id)

    def renew(self, now: datetime) -> None:
        with self._lock:
            held = list(self._held)
        if held:
            with self.db.transaction() as s:
                s.exec(
                    update(ProcessedEvent)
                    .where(col(ProcessedEvent.event_id).in_(held), col(ProcessedEvent.done_at).is_(None))
                    .values(received_at=now)
                )


def claim_stale(db: Database, *, now: datetime, after: timedelta, limit: int = 20) -> list[dict[str, Any]]:
    """Bodies of events taken over `after` ago and not done, leased to the caller (one process each)."""
    with db.transaction() as s:
        rows = s.exec(
            select(ProcessedEvent)
            .where(col(ProcessedEvent.done_at).is_(None), col(ProcessedEvent.received_at) < now - after)
            .order_by(col(ProcessedEvent.received_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        bodies = []
        for row in rows:
            if row.attempts >= MAX_ATTEMPTS or not row.body:
                log.error("event %s not handled after %d attempts; giving up", row.event_id, row.attempts)
                row.done_at = now
            else:
                row.attempts += 1
                row.received_at = now  # the lease: nobody else takes it for another `after`
                bodies.append(dict(row.body))
            s.add(row)
        return bodies


def redo(app: App, body: dict[str, Any]) -> None:
    """Dispatch a stored event into this process's app, as if Slack had sent it (already verified)."""
    app.dispatch(BoltRequest(body={**body, REDO_KEY: body.get("event_id")}, mode="socket_mode"))


def recover_once(
    app: App, db: Database, *, now: datetime, after: timedelta, leases: Leases | None = None
) -> int:
    """Renew this process's leases, then redo the events whose process died; how many were redone."""
    if leases is not None:
        leases.renew(now)
    bodies = claim_stale(db, now=now, after=after)
    for body in bodies:
        log.warning("redoing event %s: the process that took it did not finish it", body.get("event_id"))
        redo(app, body)
    return len(bodies)


def serve(
    app: App, db: Database, *, leases: Leases, clock: Clock, after: timedelta, stop: threading.Event
) -> None:
    """Every `after`/3 (at most every 20 s) until `stop` is set: renew this process's leases and redo
    abandoned events."""
    every = min(20.0, max(after.total_seconds() / 3, 0.2))
    while not stop.wait(every):
        try:
            recover_once(app, db, now=clock(), after=after, leases=leases)
        except Exception:  # noqa: BLE001 - a database hiccup must not end recovery for good
            log.exception("event recovery failed; trying again")
