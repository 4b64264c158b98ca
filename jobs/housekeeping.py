"""Housekeeping: forget Slack event ids once Slack can no longer resend them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, delete, func, select

from bot.db import Database
from bot.models import ProcessedEvent

KEEP_EVENTS = timedelta(days=2)  # Slack retries an event for about an hour; duplicates come sooner


def prune_events(db: Database, *, now: datetime, dry_run: bool = False) -> int:
    """Delete handled events older than KEEP_EVENTS (unfinished ones stay for recovery); how many."""
    old = col(ProcessedEvent.done_at) < now - KEEP_EVENTS  # unfinished events (NULL) never match
    with db.transaction() as s:
        if dry_run:
            return int(s.exec(select(func.count()).select_from(ProcessedEvent).where(old)).one())
        return int(s.exec(delete(ProcessedEvent).where(old)).rowcount or 0)  # type: ignore[call-overload]
