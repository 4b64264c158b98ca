"""Rebuild a ticket's state from its audit trail (the trail is complete when this equals the row)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.access import PARTICIPANT_ADDED
from bot.models import TicketEvent


def replay(events: Iterable[TicketEvent]) -> dict[str, Any]:
    """Apply each event's `after` values in order, starting from the creation snapshot."""
    state: dict[str, Any] = {}
    for event in events:
        if event.action == "create":
            state = dict(event.after)
        elif event.action == PARTICIPANT_ADDED:
            continue  # who follows the ticket, not a field of it
        else:
            state.update(event.after)
    return state
