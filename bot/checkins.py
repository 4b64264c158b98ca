"""`/checkin add #channel every monday 10:00 "message"`, `/checkin list`, `/checkin remove N`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import select

from bot import access, accounts
from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.models import CheckinRow
from bot.outbox import enqueue
from bot.slack_text import safe
from bot.support import SupportConfig
from bot.support.durations import parse_day_spec

USAGE = (
    'Use `/checkin add #channel every monday 10:00 "message"` (days: monday, mon-fri, daily, sat,sun), '
    "`/checkin list` or `/checkin remove 3`."
)
_ADD = re.compile(
    r"^add\s+<#(?P<channel>[CG][A-Z0-9]+)(?:\|[^>]*)?>\s+every\s+(?P<days>[a-z,\- ]+?)\s+(?P<at>\d{1,2}:\d{2})\s+[\"“](?P<message>.+)[\"”]\s*$",
    re.I | re.S,
)


def handle(text: str, *, user: str, db: Database, config: SupportConfig, now: datetime) -> str:
    """Run one `/checkin` command and return the reply."""
    words = text.strip().split()
    verb = words[0].lower() if words else "help"
    access.require_staff(config, user, doing="see or schedule check-ins")
    if verb == "list":
        return _list(db, config)
    if verb == "add":
        match = _ADD.match(text.strip())
        if not match:
            raise InvalidInput(f"I couldn't read that check-in. {USAGE}")
        try:
            days = parse_day_spec(match["days"].replace(" ", ""))
        except ValueError as exc:
            raise InvalidInput(f"{exc}. {USAGE}") from None
        hour, minute = (int(x) for x in match["at"].split(":"))
        if hour > 23 or minute > 59:
            raise InvalidInput(f"{match['at']} is not a time of day. {USAGE}")
        message = match["message"].strip()[:3000]
        with db.transaction() as s:
            row = CheckinRow(
                channel=match["channel"],
                days=days,
                at=f"{hour:02d}:{minute:02d}",
                message=message,
                created_by=user,
                created_at=now,
            )
            s.add(row)
            s.flush()
            number = row.id
        return f"Check-in #{number} added: <#{match['channel']}> on {_days(days)} at {hour:02d}:{minute:02d} ({config.managers.timezone})."
    if verb == "remove":
        if len(words) < 2 or not re.fullmatch(r"#?[0-9]{1,9}", words[1]):
            raise InvalidInput("Say which one: `/checkin remove 3` (see `/checkin list`).")
        number = int(words[1].lstrip("#"))
        with db.transaction() as s:
            row = s.get(CheckinRow, number)
            if row is None or not row.active:
                raise NotFound(f"There is no check-in #{number}. See `/checkin list`.")
            row.active = False
            s.add(row)
        return f"Check-in #{number} removed."
    return USAGE


def active(db: Database) -> list[CheckinRow]:
    with db.session() as s:
        return list(s.exec(select(CheckinRow).where(CheckinRow.active == True)))  # noqa: E712


def _days(days: list[int]) -> str:
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return "every day" if len(days) == 7 else ", ".join(names[d] for d in days)


def _list(db: Database, config: SupportConfig) -> str:
    lines = [f"• (config) <#{c.channel}> {_days(c.days)} {c.at}: {safe(c.message[:80])}" for c in config.checkins]
    lines += [
        f"• #{r.id} <#{r.channel}> {_days(r.days)} {r.at}: {safe(r.message[:80])} (by <@{r.created_by}>)"
        for r in active(db)
    ]
    return "\n".join(lines) if lines else f"No check-ins yet. {USAGE}"


def onboarding(db: Database, *, config: SupportConfig, channel: str, now: datetime) -> int:
    """Schedule the onboarding check-ins (e.g. day 1, 7, 30) for a new customer channel; once per channel."""
    spec = config.onboarding
    scheduled = 0
    with db.transaction() as s:
        for day in spec.after_days:
            key = f"onboarding:{channel}:{day}"
            if enqueue(
                s,
                key=key,
                channel=channel,
                payload={"text": safe(spec.message)},
                now=now,
                at=now + timedelta(days=day),
            ):
                accounts.checkin_posted(s, config=config, channel=channel, at=now + timedelta(days=day))
                scheduled += 1
    return scheduled
