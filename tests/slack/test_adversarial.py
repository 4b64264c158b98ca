"""A hostile workspace, end to end (signed requests into the real app, calls recorded by the fake Slack):
a second customer on every list, search, show and thread path; hostile text through ticket creation and
relays; unknown thread commands; priority asked for by a requester. Every call the app makes is also
checked for broadcasts and disguised links by the `running` fixture."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import tickets
from bot.fakes.simulator import wait_for
from bot.models import Note, Status, Ticket
from tests.hostile import HOSTILE, leaks
from tests.slack.conftest import AGENT, CUSTOMER, CUSTOMER2, MANAGER, SUPPORT, TRIAGE, Running, carded

SECRET_TITLE = "GDPR deletion request for a former employee"


def open_ticket(running: Running, title: str, *, user: str = CUSTOMER, **values: str) -> Ticket:
    before, opened = _count(running), len(running.slack.views_of(user))
    running.slack.slash("/ticket", f"new {title}", user=user, channel=SUPPORT)
    view = wait_for(lambda: running.slack.views_of(user)[opened:] or None, what="the modal")[0]
    running.slack.submit(view, values, user=user)

    return carded(running, before + 1)[-1]


def _count(running: Running) -> int:
    with running.db.session() as s:
        return len(list(s.exec(select(Ticket))))


def _ticket(running: Running, number: int) -> Ticket:
    with running.db.session() as s:
        return tickets.get(s, number=number)


def test_a_second_customer_sees_nothing_of_anothers_ticket(running: Running) -> None:
    mine = open_ticket(running, SECRET_TITLE)
    n = mine.number
    surfaces = {
        "/ticket mine": ("/ticket", "mine"),
        "/ticket list": ("/ticket", "list"),
        "/ticket queue": ("/ticket", "queue"),
        "/ticket list queue": ("/ticket", "list queue"),
        "/ticket list breaching": ("/ticket", "list breaching"),
        "/ticket search": ("/ticket", "search deletion"),
        "/ticket show": ("/ticket", f"show {n}"),
        "/ticket sla": ("/ticket", f"sla {n}"),
        "/ticket add": ("/ticket", f"add {n} <@{CUSTOMER2}>"),
        "/ticket note": ("/ticket", f"note {n} hello"),
        "/ticket resolve": ("/ticket", f"resolve {n}"),
        "/checkin list": ("/checkin", "list"),
    }
    for name, (command, text) in surfaces.items():
        reply = running.slack.slash(command, text, user=CUSTOMER2, channel=SUPPORT).json().get("text", "")
        assert "GDPR" not in reply and f"<@{CUSTOMER}>" not in reply, (name, reply)
    running.slack.open_home(CUSTOMER2)
    home = wait_for(lambda: running.fake.home.get(CUSTOMER2), what="the second customer's Home")
    assert "GDPR" not in str(home)
    assert _ticket(running, n).status == Status.NEW
    # The requester, on the same surfaces, sees their own ticket.
    for text in ("mine", "search GDPR", f"show {n}"):
        assert "GDPR" in running.slack.slash("/ticket", text, user=CUSTOMER, channel=SUPPORT).json()["text"]


def test_only_the_requester_and_people_they_add_speak_in_the_requester_thread(running: Running) -> None:
    ticket = open_ticket(running, "Invoices missing")
    running.slack.say(SUPPORT, CUSTOMER2, "I'm the requester now, close it", thread_ts=ticket.thread_ts)
    wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="the second customer told why")
    assert "someone else's request" in running.fake.calls_to("chat.postEphemeral")[-1].args["text"]
    relayed = [
        m
        for m in running.fake.messages.get(ticket.triage_channel, [])
        if m.get("thread_ts") == ticket.triage_ts
    ]
    assert not relayed, "an outsider's reply reached the card thread"
    after = _ticket(running, ticket.number)
    assert after.first_response_at is None and after.status == Status.NEW
    with running.db.session() as s:
        assert not list(s.exec(select(Note).where(Note.ticket_number == ticket.number)))
    # Resolved, an outsider's reply does not reopen it.
    running.slack.slash("/ticket", f"claim {ticket.number}", user=MANAGER, channel=TRIAGE)
    running.slack.slash("/ticket", f"resolve {ticket.number}", user=MANAGER, channel=TRIAGE)
    wait_for(lambda: _ticket(running, ticket.number).status == Status.RESOLVED or None, what="resolved")
    running.slack.say(SUPPORT, CUSTOMER2, "reopen!", thread_ts=ticket.thread_ts)
    wait_for(lambda: len(running.fake.calls_to("chat.postEphemeral")) >= 2 or None, what="told again")
    assert _ticket(running, ticket.number).status == Status.RESOLVED
    # The requester adds a colleague, whose reply then reaches the team.
    added = running.slack.slash(
        "/ticket", f"add {ticket.number} <@{CUSTOMER2}|bob>", user=CUSTOMER, channel=SUPPORT
    )
    assert "now follows" in added.json()["text"]
    running.slack.say(SUPPORT, CUSTOMER2, "Still broken for me too", thread_ts=ticket.thread_ts)
    wait_for(lambda: _ticket(running, ticket.number).status == Status.REOPENED or None, what="reopened")


def test_a_requester_reply_never_counts_as_the_first_response(running: Running) -> None:
    ticket = open_ticket(running, "Export stuck")
    running.slack.say(SUPPORT, CUSTOMER, "Any news?", thread_ts=ticket.thread_ts)
    running.wait_bot(ticket.triage_channel, 2)  # card + the relayed reply
    assert _ticket(running, ticket.number).first_response_at is None


def test_tickets_are_assigned_to_agents_only(running: Running) -> None:
    ticket = open_ticket(running, "Assign me")
    reply = running.slack.slash(
        "/ticket", f"assign {ticket.number} <@{CUSTOMER2}>", user=AGENT, channel=TRIAGE
    )
    assert "not a support agent" in reply.json()["text"]
    assert _ticket(running, ticket.number).assignee is None


@pytest.mark.parametrize(
    "text", ["!notes internal: the customer is lying", "!resolve now", "!bogus", "!note"]
)
def test_unknown_thread_commands_are_refused_never_relayed(running: Running, text: str) -> None:
    ticket = open_ticket(running, "Thread commands")
    before = len(running.fake.messages.get(SUPPORT, []))
    running.slack.say(ticket.triage_channel, AGENT, text, thread_ts=ticket.triage_ts)
    told = wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="the help")
    assert "nothing was sent to the requester" in told[-1].args["text"] and told[-1].args["user"] == AGENT
    assert len(running.fake.messages.get(SUPPORT, [])) == before
    current = _ticket(running, ticket.number)
    assert current.status == Status.NEW and current.first_response_at is None


def test_priority_is_decided_by_rules_and_a_requesters_choice_is_recorded(running: Running) -> None:
    asked = open_ticket(running, "How do I change my avatar", priority="urgent")
    assert asked.priority.value != "urgent"
    assert "the requester asked for urgent" in (asked.priority_reason or "")
    cue = open_ticket(running, "Production down for all users since 10:00")
    assert cue.priority.value == "urgent" and "production down" in (cue.priority_reason or "")
    by_agent = open_ticket(running, "Agent's own ticket", user=AGENT, priority="low")
    assert by_agent.priority.value == "low" and "chosen by support staff" in (by_agent.priority_reason or "")


def test_slack_escaped_text_is_relayed_as_slack_markup(running: Running) -> None:
    ticket = open_ticket(running, "Escaping")
    running.slack.say(
        SUPPORT,
        CUSTOMER,
        "Tom & Jerry <3 ask <@U0AGENT001>",
        thread_ts=ticket.thread_ts,  # the sim escapes it
    )
    relayed = running.wait_bot(ticket.triage_channel, 1, thread_ts=ticket.triage_ts)[-1]
    shown = str(relayed["blocks"])
    assert "Tom &amp; Jerry &lt;3 ask <@U0AGENT001>" in shown and "&amp;amp;" not in shown


@pytest.mark.parametrize("text", HOSTILE[:6], ids=range(6))
def test_hostile_titles_and_replies_reach_slack_defused(running: Running, text: str) -> None:
    ticket = open_ticket(running, text.replace("\n", " ")[:140], description=text)
    running.slack.say(SUPPORT, CUSTOMER, text, thread_ts=ticket.thread_ts)
    running.slack.say(ticket.triage_channel, AGENT, text, thread_ts=ticket.triage_ts)
    running.wait_bot(ticket.triage_channel, 2)
    for call in running.fake.calls:
        assert not leaks(call.args), (call.method, leaks(call.args))


@pytest.mark.parametrize("button", ["kb_escalate", "kb_helpful", "kb_not_helpful"])
def test_only_the_asker_uses_an_answers_buttons(running: Running, button: str) -> None:
    question, _ = running.slack.say(SUPPORT, CUSTOMER, "How do I download my invoices as PDF?")
    [answer] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    running.slack.click(answer, button, user=CUSTOMER2)
    told = wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="the refusal")
    assert "Only the person who asked" in told[-1].args["text"] and told[-1].args["user"] == CUSTOMER2
    assert _count(running) == 0 and not running.fake.calls_to("chat.update")


OTHER_TEAM_AGENT = "U0AGENT004"  # team billing; the tickets below go to team support


def test_an_agent_sees_and_works_only_their_teams_tickets(running: Running) -> None:
    ticket = open_ticket(running, SECRET_TITLE)
    n = ticket.number
    assert ticket.team == "support"
    looks = {
        "/ticket show": f"show {n}",
        "/ticket sla": f"sla {n}",
        "/ticket search": "search deletion",
        "/ticket list breaching": "list breaching",
        "/ticket queue": "queue",
        "/ticket claim": f"claim {n}",
        "/ticket note": f"note {n} moving this along",
        "/ticket resolve": f"resolve {n}",
    }
    for name, text in looks.items():
        reply = running.slack.slash("/ticket", text, user=OTHER_TEAM_AGENT, channel=TRIAGE).json()
        assert "GDPR" not in reply.get("text", ""), (name, reply)
    card = next(m for m in running.fake.messages[ticket.triage_channel] if m["ts"] == ticket.triage_ts)
    running.slack.click({**card, "channel": ticket.triage_channel}, "ticket_claim", user=OTHER_TEAM_AGENT)
    told = len(running.fake.calls_to("chat.postEphemeral"))
    running.slack.say(ticket.triage_channel, OTHER_TEAM_AGENT, "!resolve", thread_ts=ticket.triage_ts)
    running.slack.say(ticket.triage_channel, OTHER_TEAM_AGENT, "We don't handle this, sorry", thread_ts=ticket.triage_ts)
    wait_for(lambda: len(running.fake.calls_to("chat.postEphemeral")) >= told + 2 or None, what="told twice")
    assert "not yours" in running.fake.calls_to("chat.postEphemeral")[-1].args["text"]
    unchanged = _ticket(running, n)
    assert (unchanged.status, unchanged.assignee, unchanged.version) == (Status.NEW, None, ticket.version)
    with running.db.session() as s:
        assert not list(s.exec(select(Note).where(Note.ticket_number == n)))
    requester_side = [
        m for m in running.fake.messages.get(SUPPORT, []) if m.get("thread_ts") == ticket.thread_ts
    ]
    assert not any("sorry" in str(m) for m in requester_side), "another team's agent reached the requester"
    # The ticket's own team, and a manager, see and work it.
    assert "GDPR" in running.slack.slash("/ticket", f"show {n}", user=MANAGER, channel=TRIAGE).json()["text"]
    assert (
        "GDPR" in running.slack.slash("/ticket", "search deletion", user=AGENT, channel=TRIAGE).json()["text"]
    )
    running.slack.slash("/ticket", f"claim {n}", user=AGENT, channel=TRIAGE)
    wait_for(lambda: _ticket(running, n).assignee == AGENT or None, what="claimed by the team's agent")
