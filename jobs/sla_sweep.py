"""SLA sweep (every minute): a warning at each configured fraction and a breach at 100%, for first
response and resolution; posted in the ticket's triage thread and to the assignee (or the team);
breach actions from the policy. Each notification has a dedupe key, so reruns never repeat one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot import notices, tickets
from bot.db import Database
from bot.models import ACTIVE_STATUSES, Ticket
from bot.outbox import enqueue
from bot.sla import Clock
from bot.support import SupportConfig
from bot.tickets.clocks import next_alert

LABEL = notices.LABEL


@dataclass
class SweepReport:
    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalated: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what was (or, in a dry run, would be) posted


def sla_sweep(
    db: Database, *, config: SupportConfig, now: datetime, dry_run: bool = False, limit: int = 5000
) -> SweepReport:
    """Notify what is new on tickets whose next SLA alert has come (an indexed query on `next_alert_at`)."""
    report = SweepReport()
    with db.session() as s:
        numbers = list(
            s.exec(
                select(Ticket.number)
                .where(col(Ticket.next_alert_at) <= now, col(Ticket.status).in_(ACTIVE_STATUSES))
                .order_by(col(Ticket.next_alert_at))
                .limit(limit)
            )
        )
    for number in numbers:
        assert number is not None
        with db.transaction() as s:
            ticket = tickets.get(s, number=number, lock=True)
            clocks = tickets.report_for(config, ticket, tickets.events_of(s, number), now)
            report.checked += 1
            for clock in (clocks.first_response, clocks.resolution) if clocks else ():
                if clock.state != "running":
                    continue
                if clock.breached:
                    if _notify(s, ticket, clock, config=config, now=now, stage="breach", report=report):
                        report.breaches += 1
                        _breach_actions(
                            s, ticket, clock, config=config, now=now, report=report, dry_run=dry_run
                        )
                    continue
                if clock.warnings_crossed:  # only the latest: after downtime, one warning, not a burst
                    stage = f"warn{int(max(clock.warnings_crossed) * 100)}"
                    if _notify(s, ticket, clock, config=config, now=now, stage=stage, report=report):
                        report.warnings += 1
            latest = tickets.get(s, number=number)  # an escalation above may have changed it
            history = tickets.events_of(s, number)
            latest.next_alert_at = next_alert(
                config, latest, tickets.report_for(config, latest, history, now), now
            )
            s.add(latest)
            if dry_run:
                s.rollback()
    return report


def _notify(
    s: Session,
    ticket: Ticket,
    clock: Clock,
    *,
    config: SupportConfig,
    now: datetime,
    stage: str,
    report: SweepReport,
) -> bool:
    text = notices.sla_alert(ticket, clock, stage=stage)
    key = f"sla:{ticket.number}:{clock.metric}:{stage}"
    team = config.team(ticket.team)
    thread_channel = ticket.triage_channel or team.triage_channel
    created = enqueue(
        s,
        key=f"{key}:thread",
        channel=thread_channel,
        thread_ts=ticket.triage_ts,
        payload={"text": text[:3000]},
        now=now,
    )
    if not created:
        return False
    report.lines.append(f"{thread_channel}: {text}")
    who = ticket.assignee
    if who:
        enqueue(s, key=f"{key}:owner", channel=who, payload={"text": text[:3000]}, now=now)
        report.lines.append(f"DM {who}: {text}")
    return True


def _breach_actions(
    s: Session,
    ticket: Ticket,
    clock: Clock,
    *,
    config: SupportConfig,
    now: datetime,
    report: SweepReport,
    dry_run: bool,
) -> None:
    policy = config.sla.policies.get(ticket.sla_policy)
    if policy is None:
        return
    key = f"sla:{ticket.number}:{clock.metric}:breach"
    text = notices.sla_breach_broadcast(ticket, clock)
    team = config.team(ticket.team)
    if "notify_team" in policy.breach_actions and ticket.triage_ts:
        enqueue(s, key=f"{key}:team", channel=team.triage_channel, payload={"text": text}, now=now)
        report.lines.append(f"{team.triage_channel}: {text}")
    if "notify_managers" in policy.breach_actions and config.managers.channel:
        enqueue(s, key=f"{key}:managers", channel=config.managers.channel, payload={"text": text}, now=now)
        report.lines.append(f"{config.managers.channel}: {text}")
    if "raise_level" in policy.breach_actions and ticket.level.next() is not None and not dry_run:
        assert ticket.number is not None
        tickets.escalate(
            s,
            number=ticket.number,
            actor=tickets.AUTO_ACTOR,
            config=config,
            now=now,
            reason=f"{LABEL[clock.metric]} SLA breached",
        )
        report.escalated.append(ticket.number)
