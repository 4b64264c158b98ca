"""Similar and duplicate tickets, for the triage card (staff only: a requester never sees another
person's ticket). A new ticket's words find earlier tickets sharing them; the resolved ones come with
how they were solved, an open one sharing most of its words is a likely duplicate to merge.

PostgreSQL answers from its full-text index (`ix_ticket_text`, a GIN index over the title and
description, migration 0009), so a lookup costs a few index probes at a million tickets (see
BENCHMARKS.md, `make bench-similar`). SQLite, for small desks, scores its most recent tickets.
Candidates from either are scored the same way: the share of words two tickets have in common."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, select

from bot.cards import AUTOMATION
from bot.models import ACTIVE_STATUSES, TEXT_CONFIG, TICKET_TEXT_SQL, Note, Status, Ticket, TicketEvent
from knowledge.lexical import words

MAX_TERMS = 12  # the new ticket's most telling words that are looked up
CANDIDATES = 20  # fetched per kind, then scored
SQLITE_WINDOW = 5000  # the most recent tickets SQLite scores
RELATED_AT = 0.25  # word overlap from which a resolved ticket is worth showing
DUPLICATE_AT = 0.5  # word overlap from which an open ticket looks like the same problem
DONE = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class Match:
    number: int
    title: str
    status: Status
    score: float  # word overlap in [0, 1]
    solved_by: str = ""  # how it was solved: the resolution note, else the team's last public reply


@dataclass(frozen=True)
class Similar:
    resolved: list[Match]
    duplicates: list[Match]


def terms(text_: str) -> list[str]:
    """The words a ticket is looked up by: no stop words, light stems, longest (most telling) first."""
    seen = dict.fromkeys(w for w in words(text_) if len(w) >= 3 and w.isalnum())
    return sorted(seen, key=len, reverse=True)[:MAX_TERMS]


def overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Cosine of two word sets: 1 when they share every word, 0 when none."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / math.sqrt(len(sa) * len(sb)) if sa and sb else 0.0


def find(session: Session, ticket: Ticket, *, resolved: int = 3, duplicates: int = 2) -> Similar:
    """The resolved tickets most like `ticket` (with how they were solved) and the open ones that look
    like the same problem, best first."""
    wanted = terms(f"{ticket.title} {ticket.description}")
    if not wanted:
        return Similar([], [])
    done = _scored(session, ticket, wanted, col(Ticket.status).in_(DONE), RELATED_AT)[:resolved]
    open_ = _scored(session, ticket, wanted, col(Ticket.status).in_(ACTIVE_STATUSES), DUPLICATE_AT)
    solved = _solutions(session, [m.number for m in done])
    return Similar(
        [Match(m.number, m.title, m.status, m.score, solved.get(m.number, "")) for m in done],
        open_[:duplicates],
    )


def _scored(session: Session, ticket: Ticket, wanted: list[str], where: object, floor: float) -> list[Match]:
    statement = select(Ticket.number, Ticket.title, Ticket.description, Ticket.status).where(
        where, Ticket.number != ticket.number, col(Ticket.merged_into).is_(None)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = func.to_tsquery(TEXT_CONFIG, " | ".join(f"{w}:*" for w in wanted))
        document = literal_column(TICKET_TEXT_SQL)
        statement = (
            statement.where(document.op("@@")(query))
            .order_by(func.ts_rank(document, query).desc())
            .limit(CANDIDATES)
        )
    else:
        statement = statement.order_by(col(Ticket.number).desc()).limit(SQLITE_WINDOW)
    found = [
        Match(number, title, Status(status), round(overlap(wanted, terms(f"{title} {description}")), 3))
        for number, title, description, status in session.exec(statement)
    ]
    return sorted((m for m in found if m.score >= floor), key=lambda m: (-m.score, -m.number))


def _solutions(session: Session, numbers: list[int]) -> dict[int, str]:
    """How each ticket was solved: the note its resolver gave, else the team's last public reply
    (Deskbot's and the requester's own words do not say how)."""
    if not numbers:
        return {}
    requesters = dict(
        session.exec(select(Ticket.number, Ticket.requester).where(col(Ticket.number).in_(numbers))).all()
    )
    replies: dict[int, str] = {}
    for number, author, body in session.exec(
        select(Note.ticket_number, Note.author, Note.body)
        .where(col(Note.ticket_number).in_(numbers), col(Note.internal).is_(False))
        .order_by(col(Note.id))
    ):
        if author != requesters.get(number):
            replies[number] = body  # the last one stays
    notes: dict[int, str] = {}
    for number, actor, reason in session.exec(
        select(TicketEvent.ticket_number, TicketEvent.actor, TicketEvent.reason)
        .where(col(TicketEvent.ticket_number).in_(numbers), TicketEvent.action == "resolve")
        .order_by(col(TicketEvent.id))
    ):
        if reason and actor not in (AUTOMATION, requesters.get(number)):
            notes[number] = reason
    return {n: notes.get(n) or replies.get(n, "") for n in numbers}
