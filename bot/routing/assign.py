"""Who gets a ticket: manual claim (default), round robin, or least loaded with a cap — skipping agents
who are off shift (the team's working hours) or away in Slack, and re-offering tickets nobody
acknowledged in time. Every automatic decision is an audit event with its reason.

Concurrency: the choice and the assignment happen in one transaction holding a per-team lock
(PostgreSQL advisory lock; SQLite's BEGIN IMMEDIATE already serialises writers), so concurrent
ticket creation can never push an agent past the cap.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from bot import tickets
from bot.db import Database
from bot.models import ACTIVE_STATUSES, Status, Ticket, TicketEvent
from bot.support import SupportConfig


class Presence(Protocol):
    def is_away(self, user: str) -> bool: ...


class EveryoneHere:
    """No presence information: nobody is considered away."""

    def is_away(self, user: str) -> bool:
        return False


class SlackPresence:
    """Presence from Slack's `users.getPresence`, cached for `ttl` seconds; errors count as present."""

    def __init__(
        self, client: object, *, ttl: float = 300.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def is_away(self, user: str) -> bool:
        now = self.monotonic()
        with self._lock:
            hit = self._cache.get(user)
            if hit is not None and hit[1] > now:
                return hit[0]
        try:
            away = self.client.users_getPresence(user=user).get("presence") == "away"  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - Slack down: do not block assignment on it
            away = False
        with self._lock:
            self._cache[user] = (away, now + self.ttl)
        return away


def choose(
    session: Session,
    *,
    team: str,
    config: SupportConfig,
    now: datetime,
    presence: Presence,
    exclude: Sequence[str] = (),
) -> tuple[str | None, str]:
    """(agent or None, why) for the team's strategy."""
    spec = config.teams[team]
    if spec.assignment == "manual":
        return None, "manual claim"
    calendar = tickets.calendar_for(config, team)
    on_shift = calendar.business_seconds(now, now + timedelta(seconds=1)) > 0
    if not on_shift:
        return None, f"team {team} is off shift"
    members = config.members_of(team)  # listed members and the team's Slack user group
    load = _open_load(session, members)
    skipped: list[str] = []
    candidates: list[str] = []
    for agent in members:
        if agent in exclude:
            skipped.append(f"<@{agent}> did not acknowledge")
        elif presence.is_away(agent):
            skipped.append(f"<@{agent}> is away")
        elif spec.max_open_per_agent is not None and load.get(agent, 0) >= spec.max_open_per_agent:
            skipped.append(f"<@{agent}> is at the cap ({spec.max_open_per_agent})")
        else:
            candidates.append(agent)
    note = f" (skipped {', '.join(skipped)})" if skipped else ""
    if not candidates:
        return None, f"no agent available{note}"
    if spec.assignment == "least_loaded":
        agent = min(candidates, key=lambda a: (load.get(a, 0), members.index(a)))
        return agent, f"least loaded: {load.get(agent, 0)} open{note}"
    last = _last_auto_assigned(session, team, members)
    start = members.index(last) + 1 if last in members else 0
    ordered = members[start:] + members[:start]
    agent = next(a for a in ordered if a in candidates)
    return agent, f"round robin{note}"


def auto_assign(
    db: Database,
    *,
    number: int,
    config: SupportConfig,
    now: datetime,
    presence: Presence,
    exclude: Sequence[str] = (),
) -> Ticket | None:
    """Offer a new ticket to an agent per its team's strategy; None when it stays in the queue."""
    with db.transaction() as session:
        ticket = tickets.get(session, number=number, lock=True)
        if ticket.status not in (Status.NEW, Status.REOPENED) or ticket.team not in config.teams:
            return None
        _lock_team(session, ticket.team)
        agent, why = choose(
            session, team=ticket.team, config=config, now=now, presence=presence, exclude=exclude
        )
        if agent is None:
            return None
        return tickets.auto_assign(session, number=number, assignee=agent, config=config, now=now, reason=why)


def reassign_unacknowledged(
    db: Database, *, config: SupportConfig, now: datetime, presence: Presence
) -> list[Ticket]:
    """Re-offer auto-assigned tickets still unacknowledged after `routing.acknowledge_within`."""
    wait = config.routing.acknowledge_within
    if not wait:
        return []
    cutoff = now - timedelta(minutes=wait)
    with db.session() as session:
        stale = [
            (t.number, t.assignee)
            for t in session.exec(
                select(Ticket).where(
                    Ticket.status == Status.NEW,
                    col(Ticket.assignee).is_not(None),
                    Ticket.updated_at <= cutoff,
                )
            )
            if _last_event(session, t.number).action == "auto_assign"
        ]
    moved = []
    for number, previous in stale:
        with db.transaction() as session:
            ticket = tickets.get(session, number=number, lock=True)
            if ticket.assignee != previous or ticket.status != Status.NEW:
                continue  # acknowledged meanwhile
            _lock_team(session, ticket.team)
            agent, why = choose(
                session, team=ticket.team, config=config, now=now, presence=presence, exclude=[previous]
            )
            reason = f"<@{previous}> did not acknowledge within {wait} min; {why}"
            if agent is None:
                moved.append(
                    tickets.unassign(session, number=number, actor=tickets.AUTO_ACTOR, config=config, now=now)
                )
            else:
                moved.append(
                    tickets.auto_assign(
                        session, number=number, assignee=agent, config=config, now=now, reason=reason
                    )
                )
    return moved


def _open_load(session: Session, members: Sequence[str]) -> dict[str, int]:
    rows = session.exec(
        select(Ticket.assignee, func.count())
        .where(col(Ticket.assignee).in_(list(members)), col(Ticket.status).in_(ACTIVE_STATUSES))
        .group_by(Ticket.assignee)
    ).all()
    return {str(a): int(n) for a, n in rows}


def _last_auto_assigned(session: Session, team: str, members: Sequence[str]) -> str | None:
    rows = session.exec(
        select(TicketEvent)
        .join(Ticket, col(Ticket.number) == col(TicketEvent.ticket_number))
        .where(TicketEvent.action == "auto_assign", Ticket.team == team)
        .order_by(col(TicketEvent.id).desc())
        .limit(1)
    ).all()
    return str(rows[0].after.get("assignee")) if rows else None


def _last_event(session: Session, number: int | None) -> TicketEvent:
    return session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_number == number)
        .order_by(col(TicketEvent.id).desc())
        .limit(1)
    ).one()


def _lock_team(session: Session, team: str) -> None:
    """Serialise assignment per team across processes (PostgreSQL); SQLite writers are already serial."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"deskbot-assign:{team}".encode()).digest()[:8], "big", signed=True
        )
        session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=key))  # type: ignore[call-overload]
