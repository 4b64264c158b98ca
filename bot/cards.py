"""The ticket card is a projection of the ticket. Every change, from any surface (Slack, jobs, the CLI,
the demo), ends in `after_change`, called by the ticket service inside the changing transaction: it
queues the card refresh (keyed by ticket and version) and the messages the change implies, in the
outbox. The outbox delivers them once, whichever process does it; `CardPublisher` renders the card
from the ticket as it is when sent, so a late or retried refresh never shows an older state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlmodel import Session, col, select

from bot import blocks
from bot.blocks.similar import merged_away, merged_in, original_resolved
from bot.db import Database
from bot.i18n import requester_language
from bot.models import ACTIVE_STATUSES, Notification, Ticket
from bot.outbox import DeliveryReport, deliver, enqueue
from bot.support import SupportConfig

CARD = "card"
AUTOMATION = "deskbot"  # the actor of Deskbot's own changes (auto-assign, auto-resolve)


def ticket_keys(number: int) -> str:
    """The prefix of every outbox key a ticket's changes produce."""
    return f"ticket:{number}:"


def after_change(
    session: Session, *, ticket: Ticket, action: str, actor: str, config: SupportConfig, now: datetime
) -> None:
    """Queue the card refresh for this version of the ticket and the messages the change implies."""
    number, version = ticket.number, ticket.version
    assert number is not None
    key = f"{ticket_keys(number)}v{version}"
    channel = ticket.triage_channel or config.team(ticket.team).triage_channel
    enqueue(
        session,
        key=f"{key}:card",
        channel=channel,
        payload={"number": number, "version": version},
        kind=CARD,
        now=now,
    )
    if action == "resolve":
        _tell_merged(session, ticket, key=key, now=now)
    if not ticket.channel:
        return
    said = _implied(ticket, action=action, actor=actor)
    if said is not None:
        enqueue(
            session,
            key=f"{key}:{action}",
            channel=ticket.channel,
            thread_ts=ticket.thread_ts,
            payload=said,
            now=now,
        )


# What the requester is told about a change, by the service's action name (the keys of
# bot/tickets/states.py ALLOWED; tests/unit/test_implied_messages.py checks every key is one)
TOLD: dict[str, Callable[[Ticket], dict[str, Any]]] = {
    "wait_on_customer": blocks.waiting_on_you,
    "merge": merged_away,
    "merge_in": merged_in,
}


def _implied(ticket: Ticket, *, action: str, actor: str) -> dict[str, Any] | None:
    """What the requester is told about a change: the CSAT prompt when staff resolve, a nudge on wait."""
    if action == "resolve":
        staff = actor not in (ticket.requester, AUTOMATION)
        return blocks.csat_prompt(ticket, lang=requester_language(ticket)) if staff else None
    told = TOLD.get(action)
    return told(ticket) if told else None


def merged_into(session: Session, number: int) -> list[Ticket]:
    """The duplicates merged into ticket `number`."""
    return list(session.exec(select(Ticket).where(Ticket.merged_into == number).order_by(col(Ticket.number))))


def _tell_merged(session: Session, ticket: Ticket, *, key: str, now: datetime) -> None:
    """The original is resolved: the requesters of the duplicates merged into it hear it too."""
    assert ticket.number is not None
    for duplicate in merged_into(session, ticket.number):
        if duplicate.channel:
            enqueue(
                session,
                key=f"{key}:merged:{duplicate.number}",
                channel=duplicate.channel,
                thread_ts=duplicate.thread_ts,
                payload=original_resolved(duplicate),
                now=now,
            )


class CardPublisher:
    """Posts a ticket's card the first time and updates it in place after that, from current state."""

    def __init__(
        self, *, db: Database, config: SupportConfig, client: WebClient, clock: Callable[[], datetime]
    ) -> None:
        self.db, self.config, self.client, self.clock = db, config, client, clock

    def publish(self, note: Notification) -> None:
        from bot import tickets  # the service imports this module

        number, version = int(note.payload["number"]), int(note.payload["version"])
        with self.db.session() as s:
            ticket = tickets.get(s, number=number)
            if ticket.version > version:
                return  # a refresh for the newer version is queued; it shows this change too
            card = self._card(s, ticket)
        if self._updated(ticket, card):
            return
        with self.db.transaction() as s:  # the first post, under the ticket's lock: one card per ticket
            ticket = tickets.get(s, number=number, lock=True)
            card = self._card(s, ticket)
            if self._updated(ticket, card):
                return
            meta = {"event_type": "deskbot_card", "event_payload": {"key": f"card:{number}"}}
            posted = self.client.chat_postMessage(channel=note.channel, metadata=meta, **card)
            tickets.link_messages(s, number=number, triage=(posted["channel"], posted["ts"]))

    def _updated(self, ticket: Ticket, card: dict[str, Any]) -> bool:
        """Update the card in place if it was posted; False when it never was."""
        if not (ticket.triage_channel and ticket.triage_ts):
            return False
        self.client.chat_update(channel=ticket.triage_channel, ts=ticket.triage_ts, **card)
        return True

    def _card(self, s: Session, ticket: Ticket) -> dict[str, Any]:
        from bot import tickets
        from bot.tickets import similar

        assert ticket.number is not None
        report = tickets.report_for(self.config, ticket, tickets.events_of(s, ticket.number), self.clock())
        merged = [t.number for t in merged_into(s, ticket.number) if t.number is not None]
        alike = similar.find(s, ticket) if ticket.status in ACTIVE_STATUSES else None
        return blocks.ticket_card(ticket, report, similar=alike, merged=merged)


def ticket_sender(
    *, db: Database, config: SupportConfig, client: WebClient, clock: Callable[[], datetime]
) -> Callable[[Notification], None]:
    """The outbox's sender for everything Deskbot queues: messages, files and ticket cards."""
    from bot.send import slack_sender

    return slack_sender(client, cards=CardPublisher(db=db, config=config, client=client, clock=clock).publish)


def deliver_ticket(
    db: Database, *, number: int, send: Callable[[Notification], None], now: datetime
) -> DeliveryReport:
    """Deliver what a ticket's changes queued, now (an interactive surface shows the result at once)."""
    return deliver(db, send=send, now=now, key_prefix=ticket_keys(number))
