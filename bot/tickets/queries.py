"""Read-only ticket queries: lists for agents and managers, search, and the SLA watch list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from bot.models import ACTIVE_STATUSES, Status, Ticket
from bot.timeutil import utcnow

View = Literal["mine", "requested", "queue", "team", "breaching", "all"]


def list_tickets(
    session: Session,
    *,
    view: View,
    user: str | None = None,
    team: str | None = None,
    now: datetime | None = None,
    horizon: timedelta = timedelta(hours=1),
    limit: int = 50,
) -> Sequence[Ticket]:
    """Active tickets for a view: assigned to me, requested by me, the unclaimed queue, a team, those near
    or past their SLA, or all."""
    if view == "breaching":
        return near_or_past_sla(session, now=now or utcnow(), horizon=horizon, team=team, limit=limit)
    statement = select(Ticket).where(col(Ticket.status).in_(ACTIVE_STATUSES))
    if view == "mine":
        statement = statement.where(Ticket.assignee == user)
    elif view == "requested":
        statement = statement.where(Ticket.requester == user)
    elif view == "queue":
        statement = statement.where(col(Ticket.assignee).is_(None))
    if team is not None:
        statement = statement.where(Ticket.team == team)
    statement = statement.order_by(col(Ticket.resolution_due).asc().nulls_last(), col(Ticket.number)).limit(
        limit
    )
    return list(session.exec(statement))


def near_or_past_sla(
    session: Session,
    *,
    now: datetime,
    horizon: timedelta,
    team: str | None = None,
    limit: int = 500,
    visible: ColumnElement[bool] | None = None,
) -> Sequence[Ticket]:
    """Active tickets with a clock due before `now + horizon` (an indexed query on the due times);
    `visible` is the viewer's scope (`bot.access.visible_clause`)."""
    cutoff = now + horizon
    statement = select(Ticket).where(
        col(Ticket.status).in_(ACTIVE_STATUSES),
        or_(col(Ticket.first_response_due) <= cutoff, col(Ticket.resolution_due) <= cutoff),
    )
    if team is not None:
        statement = statement.where(Ticket.team == team)
    if visible is not None:
        statement = statement.where(visible)
    statement = statement.order_by(col(Ticket.resolution_due).asc().nulls_last()).limit(limit)
    return list(session.exec(statement))


def search(
    session: Session,
    *,
    text: str = "",
    status: Status | None = None,
    team: str | None = None,
    requester: str | None = None,
    assignee: str | None = None,
    limit: int = 50,
    visible: ColumnElement[bool] | None = None,
) -> Sequence[Ticket]:
    """Tickets whose title or description contains `text`, newest first, with optional filters;
    `visible` is the viewer's scope (`bot.access.visible_clause`)."""
    statement = select(Ticket) if visible is None else select(Ticket).where(visible)
    if text.strip():
        pattern = f"%{text.strip()}%"
        statement = statement.where(
            or_(col(Ticket.title).ilike(pattern), col(Ticket.description).ilike(pattern))
        )
    for column, value in (
        (Ticket.status, status),
        (Ticket.team, team),
        (Ticket.requester, requester),
        (Ticket.assignee, assignee),
    ):
        if value is not None:
            statement = statement.where(column == value)
    return list(session.exec(statement.order_by(col(Ticket.number).desc()).limit(limit)))


def by_thread(session: Session, *, channel: str, thread_ts: str) -> tuple[Ticket, str] | None:
    """The ticket whose requester thread or triage-card thread this is, and which side ("requester"/"card")."""
    card = session.exec(
        select(Ticket).where(Ticket.triage_channel == channel, Ticket.triage_ts == thread_ts)
    ).first()
    if card is not None:
        return card, "card"
    asked = session.exec(
        select(Ticket)
        .where(Ticket.channel == channel, Ticket.thread_ts == thread_ts)
        .order_by(col(Ticket.number).desc())
    ).first()
    return (asked, "requester") if asked is not None else None
