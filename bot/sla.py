"""The SLA engine: a pure function of a ticket's timeline, its policy, the calendar and `now`.

Semantics follow mature helpdesks: targets are business time in the team's calendar; the clocks
pause while the ticket waits on the customer; the resolution clock stops when the ticket is
resolved or closed and runs again when it is reopened; the first-response clock stops at the first
public agent reply (or at resolution); a priority change re-applies the new targets from creation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.calendar import BusinessCalendar
from bot.support.models import Priority, SlaPolicy

ClockState = Literal["running", "paused", "stopped"]
RUNNING = frozenset({"new", "open", "reopened"})
PAUSED = frozenset({"waiting_on_customer"})


@dataclass(frozen=True)
class Timeline:
    """What happened to a ticket, in time order; statuses are the Status values as strings.

    `priority` is the priority the ticket was created with; later changes are in `priority_changes`.
    """

    created_at: datetime
    priority: Priority
    status_changes: Sequence[tuple[datetime, str]] = ()
    priority_changes: Sequence[tuple[datetime, Priority]] = ()
    first_response_at: datetime | None = None


@dataclass(frozen=True)
class Clock:
    """One SLA clock (first response or resolution) as of `now`."""

    metric: Literal["first_response", "resolution"]
    target_seconds: float
    used_seconds: float
    paused_seconds: float
    state: ClockState
    due_at: datetime | None
    breached_at: datetime | None
    warnings_crossed: tuple[float, ...] = field(default=())

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def left_seconds(self) -> float:
        """Business seconds left before the target (negative: overdue by that much)."""
        return self.target_seconds - self.used_seconds

    @property
    def fraction_used(self) -> float:
        return self.used_seconds / self.target_seconds if self.target_seconds else 1.0


@dataclass(frozen=True)
class SlaReport:
    priority: Priority
    first_response: Clock
    resolution: Clock


def evaluate(timeline: Timeline, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime) -> SlaReport:
    """Compute both clocks of a ticket at `now`."""
    if not policy.business_hours:
        calendar = BusinessCalendar.always()
    priority = priority_at(timeline, now)
    targets = policy.targets[priority]
    status_spans = _status_spans(timeline, now)
    responded = timeline.first_response_at
    if responded is not None and responded > now:
        responded = None
    resolution = _clock("resolution", status_spans, targets.resolution * 60, policy, calendar, now)
    first_spans = _cut(status_spans, responded) if responded else status_spans
    first = _clock("first_response", first_spans, targets.first_response * 60, policy, calendar, now)
    return SlaReport(priority=priority, first_response=first, resolution=resolution)


def priority_at(timeline: Timeline, now: datetime) -> Priority:
    """The priority in effect at `now`: the creation priority, then each change up to `now`."""
    priority = timeline.priority
    for at, value in timeline.priority_changes:
        if at <= now:
            priority = value
    return priority


def _status_spans(timeline: Timeline, now: datetime) -> list[tuple[datetime, datetime, str]]:
    """[(start, end, status)] from creation to `now`."""
    spans: list[tuple[datetime, datetime, str]] = []
    status, since = "new", timeline.created_at
    for at, new_status in timeline.status_changes:
        if at > now:
            break
        at = max(at, since)
        if at > since:
            spans.append((since, at, status))
        status, since = new_status, at
    spans.append((since, max(now, since), status))  # the last span carries the status at `now`
    return spans


def _cut(spans: list[tuple[datetime, datetime, str]], at: datetime) -> list[tuple[datetime, datetime, str]]:
    """Spans up to `at`, then one zero-length 'stopped' span marking the stop."""
    out = [(a, min(b, at), s) for a, b, s in spans if a < at]
    return [*out, (at, at, "resolved")]


def _clock(
    metric: Literal["first_response", "resolution"],
    spans: list[tuple[datetime, datetime, str]],
    target: float,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> Clock:
    used = paused = 0.0
    breached_at: datetime | None = None
    for start, end, status in spans:
        if status in PAUSED:
            paused += (end - start).total_seconds()
        if status not in RUNNING:
            continue
        span = calendar.business_seconds(start, end)
        if breached_at is None and used + span >= target:
            breached_at = calendar.add_business_seconds(start, target - used)
        used += span
    last_status = spans[-1][2]
    state: ClockState = (
        "running" if last_status in RUNNING else "paused" if last_status in PAUSED else "stopped"
    )
    if breached_at is not None:
        due = breached_at
    elif state == "running":
        due = calendar.add_business_seconds(now, target - used)
    else:
        due = None
    crossed = tuple(f for f in policy.warn_at if used >= f * target)
    return Clock(metric, target, used, paused, state, due, breached_at, crossed)
