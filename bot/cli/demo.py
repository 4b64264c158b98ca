"""A support day on the sample configuration, driven through the real ticket service, in the terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.rule import Rule

from bot import tickets
from bot.cli.context import Runtime, console
from bot.cli.render import clock_line
from bot.db import Database
from bot.migrations import upgrade
from bot.models import TicketCreate
from bot.support import Priority

DEMO_DB = Path(".deskbot/demo.db")
START = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # Tuesday 09:30 in Berlin


class _DemoClock:
    def __init__(self) -> None:
        self.now = START

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


def run_demo(rt: Runtime) -> None:
    """Play the day and print what each person would see."""
    config = rt.config
    DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
    DEMO_DB.unlink(missing_ok=True)
    db = Database(f"sqlite:///{DEMO_DB}")
    upgrade(db)
    clock = _DemoClock()
    console.print(Rule("Deskbot demo — a support day at Acme Cloud (sample configuration, SQLite)"))
    console.print(
        f"Database: {DEMO_DB}  ·  teams: {', '.join(config.teams)}  ·  clock starts {START:%a %d %b %H:%M} UTC\n"
    )

    def step(text: str) -> None:
        console.print(f"[dim]{clock.now:%a %H:%M} UTC[/]  {text}", highlight=False)

    requests = [
        ("U0CUSTOM01", "C0SUPPORT1", "We were charged twice for November", "billing", Priority.HIGH),
        ("U0CUSTOM02", "C0ENTERPR1", "Production dashboard returns error 500", "bug", Priority.URGENT),
        ("U0CUSTOM03", "C0SUPPORT1", "Password reset email never arrives", "login_access", Priority.NORMAL),
    ]
    numbers = []
    for requester, channel, title, category, priority in requests:
        with db.transaction() as s:
            t = tickets.create(
                s,
                data=TicketCreate(
                    title=title, requester=requester, channel=channel, category=category, priority=priority
                ),
                actor=requester,
                config=config,
                now=clock.now,
            )
        numbers.append(t.number)
        step(
            f"[bold]#{t.number}[/] opened by {requester}: “{title}” → team [cyan]{t.team}[/] {t.level.value}, "
            f"{t.priority.value}, SLA policy {t.sla_policy}"
        )
        clock.advance(minutes=4)
    billing, outage, login = numbers

    with db.transaction() as s:
        tickets.claim(s, number=outage, agent="U0AGENT006", config=config, now=clock.now)
    step(f"U0AGENT006 claims #{outage}")
    try:
        with db.transaction() as s:
            tickets.claim(s, number=outage, agent="U0AGENT007", config=config, now=clock.now)
    except Exception as exc:  # noqa: BLE001 - the point is to show the message
        step(f"U0AGENT007 tries to claim #{outage} too → “{getattr(exc, 'message', exc)}”")
    clock.advance(minutes=6)
    with db.transaction() as s:
        tickets.add_note(
            s,
            number=outage,
            author="U0AGENT006",
            body="Rolling back the 14:00 deploy now.",
            internal=False,
            config=config,
            now=clock.now,
        )
    step(f"U0AGENT006 replies on #{outage} (first response stamped)")
    with db.transaction() as s:
        tickets.escalate(
            s, number=outage, actor="U0AGENT006", config=config, now=clock.now, reason="needs a DB fix"
        )
    step(f"#{outage} escalated to L3 → team engineering, back in their queue")

    with db.transaction() as s:
        tickets.claim(s, number=billing, agent="U0AGENT004", config=config, now=clock.now)
        tickets.wait_on_customer(s, number=billing, actor="U0AGENT004", config=config, now=clock.now)
    step(f"U0AGENT004 claims #{billing} and asks for the invoice number (clock paused)")

    clock.advance(hours=3)
    step(f"[yellow]3 hours later — nobody has answered #{login}[/]")
    with db.session() as s:
        watch = tickets.near_or_past_sla(s, now=clock.now, horizon=timedelta(minutes=30))
        for t in watch:
            report = tickets.report_for(config, t, tickets.events_of(s, t.number), clock.now)
            if report:
                step(f"SLA watch #{t.number} ({t.team}):")
                console.print(clock_line(report.first_response), highlight=False)
                console.print(clock_line(report.resolution), highlight=False)

    with db.transaction() as s:
        tickets.resume(s, number=billing, actor="U0CUSTOM01", config=config, now=clock.now)
        tickets.resolve(
            s, number=billing, actor="U0AGENT004", config=config, now=clock.now, reason="refund issued"
        )
        tickets.rate(s, number=billing, score=5, actor="U0CUSTOM01", config=config, now=clock.now)
    step(f"#{billing}: customer answered, refund issued, resolved, rated 5/5")

    console.print(Rule(f"History of #{outage}"))
    with db.session() as s:
        for event in tickets.events_of(s, outage):
            changed = {k: v for k, v in event.after.items() if k not in ("updated_at", "version")}
            summary = ", ".join(f"{k}={v}" for k, v in changed.items() if event.action != "create")
            console.print(
                f"  {event.at:%H:%M} {event.actor:<11} {event.action:<10} {summary}", highlight=False
            )
    console.print(
        f"\nTry it yourself: [bold]DATABASE_URL=sqlite:///{DEMO_DB} .venv/bin/deskbot ticket list[/] "
        "· `deskbot ticket --help` · `deskbot config check`."
    )
    db.dispose()
