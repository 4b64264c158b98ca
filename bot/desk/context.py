"""What every part of the desk shares: configuration, database, Slack client, clock, and the delivery
of what a ticket's changes queued (its card, the requester's messages) right after the change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from slack_sdk import WebClient

from bot.answers import AnswerService
from bot.cards import deliver_ticket, ticket_sender
from bot.config import SAMPLE_DIR
from bot.db import Database
from bot.models import Notification
from bot.routing.assign import EveryoneHere, Presence
from bot.routing.triage import Triager
from bot.support import SupportConfig
from bot.timeutil import Clock

log = logging.getLogger("deskbot.desk")


@dataclass
class DeskContext:
    config: SupportConfig
    db: Database
    client: WebClient
    answers: Callable[[], AnswerService]  # built on first use: the model loads once, not per request
    clock: Clock
    triager: Triager | None = None  # category, priority and team for new requests
    presence: Presence = field(default_factory=EveryoneHere)
    kb_sources: Path = SAMPLE_DIR / "kb"  # KB_SOURCES: where published article drafts are written

    def deliver(self, number: int) -> None:
        """Deliver what ticket `number`'s last changes queued, now (the outbox retries what fails)."""
        report = deliver_ticket(self.db, number=number, send=self._sender, now=self.clock())
        if report.retried or report.failed:
            log.warning(
                "ticket #%s: %s Slack update(s) to retry, %s failed", number, report.retried, report.failed
            )

    @cached_property
    def _sender(self) -> Callable[[Notification], None]:
        return ticket_sender(db=self.db, config=self.config, client=self.client, clock=self.clock)
