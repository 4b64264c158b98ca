"""The conversation around a ticket: notes and public replies, the requester's rating, the people who
follow it, and where its messages live in Slack. Audited changes go through the service's `_mutate`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot import access
from bot.errors import InvalidInput, PermissionDenied
from bot.models import Note, Ticket, TicketEvent
from bot.support.models import SupportConfig
from bot.tickets.clocks import events_of
from bot.tickets.service import _mutate, get


def add_note(
    session: Session,
    *,
    number: int,
    author: str,
    body: str,
    internal: bool,
    config: SupportConfig,
    now: datetime,
) -> Note:
    """Add an internal note or a public reply; the first public reply by support staff (never the
    requester or someone speaking for them) stamps the first response."""
    body = body.strip()
    if not body:
        raise InvalidInput("The note is empty: write something to add.")
    note_box: list[Note] = []

    def change(ticket: Ticket) -> dict[str, Any]:
        assert ticket.number is not None
        note = Note(ticket_number=ticket.number, author=author, body=body, internal=internal, created_at=now)
        session.add(note)
        note_box.append(note)
        stamp = (
            not internal
            and ticket.first_response_at is None
            and author != ticket.requester
            and access.is_staff(config, author)
        )
        return {"first_response_at": now} if stamp else {"notes": "+1"}

    _mutate(
        session,
        "note" if internal else "reply",
        change,
        number=number,
        actor=author,
        config=config,
        now=now,
        reason="internal note" if internal else "public reply",
    )
    session.flush()
    return note_box[0]


def rate(
    session: Session, *, number: int, score: int, actor: str, config: SupportConfig, now: datetime
) -> Ticket:
    """Record the requester's satisfaction (1–5) with a resolved ticket."""
    if not 1 <= int(score) <= 5:
        raise InvalidInput("Ratings go from 1 (poor) to 5 (excellent).")

    def change(ticket: Ticket) -> dict[str, Any]:
        if actor != ticket.requester:
            raise PermissionDenied(f"Only the requester of ticket #{number} can rate it.")
        return {"csat": int(score)}

    return _mutate(session, "rate", change, number=number, actor=actor, config=config, now=now)


def add_participant(
    session: Session, *, number: int, participant: str, actor: str, config: SupportConfig, now: datetime
) -> Ticket:
    """Let `participant` follow the ticket and speak as its requester (added by the requester or staff)."""
    ticket = get(session, number=number, lock=True)
    if actor != ticket.requester and not access.is_staff(config, actor):
        raise PermissionDenied(f"Only the requester of ticket #{number} or the support team can add people.")
    if participant in access.participants(events_of(session, number)) or participant == ticket.requester:
        return ticket
    session.add(
        TicketEvent(
            ticket_number=number,
            actor=actor,
            action=access.PARTICIPANT_ADDED,
            after={"participant": participant},
            at=now,
            reason="added to the ticket",
        )
    )
    session.flush()
    return ticket


def link_messages(
    session: Session,
    *,
    number: int,
    triage: tuple[str, str] | None = None,
    requester_thread: tuple[str, str] | None = None,
) -> Ticket:
    """Remember where the ticket's card and the requester's thread live in Slack (not an audited change)."""
    ticket = get(session, number=number, lock=True)
    if triage is not None:
        ticket.triage_channel, ticket.triage_ts = triage
    if requester_thread is not None:
        ticket.channel, ticket.thread_ts = requester_thread
    session.add(ticket)
    session.flush()
    return ticket
