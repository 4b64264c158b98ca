"""What a German ticket's requester is sent after the acknowledgement, through the ticket service and the
reminders job, as queued in the outbox: the nudge when the team waits on them, the follow-ups and the
auto-resolve notice, the merge notices and the CSAT prompt, all in German (they were English)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot import tickets
from bot.db import Database
from bot.models import Notification, TicketCreate
from bot.support import SupportConfig
from jobs import reminders

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 Berlin
AGENT, MANAGER = "U0AGENT001", "U0MANAGER1"
GERMAN = "Der Export bleibt seit gestern hängen und keine Datei kommt an"


def _open(db: Database, config: SupportConfig, title: str, thread: str) -> int:
    data = TicketCreate(title=title, requester="U0CUSTOM01", channel="C0SUPPORT1", thread_ts=thread)
    with db.transaction() as s:
        number = tickets.create(s, data=data, actor="U0CUSTOM01", config=config, now=T0).number
        assert number is not None
        return number


def _told(db: Database, thread: str) -> list[str]:
    """The texts queued for the requester's thread, in order."""
    with db.session() as s:
        rows = s.exec(
            select(Notification).where(Notification.thread_ts == thread).order_by(col(Notification.id))
        )
        return [str(n.payload.get("text")) + str(n.payload.get("blocks", "")) for n in rows]


def test_a_german_requester_hears_the_wait_the_followups_and_the_auto_resolve_in_german(
    sqlite_db: Database, config: SupportConfig
) -> None:
    number = _open(sqlite_db, config, GERMAN, "1.1")
    with sqlite_db.transaction() as s:
        tickets.claim(s, number=number, agent=AGENT, config=config, now=T0)
        tickets.wait_on_customer(s, number=number, actor=AGENT, config=config, now=T0)
    for days in (1, 2, 3):
        reminders.reminders(sqlite_db, config=config, now=T0 + timedelta(days=days, hours=1))
    told = _told(sqlite_db, "1.1")
    assert len(told) == 4, told
    nudge, first, last, resolved = told
    assert nudge.startswith(f"Das Team wartet auf Ihre Antwort zu Ticket #{number}"), nudge
    assert (
        "Brauchen Sie noch Hilfe?" in first and "Ich brauche noch Hilfe" in first and "Es ist gelöst" in first
    )
    assert "Wenn wir nichts von Ihnen hören" in last
    assert resolved.startswith(f"Ticket #{number} wurde als gelöst markiert"), resolved
    assert not any("the team" in t or "Still need help" in t or "didn't hear back" in t for t in told)


def test_german_requesters_hear_of_merges_in_german(sqlite_db: Database, config: SupportConfig) -> None:
    original = _open(sqlite_db, config, GERMAN, "2.1")
    duplicate = _open(
        sqlite_db, config, "Bei mir hängt der Export auch seit gestern, es kommt nichts an", "2.2"
    )
    with sqlite_db.transaction() as s:
        tickets.merge(s, number=duplicate, into=original, actor=MANAGER, config=config, now=T0)
    with sqlite_db.transaction() as s:
        tickets.resolve(s, number=original, actor=MANAGER, config=config, now=T0 + timedelta(hours=1))
    [joined, prompt] = _told(sqlite_db, "2.1")
    [away, solved] = _told(sqlite_db, "2.2")
    assert "Jemand anderes hat dasselbe Problem gemeldet" in joined, joined
    assert "Wie zufrieden" in prompt, prompt
    assert f"Ihr Ticket *#{duplicate}* betrifft dasselbe Problem wie Ticket *#{original}*" in away, away
    assert f"Ticket *#{original}*, mit dem Ihre Anfrage *#{duplicate}* zusammengeführt wurde" in solved, (
        solved
    )
