"""`/ticket …` in Slack: parse the text, check the role, run the ticket service, say what happened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import tickets
from bot.db import Database
from bot.errors import InvalidInput, PermissionDenied
from bot.models import Ticket
from bot.support import Priority, SupportConfig

HELP = """*Deskbot tickets* — `/ticket <command>`
• `new [title]` — open a ticket (a form opens)
• `mine` · `queue` · `list breaching` — your tickets, your team's unclaimed queue, those near their SLA
• `search words` — find tickets by title or description
• `show N` — a ticket · `sla N` — its SLA clocks explained (policy, business hours, pauses)
• `claim N` · `unassign N` · `escalate N` · `wait N` · `resume N` · `resolve N` · `close N` · `reopen N`
• `assign N @user` · `priority N urgent|high|normal|low` · `note N text` (internal)
• `help` — this message
In a ticket card's thread, `!claim`, `!wait`, `!resolve`, … act on that ticket, and `!note text` adds an internal note."""

AGENT_ONLY = {
    "claim",
    "unassign",
    "escalate",
    "wait",
    "resume",
    "resolve",
    "close",
    "reopen",
    "assign",
    "priority",
    "note",
}
CHANGES = AGENT_ONLY - {"note"}  # run by the desk (bot/desk.py), which also updates the card


@dataclass(frozen=True)
class Command:
    verb: str
    number: int | None = None
    rest: str = ""


def parse(text: str) -> Command:
    """Split `/ticket` text into a verb, an optional ticket number and the rest."""
    parts = text.strip().split(maxsplit=2)
    if not parts or parts[0].lower() == "help":
        return Command("help")
    verb = parts[0].lower()
    if verb == "list":
        return Command("list", rest=parts[1].lower() if len(parts) > 1 else "mine")
    if verb in ("mine", "queue"):
        return Command("list", rest=verb)
    if verb in ("new", "search"):
        rest = text.strip()[len(parts[0]) :].strip()
        if verb == "search" and not rest:
            raise InvalidInput("Say what to look for: `/ticket search invoice`.")
        return Command(verb, rest=rest)
    if verb not in AGENT_ONLY and verb not in ("show", "sla"):
        raise InvalidInput(f"I don't know `/ticket {_inert(verb[:40])}`.\n{HELP}")
    if len(parts) < 2 or not re.fullmatch(r"#?[0-9]{1,9}", parts[1]):
        raise InvalidInput(f"`/ticket {verb}` needs a ticket number, e.g. `/ticket {verb} 42`.")
    return Command(verb, int(parts[1].lstrip("#")), parts[2] if len(parts) > 2 else "")


def execute(command: Command, *, user: str, db: Database, config: SupportConfig, now: datetime) -> str:
    """Run a parsed command for `user` and return the reply text (BotErrors propagate)."""
    if command.verb == "help":
        return HELP
    role = config.role_of(user)
    if command.verb in AGENT_ONLY and role == "requester":
        raise PermissionDenied("Only support agents can change tickets. Ask in your support channel instead.")
    if command.verb == "list":
        return _list(command.rest, user=user, db=db, config=config, now=now)
    if command.verb == "search":
        return _search(command.rest, user=user, role=role, db=db)
    assert command.number is not None
    if command.verb == "sla":
        return _sla(command.number, user=user, role=role, db=db, config=config, now=now)
    if command.verb == "show":
        return _show(command.number, user=user, role=role, db=db)
    if command.verb in CHANGES:
        raise InvalidInput(
            f"`/ticket {command.verb}` changes a ticket: the desk runs it (see `change_args`)."
        )
    with db.transaction() as s:
        tickets.add_note(
            s, number=command.number, author=user, body=command.rest, internal=True, config=config, now=now
        )
    return f"Internal note added to #{command.number}."


def change_args(command: Command) -> dict[str, object]:
    """The extra arguments of a change verb (`assign` → assignee, `priority` → priority)."""
    if command.verb == "assign":
        return {"assignee": _user_id(command.rest)}
    if command.verb == "priority":
        value = command.rest.strip().lower()
        if value not in {p.value for p in Priority}:
            raise InvalidInput("Priority must be urgent, high, normal or low: `/ticket priority 42 high`.")
        return {"priority": Priority(value)}
    return {}


def summary(ticket: Ticket) -> str:
    """One line about a ticket after a change."""
    return f"#{ticket.number} *{_inert(ticket.title)}* — {ticket.status.value.replace('_', ' ')}, {ticket.priority.value}, team {ticket.team} {ticket.level.value}, assignee {_mention(ticket.assignee)}"


