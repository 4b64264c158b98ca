"""Reminders and check-ins: stale tickets to their assignee, unclaimed tickets to the team, follow-ups
to requesters who owe an answer (auto-resolve after the configured nudges), scheduled check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot import tickets
from bot.blocks import button, section
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


def followup_message(ticket: Ticket, nudge: int, last: bool) -> dict:
    text = (
        f"Hi <@{ticket.requester}>, the team is waiting for your reply on ticket *#{ticket.number}* ({safe(ticket.title[:100])}). Still need help?"
        + (
            " If we don't hear back, we'll mark it resolved — you can always reply here to reopen it."
            if last
            else ""
        )
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            {
                "type": "actions",
                "block_id": f"followup:{ticket.number}",
                "elements": [
                    button("Still need help", "followup_help", str(ticket.number), "primary"),
                    button("It's resolved", "followup_resolved", str(ticket.number)),
                ],
            },
        ],
    }


def reminders(db: Database, *, config: SupportConfig, now: datetime, dry_run: bool = False) -> RemindReport:
    report = RemindReport()
    spec = config.reminders
    with db.session() as s:
        stale = list(
            s.exec(
                select(Ticket).where(
                    col(Ticket.status).in_((Status.OPEN, Status.REOPENED)),
                    col(Ticket.assignee).is_not(None),
                    Ticket.updated_at <= now - timedelta(minutes=spec.stale_after),
                )
            )
        )
        unclaimed = list(
            s.exec(
                select(Ticket).where(
                    Ticket.status == Status.NEW,
                    col(Ticket.assignee).is_(None),
                    Ticket.created_at <= now - timedelta(minutes=spec.unclaimed_after),
                )
            )
        )
        waiting = list(
            s.exec(
                select(Ticket).where(
                    Ticket.status == Status.WAITING,
                    Ticket.updated_at <= now - timedelta(minutes=spec.waiting_followup_after),
                )
            )
        )
    with db.transaction() as s:
        for t in stale:
            if _business_since(config, t, t.updated_at, now) < spec.stale_after * 60 or t.assignee is None:
                continue
            text = f":hourglass: *#{t.number}* {safe(t.title[:120])} has had no update for {spec.stale_after // 60}h+ of working time. A short reply to the requester keeps them in the loop."
            if enqueue(
                s,
                key=f"stale:{t.number}:{t.updated_at.isoformat()}",
                channel=t.assignee,
                payload={"text": text},
                now=now,
            ):
                report.stale += 1
                report.lines.append(f"DM {t.assignee}: {text}")
        for t in unclaimed:
            if _business_since(config, t, t.created_at, now) < spec.unclaimed_after * 60:
                continue
            team = config.team(t.team)
            text = f":bell: *#{t.number}* {safe(t.title[:120])} is still unclaimed ({t.priority.value}). Who can take it?"
            if enqueue(
                s,
                key=f"unclaimed:{t.number}",
                channel=t.triage_channel or team.triage_channel,
                thread_ts=t.triage_ts,
                payload={"text": text},
                now=now,
            ):
                report.unclaimed += 1
                report.lines.append(f"{team.triage_channel}: {text}")
        for t in waiting:
            assert t.number is not None
            waited = _business_since(config, t, t.updated_at, now)
            due = int(waited // (spec.waiting_followup_after * 60))
            if due < 1 or not t.channel:
                continue
            if due > spec.waiting_max_nudges:
                if not dry_run:
                    tickets.resume(s, number=t.number, actor=tickets.AUTO_ACTOR, config=config, now=now)
                    tickets.resolve(
                        s,
                        number=t.number,
                        actor=tickets.AUTO_ACTOR,
                        config=config,
                        now=now,
                        reason=f"no reply after {spec.waiting_max_nudges} follow-ups",
                    )
                    enqueue(
                        s,
                        key=f"autoresolved:{t.number}",
                        channel=t.channel,
                        thread_ts=t.thread_ts,
                        payload={
                            "text": f"Ticket #{t.number} was resolved as we didn't hear back. Reply here any time to reopen it."
                        },
                        now=now,
                    )
                report.auto_resolved.append(t.number)
                continue
            message = followup_message(t, due, last=due == spec.waiting_max_nudges)
            if enqueue(
                s,
                key=f"followup:{t.number}:{t.updated_at.isoformat()}:{due}",
                channel=t.channel,
                thread_ts=t.thread_ts,
                payload=message,
                now=now,
            ):
                report.followups += 1
                report.lines.append(f"{t.channel}: {message['text']}")
        if dry_run:
            s.rollback()
    return report


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
                posted.append(f"{channel}: {message}")
        if dry_run:
            s.rollback()
    return posted
