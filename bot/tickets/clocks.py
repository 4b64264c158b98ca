"""Tie the pure SLA engine to stored tickets: timeline from the audit trail, calendar from the team."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from bot.calendar import BusinessCalendar
from bot.models import Ticket, TicketEvent
from bot.sla import SlaReport, Timeline, evaluate
from bot.support.models import Priority, SupportConfig


def calendar_for(config: SupportConfig, team: str) -> BusinessCalendar:
    """The business calendar of `team` (the general team's when the team is no longer configured)."""
    spec = config.team(team)
    return BusinessCalendar.from_week(spec.timezone, spec.working_hours.days, spec.holidays)


def timeline_from(ticket: Ticket, events: Iterable[TicketEvent]) -> Timeline:
    """The SLA timeline of a ticket, read from its audit events."""
    statuses: list[tuple[datetime, str]] = []
    priorities: list[tuple[datetime, Priority]] = []
    initial = ticket.priority
    for event in events:
        if event.action == "create":
            initial = Priority(event.after.get("priority", ticket.priority))
            continue
        if "status" in event.after:
            statuses.append((event.at, event.after["status"]))
        if "priority" in event.after:
            priorities.append((event.at, Priority(event.after["priority"])))
    return Timeline(
        created_at=ticket.created_at,
        priority=initial,
        status_changes=statuses,
        priority_changes=priorities,
        first_response_at=ticket.first_response_at,
    )


def events_of(session: Session, number: int) -> list[TicketEvent]:
    """The audit trail of a ticket, oldest first."""
    return list(
        session.exec(select(TicketEvent).where(TicketEvent.ticket_number == number).order_by(TicketEvent.id))
    )


def report_for(
    config: SupportConfig, ticket: Ticket, events: Iterable[TicketEvent], now: datetime
) -> SlaReport | None:
    """The SLA report of a ticket at `now` (None when its policy is no longer configured)."""
    policy = config.sla.policies.get(ticket.sla_policy)
    if policy is None:
        return None
    return evaluate(timeline_from(ticket, events), policy, calendar_for(config, ticket.team), now)


def due_times(report: SlaReport | None) -> dict[str, datetime | bool | None]:
    """The due times stored on the ticket for the indexed "near or past SLA" query.

    A clock's due time is kept only while it runs (or once it has breached and still runs):
    paused and stopped clocks have nothing coming due.
    """
    if report is None:
        return {"first_response_due": None, "resolution_due": None}
    fr, res = report.first_response, report.resolution
    return {
        "first_response_due": fr.due_at if fr.state == "running" else None,
        "resolution_due": res.due_at if res.state == "running" else None,
        "first_response_breached": fr.breached,  # as of this change: exact once the clock has stopped
        "resolution_breached": res.breached,
    }


def next_alert(
    config: SupportConfig, ticket: Ticket, report: SlaReport | None, now: datetime
) -> datetime | None:
    """The next instant the SLA sweep has something to say about this ticket: its next uncrossed warning
    fraction or its breach, on a running clock. Stored (indexed) so the sweep reads only due tickets."""
    policy = config.sla.policies.get(ticket.sla_policy)
    if report is None or policy is None:
        return None
    calendar = calendar_for(config, ticket.team) if policy.business_hours else BusinessCalendar.always()
    soonest: datetime | None = None
    for clock in (report.first_response, report.resolution):
        if clock.state != "running" or clock.breached:
            continue
        candidates = [clock.due_at] if clock.due_at else []
        upcoming = [f for f in policy.warn_at if f * clock.target_seconds > clock.used_seconds]
        if upcoming:
            candidates.append(
                calendar.add_business_seconds(now, upcoming[0] * clock.target_seconds - clock.used_seconds)
            )
        for at in candidates:
            soonest = at if soonest is None or at < soonest else soonest
    return soonest


def schedule_fields(
    config: SupportConfig, ticket: Ticket, report: SlaReport | None, now: datetime
) -> dict[str, object]:
    """Everything stored on a ticket from its SLA report: due times, breach flags, next alert."""
    return {**due_times(report), "next_alert_at": next_alert(config, ticket, report, now)}