def _list(view: str, *, user: str, db: Database, config: SupportConfig, now: datetime) -> str:
    if view not in ("mine", "queue", "breaching"):
        raise InvalidInput("Use `/ticket list mine`, `/ticket list queue` or `/ticket list breaching`.")
    teams = [name for name, team in config.teams.items() if user in team.members]
    with db.session() as s:
        if view == "mine":
            rows = tickets.list_tickets(s, view="mine", user=user, limit=20)
        elif view == "queue":
            rows = [
                t
                for team in teams or [config.general_team]
                for t in tickets.list_tickets(s, view="queue", team=team, limit=20)
            ]
        else:
            rows = tickets.near_or_past_sla(s, now=now, horizon=timedelta(hours=1), limit=20)
    if not rows:
        return {
            "mine": "You have no open tickets.",
            "queue": "The queue is empty.",
            "breaching": "Nothing is near its SLA.",
        }[view]
    return "\n".join(
        f"• #{t.number} {_inert(t.title)} — {t.status.value.replace('_', ' ')}, {t.priority.value}, {t.team}"
        for t in rows
    )


def _search(text: str, *, user: str, role: str, db: Database) -> str:
    with db.session() as s:
        rows = tickets.search(s, text=text[:200], limit=20)
    if role == "requester":
        rows = [t for t in rows if t.requester == user]
    if not rows:
        return f"No tickets match “{_inert(text[:100])}”."
    return "\n".join(
        f"• #{t.number} {_inert(t.title)} — {t.status.value.replace('_', ' ')}, {t.team}" for t in rows
    )


def _inert(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _show(number: int, *, user: str, role: str, db: Database) -> str:
    with db.session() as s:
        t = tickets.get(s, number=number)
    if role == "requester" and t.requester != user:
        raise PermissionDenied(f"Ticket #{number} is not yours.")
    return (
        f"#{t.number} *{_inert(t.title)}*\nstatus {t.status.value.replace('_', ' ')} · priority {t.priority.value} · "
        f"team {t.team} {t.level.value} · assignee {_mention(t.assignee)} · requester <@{t.requester}>"
    )


def _sla(number: int, *, user: str, role: str, db: Database, config: SupportConfig, now: datetime) -> str:
    """Explain a ticket's SLA: policy, calendar, both clocks with time used, paused and left."""
    from bot.blocks import duration

    with db.session() as s:
        t = tickets.get(s, number=number)
        report = tickets.report_for(config, t, tickets.events_of(s, number), now)
    if role == "requester" and t.requester != user:
        raise PermissionDenied(f"Ticket #{number} is not yours.")
    if report is None:
        return f"#{number} uses SLA policy '{t.sla_policy}', which is no longer configured: no clocks run."
    policy = config.sla.policies[t.sla_policy]
    team = config.teams.get(t.team) or config.teams[config.general_team]
    hours = (
        f"business hours of team {t.team} ({team.timezone}, holidays excluded)"
        if policy.business_hours
        else "24x7 (wall-clock time)"
    )
    lines = [
        f"*#{number} SLA* — policy `{t.sla_policy}`, priority {report.priority.value}, clocks count {hours}."
    ]
    for label, clock in (("First response", report.first_response), ("Resolution", report.resolution)):
        state = {"running": "running", "paused": "paused (waiting on the customer)", "stopped": "stopped"}[
            clock.state
        ]
        if clock.breached:
            outcome = f"*breached* at {clock.breached_at:%a %d %b %H:%M} UTC"
        elif clock.state == "stopped":
            outcome = "met"
        else:
            outcome = f"{duration(clock.left_seconds)} left" + (
                f", due {clock.due_at:%a %d %b %H:%M} UTC" if clock.due_at else ""
            )
        lines.append(
            f"• {label}: target {duration(clock.target_seconds)}, used {duration(clock.used_seconds)}, "
            f"paused {duration(clock.paused_seconds)} — {state}, {outcome}"
        )
    warn = ", ".join(f"{int(f * 100)}%" for f in policy.warn_at)
    lines.append(
        f"Warnings at {warn}; on breach: {', '.join(a.replace('_', ' ') for a in policy.breach_actions)}."
    )
    return "\n".join(lines)


def _mention(user: str | None) -> str:
    return f"<@{user}>" if user else "nobody yet"


def _user_id(text: str) -> str:
    """The user id from '<@U123|name>', '<@U123>' or 'U123'."""
    token = text.strip().split()[0] if text.strip() else ""
    token = token.removeprefix("<@").split("|")[0].rstrip(">")
    if not token.startswith(("U", "W")):
        raise InvalidInput("Say who: `/ticket assign 42 @someone`.")
    return token
