"""The ticket service on SQLite and PostgreSQL: transitions, refusals, audit trail, SLA due times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import tickets
from bot.db import Database
from bot.errors import AlreadyClaimed, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from bot.models import Status, TicketCreate
from bot.support import Priority, SupportConfig

REQUESTER, AGENT, OTHER = "U0CUSTOMER", "U0AGENT001", "U0AGENT002"


def open_ticket(db: Database, config: SupportConfig, clock, **overrides) -> int:
    data = TicketCreate(title="Cannot log in", description="SSO fails", requester=REQUESTER, **overrides)
    with db.transaction() as s:
        return tickets.create(s, data=data, actor=REQUESTER, config=config, now=clock()).number


def test_create_routes_by_category_and_starts_clocks(db: Database, config: SupportConfig, clock) -> None:
    number = open_ticket(db, config, clock, category="bug", channel="C0ENTERPR1", priority=Priority.HIGH)
    with db.session() as s:
        t = tickets.get(s, number=number)
    assert (t.team, t.level, t.status, t.sla_policy) == ("technical", "L2", Status.NEW, "premium")
    assert t.first_response_due == clock() + timedelta(minutes=30)  # premium: 24x7, high = 30 min
    assert t.resolution_due == clock() + timedelta(hours=6)


def test_full_lifecycle_and_audit_trail(db: Database, config: SupportConfig, clock) -> None:
    number = open_ticket(db, config, clock)
    steps = [
        lambda s: tickets.claim(s, number=number, agent=AGENT, config=config, now=clock()),
        lambda s: tickets.add_note(
            s, number=number, author=AGENT, body="Looking", internal=True, config=config, now=clock()
        ),
        lambda s: tickets.add_note(
            s, number=number, author=AGENT, body="Try again?", internal=False, config=config, now=clock()
        ),
        lambda s: tickets.wait_on_customer(s, number=number, actor=AGENT, config=config, now=clock()),
        lambda s: tickets.resume(s, number=number, actor=REQUESTER, config=config, now=clock()),
        lambda s: tickets.escalate(
            s, number=number, actor=AGENT, config=config, now=clock(), reason="needs L2"
        ),
        lambda s: tickets.claim(s, number=number, agent="U0AGENT006", config=config, now=clock()),
        lambda s: tickets.resolve(s, number=number, actor="U0AGENT006", config=config, now=clock()),
        lambda s: tickets.rate(s, number=number, score=5, actor=REQUESTER, config=config, now=clock()),
        lambda s: tickets.close(s, number=number, actor="U0AGENT006", config=config, now=clock()),
    ]
    for step in steps:
        clock.advance(minutes=7)
        with db.transaction() as s:
            step(s)
    with db.session() as s:
        t = tickets.get(s, number=number)
        events = tickets.events_of(s, number)
        assert t.status == Status.CLOSED and t.csat == 5 and t.team == "technical" and t.level == "L2"
        assert t.first_response_at is not None
        assert [e.action for e in events] == [
            "create",
            "claim",
            "note",
            "reply",
            "wait_on_customer",
            "resume",
            "escalate",
            "claim",
            "resolve",
            "rate",
            "close",
        ]
        assert tickets.replay(events) == tickets.snapshot(t)
        escalation = events[6]
        assert escalation.before["team"] == "support" and escalation.after["team"] == "technical"
        assert escalation.after["assignee"] is None and escalation.reason == "needs L2"


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (
            [],
            lambda s, n, c, now: tickets.close(s, number=n, actor=AGENT, config=c, now=now),
            "can't be closed",
        ),
        (
            [],
            lambda s, n, c, now: tickets.reopen(s, number=n, actor=AGENT, config=c, now=now),
            "can't be reopened",
        ),
        ([], lambda s, n, c, now: tickets.resume(s, number=n, actor=AGENT, config=c, now=now), "not waiting"),
        (
            ["resolve"],
            lambda s, n, c, now: tickets.claim(s, number=n, agent=AGENT, config=c, now=now),
            "Reopen it first",
        ),
        (
            ["resolve", "close"],
            lambda s, n, c, now: tickets.reopen(s, number=n, actor=AGENT, config=c, now=now),
            "final",
        ),
        (
            [],
            lambda s, n, c, now: tickets.rate(s, number=n, score=4, actor=REQUESTER, config=c, now=now),
            "once it is resolved",
        ),
    ],
)
def test_refused_transitions_change_nothing(db, config, clock, setup, action, message) -> None:
    number = open_ticket(db, config, clock)
    for name in setup:
        with db.transaction() as s:
            getattr(tickets, name)(s, number=number, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        before = tickets.snapshot(tickets.get(s, number=number))
        count = len(tickets.events_of(s, number))
    with pytest.raises(InvalidTransition, match=message), db.transaction() as s:
        action(s, number, config, clock())
    with db.session() as s:
        assert tickets.snapshot(tickets.get(s, number=number)) == before
        assert len(tickets.events_of(s, number)) == count


def test_claim_by_another_agent_names_the_owner(db, config, clock) -> None:
    number = open_ticket(db, config, clock)
    with db.transaction() as s:
        tickets.claim(s, number=number, agent=AGENT, config=config, now=clock())
    with pytest.raises(AlreadyClaimed) as info, db.transaction() as s:
        tickets.claim(s, number=number, agent=OTHER, config=config, now=clock())
    assert info.value.owner == AGENT and AGENT in info.value.message
    with db.transaction() as s:  # claiming your own ticket again is a no-op, not an error or an event
        tickets.claim(s, number=number, agent=AGENT, config=config, now=clock())
    with db.session() as s:
        assert [e.action for e in tickets.events_of(s, number)] == ["create", "claim"]


def test_bad_input_is_refused_and_nothing_is_written(db, config, clock) -> None:
    with pytest.raises(NotFound, match="#999 does not exist"), db.session() as s:
        tickets.get(s, number=999)
    with pytest.raises(InvalidInput, match="needs a title"), db.transaction() as s:
        tickets.create(
            s,
            data=TicketCreate(title="   ", requester=REQUESTER),
            actor=REQUESTER,
            config=config,
            now=clock(),
        )
    with pytest.raises(InvalidInput, match="Unknown category"), db.transaction() as s:
        tickets.create(
            s,
            data=TicketCreate(title="x", requester=REQUESTER, category="nope"),
            actor=REQUESTER,
            config=config,
            now=clock(),
        )
    number = open_ticket(db, config, clock)
    with pytest.raises(InvalidInput, match="empty"), db.transaction() as s:
        tickets.add_note(s, number=number, author=AGENT, body="  ", internal=True, config=config, now=clock())
    with db.transaction() as s:
        tickets.resolve(s, number=number, actor=AGENT, config=config, now=clock())
    with pytest.raises(PermissionDenied), db.transaction() as s:
        tickets.rate(s, number=number, score=3, actor=OTHER, config=config, now=clock())
    with pytest.raises(InvalidInput, match="1 \\(poor\\) to 5"), db.transaction() as s:
        tickets.rate(s, number=number, score=9, actor=REQUESTER, config=config, now=clock())
    with db.session() as s:
        assert [t.number for t in tickets.search(s)] == [number]


def test_escalate_past_l4_is_refused(db, config, clock) -> None:
    number = open_ticket(db, config, clock)
    for _ in range(3):
        with db.transaction() as s:
            tickets.escalate(s, number=number, actor=AGENT, config=config, now=clock())
    with pytest.raises(InvalidInput, match="already at L4"), db.transaction() as s:
        tickets.escalate(s, number=number, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        assert tickets.get(s, number=number).team == "engineering"


def test_waiting_pauses_and_clears_due_times_then_resume_pushes_them_out(db, config, clock) -> None:
    number = open_ticket(db, config, clock, priority=Priority.URGENT)
    with db.session() as s:
        due = tickets.get(s, number=number).resolution_due
    with db.transaction() as s:
        tickets.wait_on_customer(s, number=number, actor=AGENT, config=config, now=clock())
    with db.session() as s:
        assert tickets.get(s, number=number).resolution_due is None
    clock.advance(hours=2)
    with db.transaction() as s:
        tickets.resume(s, number=number, actor=REQUESTER, config=config, now=clock())
    with db.session() as s:
        assert tickets.get(s, number=number).resolution_due == due + timedelta(hours=2)


def test_queues_and_sla_watch_list(db, config, clock) -> None:
    urgent = open_ticket(db, config, clock, priority=Priority.URGENT)
    low = open_ticket(db, config, clock, priority=Priority.LOW)
    with db.transaction() as s:
        tickets.claim(s, number=low, agent=AGENT, config=config, now=clock())
    with db.session() as s:
        assert [t.number for t in tickets.list_tickets(s, view="queue")] == [urgent]
        assert [t.number for t in tickets.list_tickets(s, view="mine", user=AGENT)] == [low]
        near = tickets.near_or_past_sla(s, now=clock(), horizon=timedelta(minutes=30))
        assert [t.number for t in near] == [urgent]  # urgent first response is due in 30 business minutes
        assert [t.number for t in tickets.search(s, text="log in")] == [low, urgent]
