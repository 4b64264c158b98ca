"""A deliberately simple minute-stepping SLA reference, to check the engine against."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar
from bot.sla import PAUSED, RUNNING, Timeline, priority_at
from bot.support.models import SlaPolicy

MINUTE = timedelta(minutes=1)


def is_business_minute(calendar: BusinessCalendar, minute: datetime) -> bool:
    local = minute.astimezone(ZoneInfo(calendar.timezone))
    if local.date() in calendar.holidays:
        return False
    of_day = local.hour * 60 + local.minute
    return any(a <= of_day < b for a, b in calendar.hours[local.weekday()])


def status_at(timeline: Timeline, minute: datetime) -> str:
    status = "new"
    for at, new in timeline.status_changes:
        if at <= minute:
            status = new
    return status


def reference(
    timeline: Timeline, policy: SlaPolicy, calendar: BusinessCalendar, now: datetime, horizon_days: int = 40
):
    """Return {metric: (used_minutes, paused_minutes, breached_at, due_at, state)} stepping minute by minute."""
    if not policy.business_hours:
        calendar = BusinessCalendar.always()
    targets = policy.targets[priority_at(timeline, now)]
    out = {}
    for metric, target in (("first_response", targets.first_response), ("resolution", targets.resolution)):
        stop = timeline.first_response_at if metric == "first_response" else None
        if stop is not None and stop > now:
            stop = None

        def running(m: datetime, stop=stop) -> bool:
            if stop is not None and m >= stop:
                return False
            return status_at(timeline, m) in RUNNING

        used = paused = 0
        breached_at = None
        m = timeline.created_at
        while m < now:
            if (stop is None or m < stop) and status_at(timeline, m) in PAUSED:
                paused += 1
            if running(m) and is_business_minute(calendar, m):
                used += 1
                if used == target and breached_at is None:
                    breached_at = m + MINUTE
            m += MINUTE
        final = status_at(timeline, now) if now > timeline.created_at else "new"
        stopped = stop is not None or final not in RUNNING | PAUSED
        state = "stopped" if stopped else "paused" if final in PAUSED else "running"
        if breached_at is not None:
            due = breached_at
        elif state == "running":
            extra, m = used, now
            limit = now + timedelta(days=horizon_days)
            due = None
            while m < limit:
                if is_business_minute(calendar, m):
                    extra += 1
                    if extra >= target:
                        due = m + MINUTE
                        break
                m += MINUTE
            if target - used == 0:
                due = now
        else:
            due = None
        out[metric] = (used, paused, breached_at, due, state)
    return out


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
