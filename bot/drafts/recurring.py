"""Drafts offered for questions that keep coming back: the knowledge base could not answer them, and
agents solved them in two or more tickets (one wording group of `kb gaps`). The knowledge owners are
offered a draft from the latest such ticket, once per group."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot import access
from bot.cards import AUTOMATION
from bot.drafts import service
from bot.drafts.write import Writer
from bot.models import ArticleDraft, KbQuery, Note, Ticket, TicketEvent
from bot.support import SupportConfig
from knowledge.gaps import group_key

AGAIN = 2  # solved this many times: worth an article
LOOK_BACK = timedelta(days=90)


def group_id(key: tuple[str, ...]) -> str:
    """A wording group's stored id (fits the column whatever the question's length)."""
    return "gap:" + hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:40]


def recurring(session: Session, *, config: SupportConfig, now: datetime) -> dict[tuple[str, ...], list[int]]:
    """Wording group → tickets (oldest first) that agents solved, for questions the KB could not answer."""
    rows = session.exec(
        select(KbQuery.question, KbQuery.ticket_number)
        .join(Ticket, col(Ticket.number) == col(KbQuery.ticket_number))
        .where(
            col(KbQuery.grounded).is_(False),
            col(KbQuery.unavailable).is_(False),  # an outage is no gap to write an article for
            col(KbQuery.created_at) >= now - LOOK_BACK,
            col(Ticket.status).in_(service.DRAFTABLE),
        )
        .order_by(col(KbQuery.created_at))
    ).all()
    solved = _solved_by_agents(session, config, {n for _, n in rows if n is not None})
    groups: dict[tuple[str, ...], list[int]] = {}
    for question, number in rows:
        if number in solved and number not in groups.setdefault(group_key(question), []):
            groups[group_key(question)].append(number)
    return {key: numbers for key, numbers in groups.items() if len(numbers) >= AGAIN}


def suggest(
    session: Session,
    *,
    config: SupportConfig,
    now: datetime,
    writer: Writer | None = None,
    names: Callable[[str], Iterable[str]] = lambda user: (),
    dry_run: bool = False,
) -> list[tuple[int, int]]:
    """Offer a draft for each recurring question not offered yet: (ticket, times solved) for each."""
    offered: list[tuple[int, int]] = []
    drafted = set(session.exec(select(ArticleDraft.ticket_number)).all())
    known = set(
        session.exec(select(ArticleDraft.group_key).where(col(ArticleDraft.group_key).is_not(None))).all()
    )
    for key, numbers in recurring(session, config=config, now=now).items():
        if group_id(key) in known or drafted & set(numbers):
            continue  # offered already, or someone drafted from one of its tickets
        latest = numbers[-1]
        offered.append((latest, len(numbers)))
        if not dry_run:
            people = service.customer_side(session, number=latest)
            service.draft_from_ticket(
                session,
                number=latest,
                actor=AUTOMATION,
                config=config,
                now=now,
                writer=writer,
                names=[name for user in people for name in names(user)],
                group_key=group_id(key),
                why=f"asked and solved {len(numbers)} times",
            )
    return offered


def _solved_by_agents(session: Session, config: SupportConfig, numbers: set[int]) -> set[int]:
    """The tickets among `numbers` that support staff resolved and answered in public."""
    if not numbers:
        return set()
    resolved = {
        n
        for n, actor in session.exec(
            select(TicketEvent.ticket_number, TicketEvent.actor).where(
                col(TicketEvent.ticket_number).in_(numbers), TicketEvent.action == "resolve"
            )
        ).all()
        if actor != AUTOMATION and access.is_staff(config, actor)
    }
    answered = {
        n
        for n, author in session.exec(
            select(Note.ticket_number, Note.author).where(
                col(Note.ticket_number).in_(resolved), col(Note.internal).is_(False)
            )
        ).all()
        if access.is_staff(config, author)
    }
    return resolved & answered
