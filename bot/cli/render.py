"""Plain-text rendering of tickets and SLA clocks for the terminal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.models import Ticket, TicketEvent
from bot.sla import Clock, SlaReport


def duration(seconds: float) -> str:
    """'1h 05m' style durations (business time)."""
    minutes = int(abs(seconds) // 60)
    hours, mins = divmod(minutes, 60)
    text = f"{hours}h {mins:02d}m" if hours else f"{mins}m"
    return text


def clock_line(clock: Clock) -> str:
    """One line describing an SLA clock."""
    name = clock.metric.replace("_", " ")
    used = f"{duration(clock.used_seconds)} of {duration(clock.target_seconds)} used"
    if clock.breached:
        state = f"BREACHED at {clock.breached_at:%Y-%m-%d %H:%M} UTC, over by {duration(-clock.left_seconds)}"
    elif clock.state == "running":
        state = f"due {clock.due_at:%Y-%m-%d %H:%M} UTC ({duration(clock.left_seconds)} business time left)"
    elif clock.state == "paused":
        state = f"paused (waiting on customer), {duration(clock.left_seconds)} left"
    else:
        state = "met"
    warn = (
        f", warnings passed: {', '.join(f'{int(f * 100)}%' for f in clock.warnings_crossed)}"
        if clock.warnings_crossed and not clock.breached
        else ""
    )
    return f"  {name}: {state} — {used}{warn}"


def ticket_lines(ticket: Ticket, report: SlaReport | None, events: Iterable[TicketEvent]) -> Iterator[str]:
    """The ticket header, its SLA clocks and (optionally) its history."""
    yield f"[bold]#{ticket.number} {ticket.title}[/]"
    yield (
        f"  status {ticket.status.value} · priority {ticket.priority.value} · team {ticket.team} · {ticket.level.value}"
        f" · assignee {ticket.assignee or '—'} · requester {ticket.requester} · SLA policy {ticket.sla_policy}"
    )
    if ticket.category:
        yield f"  category {ticket.category}"
    if ticket.description:
        yield f"  {ticket.description[:500]}"
    if report is not None:
        yield from (clock_line(report.first_response), clock_line(report.resolution))
    events = list(events)
    if events:
        yield "  history:"
    for event in events:
        changes = ", ".join(
            f"{k}: {event.before.get(k)!s} → {v!s}"
            for k, v in event.after.items()
            if k not in ("updated_at", "version")
        )
        reason = f" ({event.reason})" if event.reason else ""
        yield f"    {event.at:%Y-%m-%d %H:%M} {event.actor} {event.action}{reason}" + (
            f" — {changes}" if changes and event.action != "create" else ""
        )
