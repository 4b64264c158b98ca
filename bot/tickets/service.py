"""The ticket service: the one path every surface (Slack, CLI, jobs) uses to change a ticket.

Each function runs inside the caller's write transaction (`Database.transaction()`), locks the
ticket row, checks the state machine, applies the change, recomputes the SLA due times and writes
exactly one audit event holding the before and after values of every changed field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot import access, accounts
from bot.cards import AUTOMATION, after_change
from bot.errors import AlreadyClaimed, InvalidInput, NotFound
from bot.models import Status, Ticket, TicketCreate, TicketEvent
from bot.support.models import Level, Priority, SupportConfig
from bot.tickets import states
from bot.tickets.clocks import events_of, report_for, schedule_fields

MAX_TITLE = 200


AUTO_ACTOR = AUTOMATION


def get(session: Session, *, number: int, lock: bool = False) -> Ticket:
    """Fetch a ticket by number or raise NotFound."""
    if not isinstance(number, int) or number < 1:
        raise InvalidInput(f"'{number}' is not a ticket number; use a number like 42.")
    statement = select(Ticket).where(Ticket.number == number)
    if lock:
        statement = statement.with_for_update()
    ticket = session.exec(statement).first()
    if ticket is None:
        raise NotFound(f"Ticket #{number} does not exist. `/ticket list` shows your tickets.")
    return ticket


def create(
    session: Session,
    *,
    data: TicketCreate,
    actor: str,
    config: SupportConfig,
    now: datetime,
    by_channel: bool = True,
) -> Ticket:
    """Open a ticket: route it to a team and level, pick its SLA policy, start its clocks. Its account
    is the requester's, else (`by_channel`) the channel's."""
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput("A ticket needs a title: say in a few words what is wrong.")
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    if data.category is not None and data.category not in config.categories:
        raise InvalidInput(f"Unknown category '{data.category}'. Known: {', '.join(config.categories)}.")
    if data.team is not None and data.team not in config.teams:
        raise InvalidInput(f"Unknown team '{data.team}'. Known: {', '.join(config.teams)}.")
    category = config.categories.get(data.category or "")
    tier = config.channels[data.channel].tier if data.channel in config.channels else None
    policy_name, _ = config.policy_for(tier)
    ticket = Ticket(
        **data.model_dump(exclude={"team", "level", "title"}),
        title=title,
        team=data.team or config.team_for_category(data.category),
        level=data.level or (category.level if category else Level.L1),
        sla_policy=policy_name,
        status=Status.NEW,
        created_at=now,
        updated_at=now,
        account=accounts.account_for(
            session, config=config, channel=data.channel if by_channel else None, user=data.requester
        ),
    )
    session.add(ticket)
    session.flush()
    assert ticket.number is not None
    if ticket.account:
        accounts.contact(session, config=config, key=ticket.account, now=now)
    for key, value in schedule_fields(config, ticket, report_for(config, ticket, [], now), now).items():
        setattr(ticket, key, value)
    session.add(
        TicketEvent(
            ticket_number=ticket.number,
            actor=actor,
            action="create",
            before={},
            after=snapshot(ticket),
            reason=data.priority_reason,
            at=now,
        )
    )
    session.flush()
    after_change(session, ticket=ticket, action="create", actor=actor, config=config, now=now)
    return ticket


def claim(session: Session, *, number: int, agent: str, config: SupportConfig, now: datetime) -> Ticket:
    """Take an unowned ticket; of concurrent claims exactly one wins, the others learn the owner."""

    def change(ticket: Ticket) -> dict[str, Any]:
        if ticket.assignee == agent:
            return _opened(ticket)  # acknowledging a ticket Deskbot offered; nothing when already open
        if ticket.assignee is not None:
            raise AlreadyClaimed(number, ticket.assignee)
        return {"assignee": agent, **_opened(ticket)}

    return _mutate(session, "claim", change, number=number, actor=agent, config=config, now=now)


def assign(
    session: Session,
    *,
    number: int,
    assignee: str,
    actor: str,
    config: SupportConfig,
    now: datetime,
    reason: str | None = None,
) -> Ticket:
    """Give a ticket to `assignee` (an agent; replacing any current owner)."""
    access.require_assignable(config, assignee)
    return _mutate(
        session,
        "assign",
        lambda t: {"assignee": assignee, **_opened(t)},
        number=number,
        actor=actor,
        config=config,
        now=now,
        reason=reason,
    )


def auto_assign(
    session: Session, *, number: int, assignee: str, config: SupportConfig, now: datetime, reason: str
) -> Ticket:
    """Deskbot offers the ticket to `assignee`; it stays new until they acknowledge it (Claim)."""
    return _mutate(
        session,
        "auto_assign",
        lambda t: {"assignee": assignee},
        number=number,
        actor=AUTO_ACTOR,
        config=config,
        now=now,
        reason=reason,
    )


def unassign(session: Session, *, number: int, actor: str, config: SupportConfig, now: datetime) -> Ticket:
    """Put a ticket back in its team's queue."""

    def change(ticket: Ticket) -> dict[str, Any]:
        back = {"status": Status.NEW} if ticket.status == Status.OPEN else {}
        return {"assignee": None, **back}

    return _mutate(session, "unassign", change, number=number, actor=actor, config=config, now=now)


def set_priority(
    session: Session,
    *,
    number: int,
    priority: Priority,
    actor: str,
    config: SupportConfig,
    now: datetime,
    reason: str | None = None,
) -> Ticket:
    """Change the priority; the SLA targets are re-applied from creation."""
    return _mutate(
        session,
        "set_priority",
        lambda t: {"priority": Priority(priority), "priority_reason": reason},
        number=number,
        actor=actor,
        config=config,
        now=now,
        reason=reason,
    )


