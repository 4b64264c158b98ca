"""Reminders and check-ins: stale tickets to their assignee, unclaimed tickets to the team, follow-ups
to requesters who owe an answer (auto-resolve after the configured nudges), scheduled check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot import accounts, notices, tickets
from bot.db import Database
from bot.models import Status, Ticket
from bot.outbox import enqueue
from bot.slack_text import safe
from bot.support import SupportConfig


@dataclass
class RemindReport:
    stale: int = 0
    unclaimed: int = 0
    followups: int = 0
    auto_resolved: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _business_since(config: SupportConfig, ticket: Ticket, since: datetime, now: datetime) -> float:
    return tickets.calendar_for(config, ticket.team).business_seconds(since, now) if since < now else 0.0


def _older_than(s: Session, *where: object) -> list[Ticket]:
    return list(s.exec(select(Ticket).where(*where)))


def reminders(db: Database, *, config: SupportConfig, now: datetime, dry_run: bool = False) -> RemindReport:
    """Nudge stale and unclaimed tickets' owners, follow up with requesters who owe an answer."""
    report = RemindReport()
    spec = config.reminders
    with db.session() as s:
        stale = _older_than(
            s,
            col(Ticket.status).in_((Status.OPEN, Status.REOPENED)),
            col(Ticket.assignee).is_not(None),
            Ticket.updated_at <= now - timedelta(minutes=spec.stale_after),
        )
        unclaimed = _older_than(
            s,
            Ticket.status == Status.NEW,
            col(Ticket.assignee).is_(None),
            Ticket.created_at <= now - timedelta(minutes=spec.unclaimed_after),
        )
        waiting = _older_than(
            s,
            Ticket.status == Status.WAITING,
            Ticket.updated_at <= now - timedelta(minutes=spec.waiting_followup_after),
        )
    with db.transaction() as s:
        for t in stale:
            _nudge_stale(s, t, config=config, now=now, report=report)
        for t in unclaimed:
            _nudge_unclaimed(s, t, config=config, now=now, report=report)
        for t in waiting:
            _follow_up(s, t, config=config, now=now, report=report, dry_run=dry_run)
        if dry_run:
            s.rollback()
    return report


def _nudge_stale(
    s: Session, t: Ticket, *, config: SupportConfig, now: datetime, report: RemindReport
) -> None:
    after = config.reminders.stale_after
    if t.assignee is None or _business_since(config, t, t.updated_at, now) < after * 60:
        return
    text = notices.stale_nudge(t, hours=after // 60)
    key = f"stale:{t.number}:{t.updated_at.isoformat()}"
    if enqueue(s, key=key, channel=t.assignee, payload={"text": text}, now=now):
        report.stale += 1
        report.lines.append(f"DM {t.assignee}: {text}")


def _nudge_unclaimed(
    s: Session, t: Ticket, *, config: SupportConfig, now: datetime, report: RemindReport
) -> None:
    if _business_since(config, t, t.created_at, now) < config.reminders.unclaimed_after * 60:
        return
    channel = t.triage_channel or config.team(t.team).triage_channel
    text = notices.unclaimed_nudge(t)
    if enqueue(
        s,
        key=f"unclaimed:{t.number}",
        channel=channel,
        thread_ts=t.triage_ts,
        payload={"text": text},
        now=now,
    ):
        report.unclaimed += 1
        report.lines.append(f"{channel}: {text}")


def _follow_up(
    s: Session, t: Ticket, *, config: SupportConfig, now: datetime, report: RemindReport, dry_run: bool
) -> None:
    """Ask again after each follow-up interval; after the last nudge, resolve it."""
    assert t.number is not None
    spec = config.reminders
    due = int(_business_since(config, t, t.updated_at, now) // (spec.waiting_followup_after * 60))
    if due < 1 or not t.channel:
        return
    if due > spec.waiting_max_nudges:
        if not dry_run:
            reason = f"no reply after {spec.waiting_max_nudges} follow-ups"
            tickets.resume(s, number=t.number, actor=tickets.AUTO_ACTOR, config=config, now=now)
            tickets.resolve(
                s, number=t.number, actor=tickets.AUTO_ACTOR, config=config, now=now, reason=reason
            )
            key = f"autoresolved:{t.number}"
            enqueue(
                s,
                key=key,
                channel=t.channel,
                thread_ts=t.thread_ts,
                payload=notices.auto_resolved(t),
                now=now,
            )
        report.auto_resolved.append(t.number)
        return
    message = notices.followup(t, last=due == spec.waiting_max_nudges)
    key = f"followup:{t.number}:{t.updated_at.isoformat()}:{due}"
    if enqueue(s, key=key, channel=t.channel, thread_ts=t.thread_ts, payload=message, now=now):
        report.followups += 1
        report.lines.append(f"{t.channel}: {message['text']}")


def checkins(
    db: Database,
    *,
    config: SupportConfig,
    now: datetime,
    dry_run: bool = False,
    window: timedelta = timedelta(minutes=10),
) -> list[str]:
    """Post every check-in (configured and added with /checkin) whose time has come today, once a day."""
    from zoneinfo import ZoneInfo

    from bot.checkins import active

    local = now.astimezone(ZoneInfo(config.managers.timezone))
    due = [(f"config:{i}", c.channel, c.days, c.at, c.message) for i, c in enumerate(config.checkins)]
    due += [(f"db:{r.id}", r.channel, r.days, r.at, r.message) for r in active(db)]
    posted = []
    with db.transaction() as s:
        for key, channel, days, at, message in due:
            hour, minute = (int(x) for x in at.split(":"))
            start = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if local.weekday() not in days or not start <= local < start + window:
                continue
            if enqueue(
                s,
                key=f"checkin:{key}:{local.date().isoformat()}",
                channel=channel,
                payload={"text": safe(message)},
                now=now,
            ):
                accounts.checkin_posted(s, config=config, channel=channel, at=now)
                posted.append(f"{channel}: {message}")
        if dry_run:
            s.rollback()
    return posted
