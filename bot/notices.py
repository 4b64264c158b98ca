"""Pure builders for what the scheduled jobs say in Slack: SLA warnings and breaches, nudges for stale
and unclaimed tickets, follow-ups to requesters, the auto-resolve notice. People's text passes the
text boundary (`safe`) here, like in bot/blocks.py."""

from __future__ import annotations

from typing import Any

from bot.blocks import button, duration, section
from bot.blocks.accounts import BAND_EMOJI, health_warning_blocks, reason_line
from bot.health import Health
from bot.models import Ticket
from bot.sla import Clock
from bot.slack_text import safe

LABEL = {"first_response": "first response", "resolution": "resolution"}


def sla_alert(ticket: Ticket, clock: Clock, *, stage: str) -> str:
    """A warning (stage 'warn75') or a breach, for the card's thread and the assignee."""
    metric = LABEL[clock.metric]
    if stage == "breach":
        return f":rotating_light: *#{ticket.number}* {safe(ticket.title)} — {metric} SLA *breached* ({duration(clock.left_seconds)} overdue, {ticket.priority.value})."
    return f":warning: *#{ticket.number}* {safe(ticket.title)} — {metric} SLA at {stage[4:]}%: due in {duration(clock.left_seconds)} of working time."


def sla_breach_broadcast(ticket: Ticket, clock: Clock) -> str:
    """A breach, for the team's channel and the managers."""
    who = f"<@{ticket.assignee}>" if ticket.assignee else "unassigned"
    return f":rotating_light: SLA breach on *#{ticket.number}* {safe(ticket.title)} ({LABEL[clock.metric]}, {ticket.priority.value}, team {ticket.team}, {who})."


def stale_nudge(ticket: Ticket, *, hours: int) -> str:
    return f":hourglass: *#{ticket.number}* {safe(ticket.title[:120])} has had no update for {hours}h+ of working time. A short reply to the requester keeps them in the loop."


def unclaimed_nudge(ticket: Ticket) -> str:
    return f":bell: *#{ticket.number}* {safe(ticket.title[:120])} is still unclaimed ({ticket.priority.value}). Who can take it?"


def auto_resolved(ticket: Ticket) -> dict[str, Any]:
    return {
        "text": f"Ticket #{ticket.number} was resolved as we didn't hear back. Reply here any time to reopen it."
    }


def followup(ticket: Ticket, *, last: bool) -> dict[str, Any]:
    """Asking a requester who owes an answer, with buttons to say how it stands."""
    text = f"Hi <@{ticket.requester}>, the team is waiting for your reply on ticket *#{ticket.number}* ({safe(ticket.title[:100])}). Still need help?"
    if last:
        text += " If we don't hear back, we'll mark it resolved — you can always reply here to reopen it."
    buttons = [
        button("Still need help", "followup_help", str(ticket.number), "primary"),
        button("It's resolved", "followup_resolved", str(ticket.number)),
    ]
    return {
        "text": text,
        "blocks": [
            section(text),
            {"type": "actions", "block_id": f"followup:{ticket.number}", "elements": buttons},
        ],
    }


def health_warning(health: Health, *, why: str, evidence: dict[str, list[int]], band: str) -> dict[str, Any]:
    """The early warning to an account's owner: its health, why it warns, the reasons and their tickets."""
    reasons = " ".join(reason_line(p, evidence.get(p.name, [])) for p in health.reasons[:4])
    text = f"{safe(health.name)}: health {health.score}/100 — {why}. {reasons}"
    blocks = health_warning_blocks(health, why=why, evidence=evidence, band_emoji=BAND_EMOJI.get(band, ""))
    return {"text": text[:2900], "blocks": blocks}


def health_why(score: int, *, best: int | None, warn_below: int, fall_by: int, days: int) -> str:
    """Why a warning fires: below the threshold, and/or fallen fast."""
    parts = []
    if score < warn_below:
        parts.append(f"below {warn_below}")
    if best is not None and best - score >= fall_by:
        parts.append(f"down {best - score} points from {best} in {days} days")
    return " and ".join(parts)


def accounts_at_risk(scores: list[Health], *, most: int = 8) -> str:
    """`• Accounts at risk: Acme Corp 50/100 (SLA breaches, reopen rate; owner @U…); …` for the digest."""
    shown = [
        f"{safe(h.name[:60])} {h.score}/100 ({', '.join(p.label.lower() for p in h.reasons[:2])}"
        + (f"; owner <@{h.owner}>" if h.owner else "")
        + ")"
        for h in scores[:most]
    ]
    more = f"; and {len(scores) - most} more (`deskbot customers health`)" if len(scores) > most else ""
    return "• Accounts at risk: " + "; ".join(shown) + more