def set_category(
    session: Session,
    *,
    number: int,
    category: str,
    actor: str,
    config: SupportConfig,
    now: datetime,
    reroute: bool = True,
) -> Ticket:
    """Change the category and (by default) hand the ticket to the category's team."""
    if category not in config.categories:
        raise InvalidInput(f"Unknown category '{category}'. Known: {', '.join(config.categories)}.")

    def change(ticket: Ticket) -> dict[str, Any]:
        routed = _route(ticket, config.categories[category].team) if reroute else {}
        return {"category": category, **routed}

    return _mutate(session, "set_category", change, number=number, actor=actor, config=config, now=now)


def set_team(
    session: Session, *, number: int, team: str, actor: str, config: SupportConfig, now: datetime
) -> Ticket:
    """Hand the ticket to another team's queue."""
    if team not in config.teams:
        raise InvalidInput(f"Unknown team '{team}'. Known: {', '.join(config.teams)}.")
    return _mutate(
        session, "set_team", lambda t: _route(t, team), number=number, actor=actor, config=config, now=now
    )


Values = Callable[[Ticket, datetime, SupportConfig], dict[str, Any]]


def _simple_change(action: str, values: Values, doc: str) -> Callable[..., Ticket]:
    """A service function for a change that needs nothing but the ticket, the time and the config."""

    def change_status(
        session: Session,
        *,
        number: int,
        actor: str,
        config: SupportConfig,
        now: datetime,
        reason: str | None = None,
    ) -> Ticket:
        return _mutate(
            session,
            action,
            lambda t: values(t, now, config),
            number=number,
            actor=actor,
            config=config,
            now=now,
            reason=reason,
        )

    change_status.__name__ = change_status.__qualname__ = action
    change_status.__doc__ = doc
    return change_status


def _escalated(ticket: Ticket, now: datetime, config: SupportConfig) -> dict[str, Any]:
    nxt = Level(ticket.level).next()
    if nxt is None:
        raise InvalidInput(f"Ticket #{ticket.number} is already at L4, the highest level.")
    return {"level": nxt, **_route(ticket, config.escalation.get(nxt, ticket.team))}


escalate = _simple_change(
    "escalate", _escalated, "Raise the level (L1→L4) and route to the team that handles that level."
)
wait_on_customer = _simple_change(
    "wait_on_customer",
    lambda t, now, config: {"status": Status.WAITING},
    "Pause the SLA clocks until the customer answers.",
)
resume = _simple_change(
    "resume",
    lambda t, now, config: {"status": Status.OPEN if t.assignee else Status.NEW},
    "The customer answered: the clocks run again.",
)
resolve = _simple_change(
    "resolve",
    lambda t, now, config: {"status": Status.RESOLVED, "resolved_at": now},
    "Mark the ticket resolved (the resolution clock stops).",
)
close = _simple_change(
    "close",
    lambda t, now, config: {"status": Status.CLOSED, "closed_at": now},
    "Close a resolved ticket for good.",
)
reopen = _simple_change(
    "reopen",
    lambda t, now, config: {"status": Status.REOPENED, "resolved_at": None},
    "Reopen a resolved ticket (its resolution clock runs again).",
)


# ---- internals ---------------------------------------------------------------------------------------


def _opened(ticket: Ticket) -> dict[str, Any]:
    return {"status": Status.OPEN} if ticket.status in (Status.NEW, Status.REOPENED) else {}


def _route(ticket: Ticket, team: str) -> dict[str, Any]:
    """Move to `team`; a ticket that changes team leaves its owner and goes back to the queue."""
    if team == ticket.team:
        return {}
    back = {"status": Status.NEW} if ticket.status == Status.OPEN else {}
    return {"team": team, "assignee": None, **back}


def _mutate(
    session: Session,
    action: str,
    change: Callable[[Ticket], dict[str, Any]],
    *,
    number: int,
    actor: str,
    config: SupportConfig,
    now: datetime,
    reason: str | None = None,
) -> Ticket:
    """Lock, check the state machine, apply `change(ticket)`, recompute SLA due times, audit once."""
    ticket = get(session, number=number, lock=True)
    assert ticket.number is not None
    states.check(action, Status(ticket.status), ticket.number)
    values = change(ticket)
    marker = values.pop("notes", None)
    changed = {k: v for k, v in values.items() if getattr(ticket, k) != v}
    if not changed and marker is None:
        return ticket  # nothing changes, so nothing to audit (e.g. claiming your own ticket)
    before = snapshot(ticket)
    for key, value in changed.items():
        setattr(ticket, key, value)
    ticket.updated_at = now
    ticket.version += 1
    pending = TicketEvent(
        ticket_number=ticket.number, actor=actor, action=action, before={}, after={}, at=now
    )
    pending.after = {k: v for k, v in snapshot(ticket).items() if k in changed}
    history = [*events_of(session, ticket.number), pending]
    for key, value in schedule_fields(config, ticket, report_for(config, ticket, history, now), now).items():
        setattr(ticket, key, value)
    after = snapshot(ticket)
    diff = [k for k in after if after[k] != before[k]]
    pending.before = {k: before[k] for k in diff}
    pending.after = {k: after[k] for k in diff}
    pending.reason = reason
    session.add(ticket)
    session.add(pending)
    session.flush()
    after_change(session, ticket=ticket, action=action, actor=actor, config=config, now=now)
    return ticket


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """Every audited field of a ticket as JSON values (what audit events record; `next_alert_at` is the
    sweep's bookkeeping, not ticket state)."""
    return ticket.model_dump(mode="json", exclude={"next_alert_at"})
