"""Similar and duplicate tickets, for the triage card (staff only: a requester never sees another
person's ticket), from the ticket's own team: the card lives in its team's triage channel, and another
team's tickets are not there for its agents (the team scope, bot/access.py). A new ticket's words find
earlier tickets sharing them; the resolved ones come with how they were solved, an open one sharing
most of its words is a likely duplicate to merge.

PostgreSQL answers from its full-text index (`ix_ticket_text`, a GIN index over the title and
description, migration 0009), so a lookup costs a few index probes at a million tickets (see
BENCHMARKS.md, `make bench-similar`). SQLite, for small desks, scores its most recent tickets.
Candidates from either are scored the same way: the share of words two tickets have in common."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from sqlalchemy import func, literal_column, text
from sqlmodel import Session, col, select

from bot.cards import AUTOMATION
from bot.models import ACTIVE_STATUSES, TEXT_CONFIG, TICKET_TEXT_SQL, Note, Status, Ticket, TicketEvent
from knowledge.terms import words

LOOKUP_TERMS = 6  # the new ticket's rarest words looked up (15 pairs; 8 doubled p95 at 1M: BENCHMARKS.md)
COMMON = 0.01  # a word in more than 1% of tickets says little: it is left out of the lookup
CANDIDATES = 100  # the newest tickets sharing two of those words, then scored
SQLITE_WINDOW = 5000  # the most recent tickets SQLite scores
RELATED_AT = 0.25  # word overlap from which a resolved ticket is worth showing
DUPLICATE_AT = 0.5  # word overlap from which an open ticket looks like the same problem
DONE = (Status.RESOLVED, Status.CLOSED)
STATS_TTL = 600.0  # seconds the word frequencies PostgreSQL gathered are kept
_WORD = re.compile(r"[^\W_]{3,}")
_stats: dict[str, tuple[float, dict[str, float]]] = {}


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


def terms(text_: str) -> set[str]:
    """A ticket's words for comparing: no stop words, light stems."""
    return {w for w in words(text_) if len(w) >= 3}


def overlap(a: set[str], b: set[str]) -> float:
    """Cosine of two word sets: 1 when they share every word, 0 when none."""
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def find(session: Session, ticket: Ticket, *, resolved: int = 3, duplicates: int = 2) -> Similar:
    """The resolved tickets most like `ticket` (with how they were solved) and the open ones that look
    like the same problem, best first."""
    text_ = f"{ticket.title} {ticket.description}"
    wanted = terms(text_)
    if not wanted:
        return Similar([], [])
    found = [
        Match(number, title, Status(status), round(overlap(wanted, terms(f"{title} {description}")), 3))
        for number, title, description, status in _candidates(session, ticket, text_, wanted)
    ]
    found.sort(key=lambda m: (-m.score, -m.number))
    done = [m for m in found if m.status in DONE and m.score >= RELATED_AT][:resolved]
    same = [m for m in found if m.status in ACTIVE_STATUSES and m.score >= DUPLICATE_AT][:duplicates]
    solved = _solutions(session, [m.number for m in done])
    return Similar([replace(m, solved_by=solved.get(m.number, "")) for m in done], same)


def _candidates(session: Session, ticket: Ticket, text_: str, wanted: set[str]) -> Sequence[Any]:
    """Tickets worth scoring: on PostgreSQL the newest sharing two of the new ticket's rarer words
    (from the full-text index), on SQLite the most recent ones."""
    statement = select(Ticket.number, Ticket.title, Ticket.description, Ticket.status).where(
        Ticket.number != ticket.number,
        col(Ticket.merged_into).is_(None),
        Ticket.team == ticket.team,  # the card is the team's: another team's tickets are not there for it
    )
    if session.get_bind().dialect.name != "postgresql":
        return session.exec(statement.order_by(col(Ticket.number).desc()).limit(SQLITE_WINDOW)).all()
    share = _frequencies(session)
    looked = {w for w in _WORD.findall(text_.lower()) if terms(w) & wanted} | wanted
    rare = sorted(
        (w for w in looked if _WORD.fullmatch(w) and share.get(w, 0.0) <= COMMON),
        key=lambda w: share.get(w, 0.0),
    )
    rare = rare[:LOOKUP_TERMS]
    if not rare:
        return []
    query = " | ".join(f"{a} & {b}" for a, b in combinations(rare, 2)) if len(rare) > 1 else rare[0]
    document = literal_column(TICKET_TEXT_SQL)
    matching = document.op("@@")(func.to_tsquery(TEXT_CONFIG, query))
    return session.exec(statement.where(matching).order_by(col(Ticket.number).desc()).limit(CANDIDATES)).all()


def _frequencies(session: Session) -> dict[str, float]:
    """The share of tickets each common word is in, from the statistics PostgreSQL keeps on the
    full-text index (ANALYZE): the desk's own stop words. Kept for STATS_TTL seconds."""
    key = str(session.get_bind().engine.url)
    cached = _stats.get(key)
    if cached is not None and time.monotonic() - cached[0] < STATS_TTL:
        return cached[1]
    row = session.exec(
        text(
            "SELECT most_common_elems::text, most_common_elem_freqs FROM pg_stats WHERE tablename = 'ix_ticket_text'"
        )
    ).first()
    share: dict[str, float] = {}
    if row is not None and row[0]:
        elems = [e.strip('"') for e in row[0].strip("{}").split(",")]
        share = dict(zip(elems, (float(f) for f in row[1]), strict=False))
    _stats[key] = (time.monotonic(), share)
    return share


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
