"""Property: any sequence of commands leaves a ticket whose state can be rebuilt from its events."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import tickets
from bot.errors import BotError
from bot.models import TicketCreate
from bot.support import Priority

AGENTS = ["U0AGENT001", "U0AGENT002", "U0AGENT006"]
REQUESTER = "U0CUSTOMER"

COMMANDS = {
    "claim": lambda s, n, c, now, who: tickets.claim(s, number=n, agent=who, config=c, now=now),
    "assign": lambda s, n, c, now, who: tickets.assign(
        s, number=n, assignee=who, actor="U0MANAGER1", config=c, now=now
    ),
    "unassign": lambda s, n, c, now, who: tickets.unassign(s, number=n, actor=who, config=c, now=now),
    "priority": lambda s, n, c, now, who: tickets.set_priority(
        s,
        number=n,
        priority=Priority.URGENT if who[-1] == "1" else Priority.LOW,
        actor=who,
        config=c,
        now=now,
    ),
    "category": lambda s, n, c, now, who: tickets.set_category(
        s, number=n, category="billing" if who[-1] == "1" else "bug", actor=who, config=c, now=now
    ),
    "team": lambda s, n, c, now, who: tickets.set_team(
        s, number=n, team="technical", actor=who, config=c, now=now
    ),
    "escalate": lambda s, n, c, now, who: tickets.escalate(s, number=n, actor=who, config=c, now=now),
    "wait": lambda s, n, c, now, who: tickets.wait_on_customer(s, number=n, actor=who, config=c, now=now),
    "resume": lambda s, n, c, now, who: tickets.resume(s, number=n, actor=REQUESTER, config=c, now=now),
    "note": lambda s, n, c, now, who: tickets.add_note(
        s, number=n, author=who, body="note", internal=True, config=c, now=now
    ),
    "reply": lambda s, n, c, now, who: tickets.add_note(
        s, number=n, author=who, body="hi", internal=False, config=c, now=now
    ),
    "resolve": lambda s, n, c, now, who: tickets.resolve(s, number=n, actor=who, config=c, now=now),
    "reopen": lambda s, n, c, now, who: tickets.reopen(s, number=n, actor=REQUESTER, config=c, now=now),
    "close": lambda s, n, c, now, who: tickets.close(s, number=n, actor=who, config=c, now=now),
    "rate": lambda s, n, c, now, who: tickets.rate(s, number=n, score=4, actor=REQUESTER, config=c, now=now),
}

commands = st.lists(
    st.tuples(st.sampled_from(sorted(COMMANDS)), st.sampled_from(AGENTS), st.integers(0, 600)), max_size=25
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=commands)
def test_replay_of_events_equals_stored_ticket(db, config, clock, sequence) -> None:
    now = clock()
    with db.transaction() as s:
        number = tickets.create(
            s, data=TicketCreate(title="t", requester=REQUESTER), actor=REQUESTER, config=config, now=now
        ).number
    for name, who, minutes in sequence:
        now = now + timedelta(minutes=minutes)
        try:
            with db.transaction() as s:
                COMMANDS[name](s, number, config, now, who)
        except BotError:
            pass  # refused: must leave no trace, which the replay below checks too
    with db.session() as s:
        ticket = tickets.get(s, number=number)
        events = tickets.events_of(s, number)
        assert tickets.replay(events) == tickets.snapshot(ticket)
        assert len(events) == ticket.version  # one event per change, nothing else
        fresh = tickets.report_for(config, ticket, events, now)
        from bot.tickets.clocks import due_times

        fresh_due = due_times(fresh)
        assert (fresh_due["first_response_due"], fresh_due["resolution_due"]) == (
            ticket.first_response_due,
            ticket.resolution_due,
        )
        # The breach flags are as of the last change (exact for stopped clocks, which is what the digest reads).
        at_change = due_times(tickets.report_for(config, ticket, events, ticket.updated_at))
        assert (at_change["first_response_breached"], at_change["resolution_breached"]) == (
            ticket.first_response_breached,
            ticket.resolution_breached,
        )
