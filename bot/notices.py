"""Pure builders for what the scheduled jobs say in Slack: SLA warnings and breaches, nudges for stale
and unclaimed tickets, follow-ups to requesters, the auto-resolve notice. People's text passes the
text boundary (`safe`) here, like in bot/blocks.py."""

from __future__ import annotations

from typing import Any

from bot.blocks import button, duration, section
from bot.blocks.accounts import BAND_EMOJI, health_warning_blocks, reason_line
from bot.health import Health
from bot.i18n import requester_language, t
from bot.models import Ticket
from bot.sla import Clock
from bot.slack_text import safe

TITLE = 200  # a ticket title quoted in a notice (titles are at most 200 characters)

LABEL = {"first_response": "first response", "resolution": "resolution"}


def sla_alert(ticket: Ticket, clock: Clock, *, stage: str) -> str:
    """A warning (stage 'warn75') or a breach, for the card's thread and the assignee."""
    metric = LABEL[clock.metric]
    if stage == "breach":
        return f":rotating_light: *#{ticket.number}* {safe(ticket.title, TITLE, mentions=False)} — {metric} SLA *breached* ({duration(clock.left_seconds)} overdue, {ticket.priority.value})."
    return f":warning: *#{ticket.number}* {safe(ticket.title, TITLE, mentions=False)} — {metric} SLA at {stage[4:]}%: due in {duration(clock.left_seconds)} of working time."


def sla_breach_broadcast(ticket: Ticket, clock: Clock) -> str:
    """A breach, for the team's channel and the managers."""
    who = f"<@{ticket.assignee}>" if ticket.assignee else "unassigned"
    return f":rotating_light: SLA breach on *#{ticket.number}* {safe(ticket.title, TITLE, mentions=False)} ({LABEL[clock.metric]}, {ticket.priority.value}, team {ticket.team}, {who})."


def stale_nudge(ticket: Ticket, *, hours: int) -> str:
    return f":hourglass: *#{ticket.number}* {safe(ticket.title, 120, mentions=False)} has had no update for {hours}h+ of working time. A short reply to the requester keeps them in the loop."


def unclaimed_nudge(ticket: Ticket) -> str:
    return f":bell: *#{ticket.number}* {safe(ticket.title, 120, mentions=False)} is still unclaimed ({ticket.priority.value}). Who can take it?"


def auto_resolved(ticket: Ticket) -> dict[str, Any]:
    """The requester's notice that their silent ticket was resolved, in their language."""
    text = t(
        requester_language(ticket),
        "Ticket #{number} was resolved as we didn't hear back. Reply here any time to reopen it.",
        number=ticket.number,
    )
    return {"text": text}


def followup(ticket: Ticket, *, last: bool) -> dict[str, Any]:
    """Asking a requester who owes an answer, with buttons to say how it stands, in their language."""
    lang = requester_language(ticket)
    text = t(
        lang,
        "Hi {requester}, the team is waiting for your reply on ticket *#{number}* ({title}). Still need help?",
        requester=f"<@{ticket.requester}>",
        number=ticket.number,
        title=safe(ticket.title, 100, mentions=False),
    )
    if last:
        text += " " + t(
            lang, "If we don't hear back, we'll mark it resolved — you can always reply here to reopen it."
        )
    buttons = [
        button(t(lang, "Still need help"), "followup_help", str(ticket.number), "primary"),
        button(t(lang, "It's resolved"), "followup_resolved", str(ticket.number)),
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


def _pct(value: float | None) -> str:
    return f"{value * 100:.0f}%" if value is not None else "–"


def resolution_figures(figures: dict[str, Any]) -> list[str]:
    """The digest's honest resolution lines, each saying how its figure is counted (bot/kpis.py)."""
    done = figures["resolutions"]
    auto = f"; {done['auto_resolved']} after follow-ups went unanswered" if done["auto_resolved"] else ""
    return [
        f"• Deflection {_pct(figures['deflection'])}: {figures['deflected']} of {figures['questions']} "
        f"questions settled by the bot (answered {figures['answered_by_bot']}; an answer counts only when "
        "no ticket or _Talk to a human_ followed within 24 h and nobody marked it _Not helpful_)",
        f"• Resolutions {done['resolutions']}: *{done['confirmed']} confirmed* (the requester said so or "
        f"rated it) · *{done['assumed']} assumed* (no reply from the requester{auto})",
        f"• Reopened {_pct(done['reopen_rate'])} (resolutions reopened since) · first-contact resolution "
        f"{_pct(done['first_contact_resolution'])} (at most one reply from the team, not reopened)",
    ]


def deflection_line(asked: Any, *, days: int) -> str:
    """`deskbot kb gaps`' first line: the deflection over the days it looks at (a kpis.Deflection)."""
    return (
        f"In the last {days} days the bot answered {asked.answered} of {asked.questions} questions and "
        f"settled {asked.deflected} (no ticket or Talk to a human within 24 h, not marked Not helpful)."
    )
