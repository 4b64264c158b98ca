"""`/ticket …` in Slack: parse the text, check the role, run the ticket service, say what happened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import access, tickets, verbs
from bot.db import Database
from bot.errors import InvalidInput, PermissionDenied
from bot.models import Ticket
from bot.slack_text import safe
from bot.support import Priority, SupportConfig

HELP = f"""*Deskbot tickets* — `/ticket <command>`
• `new [title]` — open a ticket (a form opens)
• `mine` · `queue` · `list breaching` — your tickets, your team's unclaimed queue, those near their SLA
• `search words` — find tickets by title or description
• `show N` — a ticket · `sla N` — its SLA clocks explained (policy, business hours, pauses)
{verbs.slash_help()}
• `note N text` — an internal note (support staff)
• `add N @colleague` — let a colleague follow your ticket and reply in its thread as you can
• `help` — this message
{verbs.thread_help()}"""

CHANGES = set(verbs.CHANGE_VERBS)  # run through the desk, which delivers the card refresh after the ack
DRAFTS = set(verbs.VERBS) - CHANGES  # `article`: the desk drafts it after the ack
AGENT_ONLY = CHANGES | DRAFTS | {"note"}


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
    if verb not in AGENT_ONLY and verb not in ("show", "sla", "add"):
        raise InvalidInput(f"I don't know `/ticket {safe(verb[:40])}`.\n{HELP}")
    if len(parts) < 2 or not re.fullmatch(r"#?[0-9]{1,9}", parts[1]):
        raise InvalidInput(f"`/ticket {verb}` needs a ticket number, e.g. `/ticket {verb} 42`.")
    return Command(verb, int(parts[1].lstrip("#")), parts[2] if len(parts) > 2 else "")


def execute(command: Command, *, user: str, db: Database, config: SupportConfig, now: datetime) -> str:
    """Run a parsed command for `user` and return the reply text (BotErrors propagate)."""
    if command.verb == "help":
        return HELP
    who = access.viewer(config, user)
    if command.verb in AGENT_ONLY:
        access.require_staff(config, user, doing="change tickets")
    if command.verb == "list":
        return _list(command.rest, who=who, db=db, config=config, now=now)
    if command.verb == "search":
        return _search(command.rest, user=user, db=db, config=config)
    assert command.number is not None
    if command.verb == "sla":
        return _sla(command.number, user=user, db=db, config=config, now=now)
    if command.verb == "show":
        return _show(command.number, user=user, db=db, config=config)
    if command.verb == "add":
        return _add(
            command.number,
            _user_id(command.rest, usage="/ticket add 42 @colleague"),
            user=user,
            db=db,
            config=config,
            now=now,
        )
    if command.verb in CHANGES | DRAFTS:
        raise InvalidInput(
            f"`/ticket {command.verb}` changes a ticket: the desk runs it (see `change_args`)."
        )
    with db.transaction() as s:
        ticket = tickets.get(s, number=command.number, lock=True)
        access.require_work(config, ticket, user, access.participants(tickets.events_of(s, command.number)))
        tickets.add_note(
            s, number=command.number, author=user, body=command.rest, internal=True, config=config, now=now
        )
    return f"Internal note added to #{command.number}."


def change_args(command: Command) -> dict[str, object]:
    """The extra arguments of a change verb (`assign` → assignee, `priority` → priority)."""
    if command.verb == "assign":
        return {"assignee": _user_id(command.rest, usage="/ticket assign 42 @agent")}
    if command.verb == "priority":
        value = command.rest.strip().lower()
        if value not in {p.value for p in Priority}:
            raise InvalidInput("Priority must be urgent, high, normal or low: `/ticket priority 42 high`.")
        return {"priority": Priority(value)}
    if command.verb == "merge":
        found = re.fullmatch(r"(?:into\s+)?#?([0-9]{1,9})", command.rest.strip(), re.IGNORECASE)
        if found is None:
            raise InvalidInput("Say which ticket it duplicates: `/ticket merge 43 into 42`.")
        return {"into": int(found.group(1))}
    return {}


def summary(ticket: Ticket) -> str:
    """One line about a ticket after a change."""
    if ticket.merged_into is not None:
        return f"#{ticket.number} *{safe(ticket.title, mentions=False)}* is merged into #{ticket.merged_into} (closed)."
    return f"#{ticket.number} *{safe(ticket.title, mentions=False)}* — {ticket.status.value.replace('_', ' ')}, {ticket.priority.value}, team {ticket.team} {ticket.level.value}, assignee {_mention(ticket.assignee)}"


def _list(view: str, *, who: access.Viewer, db: Database, config: SupportConfig, now: datetime) -> str:
    if view not in ("mine", "queue", "breaching"):
        raise InvalidInput("Use `/ticket list mine`, `/ticket list queue` or `/ticket list breaching`.")
    if view != "mine" and not who.staff:
        raise PermissionDenied("The queue is for the support team. `/ticket mine` lists your requests.")
    user = who.user
    with db.session() as s:
        if view == "mine" and not who.staff:
            rows = tickets.list_tickets(s, view="requested", user=user, limit=20)
        elif view == "mine":
            rows = tickets.list_tickets(s, view="mine", user=user, limit=20)
        elif view == "queue":
            rows = [
                t
                for team in access.queue_teams(config, user)
                for t in tickets.list_tickets(s, view="queue", team=team, limit=20)
            ]
        else:
            scope = access.visible_clause(config, user)
            rows = tickets.near_or_past_sla(s, now=now, horizon=timedelta(hours=1), limit=20, visible=scope)
    if not rows:
        return {
            "mine": "You have no open tickets.",
            "queue": "The queue is empty.",
            "breaching": "Nothing is near its SLA.",
        }[view]
    return "\n".join(
        f"• #{t.number} {safe(t.title, mentions=False)} — {t.status.value.replace('_', ' ')}, {t.priority.value}, {t.team}"
        for t in rows
    )


def _search(text: str, *, user: str, db: Database, config: SupportConfig) -> str:
    with db.session() as s:  # only ever reads the tickets the user may see (a requester: their own)
        rows = tickets.search(s, text=text[:200], visible=access.visible_clause(config, user), limit=20)
    if not rows:
        return f"No tickets match “{safe(text[:100])}”."
    return "\n".join(
        f"• #{t.number} {safe(t.title, mentions=False)} — {t.status.value.replace('_', ' ')}, {t.team}"
        for t in rows
    )


def _visible(s: Session, number: int, *, user: str, config: SupportConfig) -> Ticket:
    """The ticket, if `user` may see it (otherwise it is answered like one that does not exist)."""
    ticket = tickets.get(s, number=number)
    access.require_see(config, ticket, user, access.participants(tickets.events_of(s, number)))
    return ticket


def _add(
    number: int, colleague: str, *, user: str, db: Database, config: SupportConfig, now: datetime
) -> str:
    with db.transaction() as s:
        _visible(s, number, user=user, config=config)
        tickets.add_participant(s, number=number, participant=colleague, actor=user, config=config, now=now)
    return f"<@{colleague}> now follows ticket #{number} and can reply in its thread."


def _show(number: int, *, user: str, db: Database, config: SupportConfig) -> str:
    with db.session() as s:
        t = _visible(s, number, user=user, config=config)
    return (
        f"#{t.number} *{safe(t.title, mentions=False)}*\nstatus {t.status.value.replace('_', ' ')} · priority {t.priority.value} · "
        f"team {t.team} {t.level.value} · assignee {_mention(t.assignee)} · requester <@{t.requester}>"
    )


def _sla(number: int, *, user: str, db: Database, config: SupportConfig, now: datetime) -> str:
    """Explain a ticket's SLA: policy, calendar, both clocks with time used, paused and left."""
    from bot.blocks import duration

    with db.session() as s:
        t = _visible(s, number, user=user, config=config)
        report = tickets.report_for(config, t, tickets.events_of(s, number), now)
    if report is None:
        return f"#{number} uses SLA policy '{t.sla_policy}', which is no longer configured: no clocks run."
    policy = config.sla.policies[t.sla_policy]
    team = config.team(t.team)
    hours = (
        f"business hours of team {t.team} ({team.timezone}, holidays excluded)"
        if policy.business_hours
        else "24x7 (wall-clock time)"
    )
    lines = [
        f"*#{number} SLA* — policy `{t.sla_policy}`, priority {report.priority.value}, clocks count {hours}."
    ]
    zone = ZoneInfo(team.timezone)  # the team's clock: the hours the promise is counted in
    place = team.timezone.split("/")[-1].replace("_", " ")
    for label, clock in (("First response", report.first_response), ("Resolution", report.resolution)):
        state = {"running": "running", "paused": "paused (waiting on the customer)", "stopped": "stopped"}[
            clock.state
        ]
        if clock.breached:
            outcome = f"*breached* at {clock.breached_at.astimezone(zone):%a %d %b %H:%M} {place} time"
        elif clock.state == "stopped":
            outcome = "met"
        else:
            outcome = f"{duration(clock.left_seconds)} left" + (
                f", due {clock.due_at.astimezone(zone):%a %d %b %H:%M} {place} time" if clock.due_at else ""
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


def _user_id(text: str, *, usage: str) -> str:
    """The user id from '<@U123|name>', '<@U123>' or 'U123' (W… on Enterprise Grid)."""
    token = text.strip().split()[0] if text.strip() else ""
    token = token.removeprefix("<@").split("|")[0].rstrip(">")
    if not re.fullmatch(r"[UW][A-Z0-9]{2,30}", token):
        raise InvalidInput(f"Say who, as a Slack mention: `{usage}` (type @ and pick the person).")
    return token
