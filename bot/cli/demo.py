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
from bot.support import Priority, SupportConfig

DEMO_DB = Path(".deskbot/demo.db")
START = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # Tuesday 09:30 in Berlin


REQUESTS = [
    ("U0CUSTOM01", "C0SUPPORT1", "We were charged twice for November", "billing", Priority.HIGH),
    ("U0CUSTOM02", "C0ENTERPR1", "Production dashboard returns error 500", "bug", Priority.URGENT),
    ("U0CUSTOM03", "C0SUPPORT1", "Password reset email never arrives", "login_access", Priority.NORMAL),
]


def run_demo(rt: Runtime) -> None:
    """Play the day and print what each person would see."""
    DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
    DEMO_DB.unlink(missing_ok=True)
    db = Database(f"sqlite:///{DEMO_DB}")
    upgrade(db)
    day = _Day(db=db, config=rt.config)
    console.print(Rule("Deskbot demo — a support day at Acme Cloud (sample configuration, SQLite)"))
    console.print(
        f"Database: {DEMO_DB}  ·  teams: {', '.join(rt.config.teams)}  ·  clock starts {START:%a %d %b %H:%M} UTC\n"
    )
    billing, outage, login = day.open_requests()
    day.work_the_outage(outage)
    day.wait_on_billing(billing)
    day.advance(hours=3)
    day.step(f"[yellow]3 hours later — nobody has answered #{login}[/]")
    day.sla_watch()
    day.finish_billing(billing)
    day.history(outage)
    console.print(
        f"\nTry it yourself: [bold]DATABASE_URL=sqlite:///{DEMO_DB} .venv/bin/deskbot ticket list[/] "
        "· `deskbot ticket --help` · `deskbot config check`."
    )
    db.dispose()


class _Day:
    """The demo's support day: each step changes tickets through the service and prints what happened."""

    def __init__(self, *, db: Database, config: SupportConfig) -> None:
        self.db, self.config, self.now = db, config, START

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)

    def step(self, text: str) -> None:
        console.print(f"[dim]{self.now:%a %H:%M} UTC[/]  {text}", highlight=False)

    def open_requests(self) -> list[int]:
        numbers = []
        for requester, channel, title, category, priority in REQUESTS:
            data = TicketCreate(
                title=title, requester=requester, channel=channel, category=category, priority=priority
            )
            with self.db.transaction() as s:
                t = tickets.create(s, data=data, actor=requester, config=self.config, now=self.now)
            assert t.number is not None
            numbers.append(t.number)
            self.step(
                f"[bold]#{t.number}[/] opened by {requester}: “{title}” → team [cyan]{t.team}[/] {t.level.value}, "
                f"{t.priority.value}, SLA policy {t.sla_policy}"
            )
            self.advance(minutes=4)
        return numbers

    def work_the_outage(self, outage: int) -> None:
        config, now = self.config, self.now
        with self.db.transaction() as s:
            tickets.claim(s, number=outage, agent="U0AGENT006", config=config, now=now)
        self.step(f"U0AGENT006 claims #{outage}")
        try:
            with self.db.transaction() as s:
                tickets.claim(s, number=outage, agent="U0AGENT007", config=config, now=now)
        except Exception as exc:  # noqa: BLE001 - the point is to show the message
            self.step(f"U0AGENT007 tries to claim #{outage} too → “{getattr(exc, 'message', exc)}”")
        self.advance(minutes=6)
        reply = "Rolling back the 14:00 deploy now."
        with self.db.transaction() as s:
            tickets.add_note(
                s, number=outage, author="U0AGENT006", body=reply, internal=False, config=config, now=self.now
            )
        self.step(f"U0AGENT006 replies on #{outage} (first response stamped)")
        with self.db.transaction() as s:
            tickets.escalate(
                s, number=outage, actor="U0AGENT006", config=config, now=self.now, reason="needs a DB fix"
            )
        self.step(f"#{outage} escalated to L3 → team engineering, back in their queue")

    def wait_on_billing(self, billing: int) -> None:
        with self.db.transaction() as s:
            tickets.claim(s, number=billing, agent="U0AGENT004", config=self.config, now=self.now)
            tickets.wait_on_customer(s, number=billing, actor="U0AGENT004", config=self.config, now=self.now)
        self.step(f"U0AGENT004 claims #{billing} and asks for the invoice number (clock paused)")

    def sla_watch(self) -> None:
        with self.db.session() as s:
            for t in tickets.near_or_past_sla(s, now=self.now, horizon=timedelta(minutes=30)):
                report = tickets.report_for(self.config, t, tickets.events_of(s, t.number), self.now)
                if report:
                    self.step(f"SLA watch #{t.number} ({t.team}):")
                    console.print(clock_line(report.first_response), highlight=False)
                    console.print(clock_line(report.resolution), highlight=False)

    def finish_billing(self, billing: int) -> None:
        config, now = self.config, self.now
        with self.db.transaction() as s:
            tickets.resume(s, number=billing, actor="U0CUSTOM01", config=config, now=now)
            tickets.resolve(
                s, number=billing, actor="U0AGENT004", config=config, now=now, reason="refund issued"
            )
            tickets.rate(s, number=billing, score=5, actor="U0CUSTOM01", config=config, now=now)
        self.step(f"#{billing}: customer answered, refund issued, resolved, rated 5/5")

    def history(self, number: int) -> None:
        console.print(Rule(f"History of #{number}"))
        with self.db.session() as s:
            for event in tickets.events_of(s, number):
                changed = {k: v for k, v in event.after.items() if k not in ("updated_at", "version")}
                summary = ", ".join(f"{k}={v}" for k, v in changed.items() if event.action != "create")
                console.print(
                    f"  {event.at:%H:%M} {event.actor:<11} {event.action:<10} {summary}", highlight=False
                )
