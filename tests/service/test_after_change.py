"""The card is a projection of the ticket: a change from any surface that is not Slack (the SLA sweep's
escalation, the auto-resolve of a silent ticket, a re-offer, `deskbot ticket …`) leaves the card in the
fake Slack showing the new state, posted once and updated once per change, with two deliverers racing
(SQLite and PostgreSQL). The Slack surfaces (buttons, /ticket, thread commands) are in
tests/slack/test_adversarial.py and tests/slack/test_flows.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot import outbox, tickets
from bot.app import build_client
from bot.cards import ticket_sender
from bot.cli import app as cli
from bot.config import Settings
from bot.db import Database
from bot.fakes.slack import FakeSlack
from bot.models import Ticket, TicketCreate
from bot.routing.assign import EveryoneHere, reassign_unacknowledged
from bot.support import SupportConfig
from jobs import reminders, sla_sweep

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 Berlin


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack()
    yield server
    server.close()


def deliver_twice(db: Database, config: SupportConfig, fake: FakeSlack, now: datetime) -> None:
    """Two deliverers drain the outbox at the same time."""
    client = build_client(Settings(slack_bot_token="xoxb-test", slack_api_url=fake.url))
    send = ticket_sender(db=db, config=config, client=client, clock=lambda: now)
    go = threading.Barrier(2)

    def run() -> None:
        go.wait()
        for _ in range(3):
            outbox.deliver(db, send=send, now=now, limit=500)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)


def shows(card: str, ticket: Ticket) -> bool:
    """Whether the card's text shows the ticket's status, level and assignee as they are now."""
    who = f"<@{ticket.assignee}>" if ticket.assignee else "_unassigned_"
    return f"{ticket.status.value.replace('_', ' ')}" in card and ticket.level.value in card and who in card


def card_of(db: Database, fake: FakeSlack, number: int) -> tuple[str, int, int]:
    """The card's text as the fake holds it, how many cards were posted, how many updates it had."""
    with db.session() as s:
        ticket = tickets.get(s, number=number)
    assert ticket.triage_channel and ticket.triage_ts, "the card was never posted"
    posted = [
        c
        for c in fake.calls_to("chat.postMessage")
        if (c.args.get("metadata") or {}).get("event_payload", {}).get("key") == f"card:{number}"
    ]
    updates = [c for c in fake.calls_to("chat.update") if c.args.get("ts") == ticket.triage_ts]
    message = next(m for m in fake.messages[ticket.triage_channel] if m["ts"] == ticket.triage_ts)
    return str(message["blocks"]), len(posted), len(updates)


def open_ticket(db: Database, config: SupportConfig, **kw: str) -> int:
    data = TicketCreate(title=kw.pop("title", "Export broken"), requester="U0CUSTOM01", **kw)
    with db.transaction() as s:
        return tickets.create(s, data=data, actor="U0CUSTOM01", config=config, now=T0).number


def _escalated(db: Database, config: SupportConfig, number: int) -> datetime:
    sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=16))
    return T0 + timedelta(minutes=16)


def _auto_resolved(db: Database, config: SupportConfig, number: int) -> datetime:
    with db.transaction() as s:
        tickets.claim(s, number=number, agent="U0AGENT001", config=config, now=T0)
        tickets.wait_on_customer(s, number=number, actor="U0AGENT001", config=config, now=T0)
    for days in (1, 2, 3):
        reminders.reminders(db, config=config, now=T0 + timedelta(days=days, hours=1))
    return T0 + timedelta(days=3, hours=1)


def _reoffered(db: Database, config: SupportConfig, number: int) -> datetime:
    spec = config.model_copy(update={"routing": config.routing.model_copy(update={"acknowledge_within": 10})})
    with db.transaction() as s:
        tickets.auto_assign(s, number=number, assignee="U0AGENT004", config=spec, now=T0, reason="test")
    reassign_unacknowledged(db, config=spec, now=T0 + timedelta(minutes=30), presence=EveryoneHere())
    return T0 + timedelta(minutes=30)


def _after_the_cli() -> datetime:
    """A delivery time after a CLI change: the CLI stamps its outbox rows with the wall clock, not T0
    (a fixed T0 + 5 min made these tests fail once the real clock passed it)."""
    return max(T0, datetime.now(UTC)) + timedelta(minutes=5)


def _from_the_cli(db: Database, config: SupportConfig, number: int) -> datetime:
    env = {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(cli, ["ticket", "escalate", str(number)], env=env)
    assert result.exit_code == 0, result.output
    return _after_the_cli()


SURFACES: dict[str, tuple[dict[str, str], Callable[[Database, SupportConfig, int], datetime]]] = {
    "sla sweep escalation": ({"channel": "C0ENTERPR1", "priority": "urgent"}, _escalated),
    "auto-resolve": ({"channel": "C0SUPPORT1", "thread_ts": "1.1"}, _auto_resolved),
    "re-offer": ({"team": "billing"}, _reoffered),  # round robin: offered to the other agent
    "deskbot ticket": ({}, _from_the_cli),
}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_change_from_any_surface_refreshes_the_card_once(db, config, fake: FakeSlack, surface: str) -> None:
    fields, change = SURFACES[surface]
    number = open_ticket(db, config, **fields)
    deliver_twice(db, config, fake, T0)
    before, posted, updates = card_of(db, fake, number)
    with db.session() as s:
        old = tickets.get(s, number=number)
    assert posted == 1 and updates == 0 and shows(before, old)
    now = change(db, config, number)
    deliver_twice(db, config, fake, now)
    after, posted, updates = card_of(db, fake, number)
    with db.session() as s:
        new = tickets.get(s, number=number)
    changes = new.version - old.version
    assert changes > 0 and (new.status, new.level, new.assignee) != (old.status, old.level, old.assignee)
    assert shows(after, new), after
    assert posted == 1, "one card per ticket"
    assert 1 <= updates <= changes, (updates, changes)  # never more updates than changes


def test_a_cli_change_shows_in_slack_at_once_when_the_token_is_here(db, config, fake: FakeSlack) -> None:
    """`deskbot ticket …` with the bot token delivers the card itself: no running bot needed to see it."""
    number = open_ticket(db, config)
    deliver_twice(db, config, fake, T0)
    env = {
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake.url,
    }
    result = CliRunner().invoke(cli, ["ticket", "claim", str(number), "--as", "U0AGENT001"], env=env)
    assert result.exit_code == 0, result.output
    assert "Slack: the card updated" in result.output
    card, posted, updates = card_of(db, fake, number)
    with db.session() as s:
        assert shows(card, tickets.get(s, number=number)) and (posted, updates) == (1, 1)


def test_a_cli_change_without_the_token_stays_queued_and_says_so(db, config, fake: FakeSlack) -> None:
    number = open_ticket(db, config)
    env = {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False), "SLACK_BOT_TOKEN": ""}
    result = CliRunner().invoke(cli, ["ticket", "claim", str(number), "--as", "U0AGENT001"], env=env)
    assert result.exit_code == 0, result.output
    assert "Slack: queued" in result.output and not fake.calls
    deliver_twice(db, config, fake, _after_the_cli())  # a running bot delivers it later: nothing was lost
    card, posted, _ = card_of(db, fake, number)
    with db.session() as s:
        assert shows(card, tickets.get(s, number=number)) and posted == 1
