"""End-to-end Slack flows: signed requests in, Web API calls recorded by the fake Slack, database state."""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot import recovery, tickets
from bot.answers import not_helpful
from bot.fakes.simulator import wait_for
from bot.fakes.slack import BOT_USER
from bot.models import Feedback, KbQuery, Note, ProcessedEvent, Status, Ticket
from tests.slack.conftest import AGENT, AGENT2, CUSTOMER, MANAGER, SUPPORT, TRIAGE, Running, carded


def only_ticket(running: Running) -> Ticket:
    rows = carded(running)
    assert len(rows) == 1, rows
    return rows[0]


def card(running: Running, ticket: Ticket) -> dict:
    return next(m for m in running.fake.messages[ticket.triage_channel] if m["ts"] == ticket.triage_ts)


def test_question_in_support_channel_gets_a_cited_answer_and_feedback(running: Running) -> None:
    question, delivery = running.slack.say(SUPPORT, CUSTOMER, "How do I download my invoices as PDF?")
    assert delivery.status == 200
    [answer] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    text = str(answer["blocks"])
    assert "Admin → Billing → Invoices" in text and "help.acme.example/download-invoices" in text
    eyes = [c.args for c in running.fake.calls_to("reactions.add")]
    assert eyes and eyes[0]["name"] == "eyes"
    wait_for(
        lambda: running.fake.calls_to("reactions.remove"), what=":eyes: removed once the answer is posted"
    )
    running.slack.click(answer, "kb_helpful", user=CUSTOMER)
    wait_for(lambda: running.fake.calls_to("chat.update"), what="the thanks")
    with running.db.session() as s:
        feedback = s.exec(select(Feedback)).one()
        query = s.exec(select(KbQuery)).one()
    assert feedback.helpful and feedback.query_id == query.id and query.grounded
    assert "Thanks for the feedback" in str(running.fake.calls_to("chat.update")[-1].args["blocks"])


def test_not_helpful_keeps_the_way_to_a_person(running: Running) -> None:
    question, _ = running.slack.say(SUPPORT, CUSTOMER, "How do I download my invoices as PDF?")
    [answer] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    stale = copy.deepcopy(answer)  # as the customer's client still shows it
    running.slack.click(answer, "kb_not_helpful", user=CUSTOMER)
    running.slack.click(stale, "kb_not_helpful", user=CUSTOMER)  # a double click, or stale buttons
    update = wait_for(lambda: running.fake.calls_to("chat.update")[1:], what="both thanks")[-1].args
    assert "Thanks — we'll use this" in str(update["blocks"])
    buttons = [e["action_id"] for b in update["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["kb_escalate"]  # no second rating, but still a person
    running.slack.click({**answer, "blocks": update["blocks"]}, "kb_escalate", user=CUSTOMER)
    ticket = only_ticket(running)
    assert (
        "invoices as PDF" in ticket.title and "The bot answered from: download-invoices" in ticket.description
    )
    with running.db.session() as s:
        assert not s.exec(select(Feedback)).one().helpful  # one verdict per person and answer
        shown = not_helpful(s, since=running.clock() - timedelta(days=1))
    assert [(g.wording, g.asked, g.offered) for g in shown] == [
        ("How do I download my invoices as PDF?", 1, "download-invoices")
    ]


def test_unknown_question_is_said_plainly_and_talk_to_a_human_opens_a_ticket(running: Running) -> None:
    question, _ = running.slack.say(SUPPORT, CUSTOMER, "Can you recommend a good pizza place in Berlin?")
    [reply] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    assert "couldn't find an answer" in reply["text"]
    running.slack.click(reply, "kb_escalate", user=CUSTOMER)
    ticket = only_ticket(running)
    assert ticket.requester == CUSTOMER and "pizza" in ticket.title
    assert "found nothing in the knowledge base" in ticket.description
    assert (ticket.channel, ticket.thread_ts) == (SUPPORT, question["ts"])
    ack = running.wait_bot(SUPPORT, 2, thread_ts=question["ts"])[-1]
    assert f"Ticket *#{ticket.number}* is open" in ack["text"] and "aim to reply within" in ack["text"]
    with running.db.session() as s:
        assert s.exec(select(KbQuery)).one().ticket_number == ticket.number


def test_a_near_miss_offers_related_articles_and_the_ticket_says_so(running: Running) -> None:
    question, _ = running.slack.say(SUPPORT, CUSTOMER, "my teammate never got the invite email")
    [reply] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    assert "couldn't find an answer" in reply["text"]  # not presented as the answer
    related = next(b for b in reply["blocks"] if b["type"] == "context")
    assert related["elements"][0]["text"] == (
        ":mag: These articles may be related: "
        "<https://help.acme.example/invite-teammates|Invite teammates and manage seats>"
    )
    assert [b["block_id"] for b in reply["blocks"] if b["type"] == "actions"] == ["kb_abstain"]
    running.slack.click(reply, "kb_escalate", user=CUSTOMER)
    ticket = only_ticket(running)
    assert "The bot offered as possibly related: invite-teammates" in ticket.description


def test_agents_work_the_card_and_threads_sync_both_ways(running: Running) -> None:
    question, _ = running.slack.say(
        SUPPORT, CUSTOMER, "My SSO login fails with invalid audience after our Okta change"
    )
    running.wait_bot(SUPPORT, thread_ts=question["ts"])
    command = running.slack.slash(
        "/ticket", "new SSO fails after Okta change", user=CUSTOMER, channel=SUPPORT
    )
    assert command.status == 200
    modal = wait_for(lambda: running.fake.views, what="the modal")
    view = next(iter(modal.values()))
    assert view["title"]["text"] == "New ticket"
    assert view["blocks"][0]["element"]["initial_value"] == "SSO fails after Okta change"
    submitted = running.slack.submit(
        view,
        {
            "description": "Invalid audience since this morning",
            "priority": "high",
            "category": "login_access",
        },
        user=CUSTOMER,
    )
    assert submitted.status == 200
    ticket = only_ticket(running)
    assert (ticket.priority.value, ticket.category, ticket.team) == ("high", "login_access", "support")
    the_card = card(running, ticket)
    assert f"#{ticket.number} SSO fails after Okta change" in str(the_card["blocks"][0])

    # Claim from the card: the card is updated in place.
    running.slack.click(the_card, "ticket_claim", user=AGENT)
    wait_for(
        lambda: f"<@{AGENT}>" in str(card(running, ticket)["blocks"]), what="the card to show the assignee"
    )
    assert running.fake.calls_to("chat.update")[-1].args["ts"] == ticket.triage_ts

    # The agent replies in the card thread: relayed to the requester, first response stamped.
    running.slack.say(
        TRIAGE, AGENT, "Please re-import the IdP metadata and try again.", thread_ts=ticket.triage_ts
    )
    relayed = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "re-import the IdP" in str(m.get("blocks"))],
        what="the relay",
    )
    assert relayed[0]["thread_ts"] == ticket.thread_ts
    running.slack.say(TRIAGE, AGENT, "!note customer is on the enterprise plan", thread_ts=ticket.triage_ts)
    wait_for(lambda: len(_notes(running, ticket)) == 2, what="the internal note")
    assert not [m for m in running.bot_messages(SUPPORT) if "enterprise plan" in str(m.get("blocks"))]
    with running.db.session() as s:
        assert tickets.get(s, number=ticket.number).first_response_at is not None

    # Wait on customer; the requester's reply in their thread resumes the clock and reaches the card thread.
    running.slack.click(card(running, ticket), "ticket_wait", user=AGENT)
    wait_for(lambda: _status(running, ticket) == Status.WAITING, what="waiting on customer")
    running.slack.say(SUPPORT, CUSTOMER, "Done, it works now!", thread_ts=ticket.thread_ts)
    wait_for(lambda: _status(running, ticket) == Status.OPEN, what="the clock to resume")
    wait_for(
        lambda: [m for m in running.bot_messages(TRIAGE) if "it works now" in str(m.get("blocks"))],
        what="relay to card",
    )

    # Resolve: the requester is asked for CSAT; the score lands on the ticket and the card.
    running.slack.click(card(running, ticket), "ticket_resolve", user=AGENT)
    prompt = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "How did we do" in m["text"]], what="CSAT prompt"
    )[0]
    running.slack.click(prompt, "csat_5", user=CUSTOMER)
    wait_for(lambda: _ticket(running, ticket).csat == 5, what="the rating")
    wait_for(lambda: "CSAT ★★★★★" in str(card(running, ticket)["blocks"]), what="CSAT on the card")

    # A reply after resolve (within the reopen window) reopens it.
    running.slack.say(SUPPORT, CUSTOMER, "Sorry, it broke again", thread_ts=ticket.thread_ts)
    wait_for(lambda: _status(running, ticket) == Status.REOPENED, what="the reopen")

    # Commands typed in the card thread act on that ticket.
    running.slack.say(TRIAGE, AGENT, "!resolve", thread_ts=ticket.triage_ts)
    wait_for(lambda: _status(running, ticket) == Status.RESOLVED, what="!resolve in the card thread")


def _ticket(running: Running, ticket: Ticket) -> Ticket:
    with running.db.session() as s:
        return tickets.get(s, number=ticket.number)


def _status(running: Running, ticket: Ticket) -> Status:
    return _ticket(running, ticket).status


def _notes(running: Running, ticket: Ticket) -> list[Note]:
    with running.db.session() as s:
        return list(s.exec(select(Note).where(Note.ticket_number == ticket.number)))


def test_requesters_cannot_work_tickets_and_are_told_why(running: Running) -> None:
    running.slack.slash("/ticket", "new Printer on fire", user=CUSTOMER, channel=SUPPORT)
    view = next(iter(wait_for(lambda: running.fake.views).values()))
    running.slack.submit(view, {}, user=CUSTOMER)
    ticket = only_ticket(running)
    running.slack.click(card(running, ticket), "ticket_resolve", user=CUSTOMER)
    told = wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="the ephemeral refusal")
    assert "Only support agents" in told[0].args["text"] and told[0].args["user"] == CUSTOMER
    assert _status(running, ticket) == Status.NEW
    reply = running.slack.slash("/ticket", f"show {ticket.number}", user="U0STRANGER", channel=SUPPORT).json()
    assert f"no ticket #{ticket.number} of yours" in reply["text"]


def test_concurrent_claim_clicks_have_one_owner(running: Running) -> None:
    running.slack.slash("/ticket", "new Export stuck", user=CUSTOMER, channel=SUPPORT)
    view = next(iter(wait_for(lambda: running.fake.views).values()))
    running.slack.submit(view, {}, user=CUSTOMER)
    ticket = only_ticket(running)
    the_card = card(running, ticket)
    threads = [
        threading.Thread(target=running.slack.click, args=(the_card, "ticket_claim"), kwargs={"user": u})
        for u in (AGENT, AGENT2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    told = wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="the loser told")
    owner = _ticket(running, ticket).assignee
    assert owner in (AGENT, AGENT2)
    loser = told[0].args
    assert loser["user"] != owner and f"<@{owner}>" in loser["text"]


def test_duplicate_event_deliveries_answer_once(running: Running) -> None:
    message = running.fake.add_message(SUPPORT, CUSTOMER, "How do I reset my password?")
    event = {k: v for k, v in message.items()} | {"channel_type": "channel"}
    threads = [
        threading.Thread(target=running.slack.event, args=(event,), kwargs={"event_id": "Ev0DUP", "retry": i})
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    running.wait_bot(SUPPORT, thread_ts=message["ts"])
    import time

    time.sleep(0.5)
    assert len(running.bot_messages(SUPPORT)) == 1
    with running.db.session() as s:
        assert len(s.exec(select(KbQuery)).all()) == 1


def test_forged_and_stale_requests_are_rejected(running: Running) -> None:
    event = {"type": "message", "channel": SUPPORT, "user": CUSTOMER, "text": "hi", "ts": "1.1"}
    assert running.slack.event(event, secret="wrong").status == 401
    assert running.slack.event(event, timestamp=int(__import__("time").time()) - 600).status == 401
    assert not running.fake.calls_to("chat.postMessage")


def test_reaction_and_shortcut_open_tickets_once(running: Running) -> None:
    message = running.fake.add_message(
        SUPPORT, CUSTOMER, "The Jira sync stopped yesterday\nNo issues update since 10:00"
    )
    running.slack.react(message, "ticket", user=AGENT)
    ticket = only_ticket(running)
    assert ticket.title == "The Jira sync stopped yesterday" and ticket.requester == CUSTOMER
    assert ticket.thread_ts == message["ts"]
    running.slack.react(message, "ticket", user=AGENT2)
    wait_for(lambda: running.fake.calls_to("chat.postEphemeral"), what="'already has a ticket'")
    assert len(carded(running)) == 1

    other = running.fake.add_message(SUPPORT, CUSTOMER, "Webhooks are failing with 500")
    running.slack.shortcut("create_ticket", other, user=AGENT)
    view = wait_for(lambda: running.fake.views and list(running.fake.views.values())[-1])
    assert view["blocks"][0]["element"]["initial_value"] == "Webhooks are failing with 500"
    running.slack.submit(view, {}, user=AGENT)
    newest = carded(running, 2)[-1]
    assert newest.requester == CUSTOMER and "archives/" + SUPPORT in newest.description
    assert running.fake.calls_to("chat.getPermalink")


def test_app_home_for_agents_and_managers(running: Running) -> None:
    running.slack.slash("/ticket", "new Billing address wrong", user=CUSTOMER, channel=SUPPORT)
    view = next(iter(wait_for(lambda: running.fake.views).values()))
    running.slack.submit(view, {"category": "login_access"}, user=CUSTOMER)  # the support team claims by hand
    only_ticket(running)
    running.slack.open_home(AGENT)
    home = wait_for(lambda: running.fake.home.get(AGENT), what="the agent's Home")
    text = str(home["blocks"])
    assert "Unassigned queue" in text and "Billing address wrong" in text and "first response in" in text
    running.slack.click({}, "ticket_claim", user=AGENT, view=home)
    wait_for(lambda: only_ticket(running).assignee == AGENT, what="claim from Home")
    running.slack.open_home(MANAGER)
    manager_home = wait_for(lambda: running.fake.home.get(MANAGER), what="the manager's Home")
    assert "Opened" in str(manager_home["blocks"]) and "Today" in str(manager_home["blocks"])


def test_dm_staff_see_internal_docs_customers_do_not(running: Running) -> None:
    question = "Who must approve refunds above 500 EUR?"
    _, _ = running.slack.say("D" + AGENT[1:], AGENT, question)
    [staff] = running.wait_bot("D" + AGENT[1:])
    assert "runbook-refund-approval" in str(staff["blocks"]) or "billing lead" in staff["text"]
    running.slack.say("D" + CUSTOMER[1:], CUSTOMER, question)
    [customer] = running.wait_bot("D" + CUSTOMER[1:])
    assert "billing lead" not in str(customer["blocks"]) and "wiki.acme.internal" not in str(
        customer["blocks"]
    )


def test_mention_in_thread_of_unconfigured_channel_is_answered_once(running: Running) -> None:
    message, _ = running.slack.say(
        "C0RANDOM01", CUSTOMER, f"<@{BOT_USER}> how do I set up two-factor authentication?"
    )
    [answer] = running.wait_bot("C0RANDOM01", thread_ts=message["ts"])
    assert "authenticator" in answer["text"]
    import time

    time.sleep(0.3)
    assert len(running.bot_messages("C0RANDOM01")) == 1
    plain_message, _ = running.slack.say("C0RANDOM01", CUSTOMER, "how do I set up two-factor authentication?")
    time.sleep(0.5)
    assert len(running.bot_messages("C0RANDOM01")) == 1, "mention-only outside support channels"


def test_checkin_command_and_onboarding_sequence(running: Running, config) -> None:
    from datetime import timedelta

    from jobs.reminders import checkins

    added = running.slack.slash(
        "/checkin",
        'add <#C0SUPPORT1|help-acme> every monday 10:00 "Anything blocking you this week?"',
        user=AGENT,
        channel=SUPPORT,
    ).json()["text"]
    assert added.startswith("Check-in #1 added") and "Mon at 10:00" in added
    assert (
        "couldn't read"
        in running.slack.slash("/checkin", "add tomorrow maybe", user=AGENT, channel=SUPPORT).json()["text"]
    )
    assert (
        "Only support agents"
        in running.slack.slash(
            "/checkin", 'add <#C0SUPPORT1> every monday 10:00 "x"', user=CUSTOMER, channel=SUPPORT
        ).json()["text"]
    )
    refused = running.slack.slash("/checkin", "list", user=CUSTOMER, channel=SUPPORT).json()["text"]
    assert "Anything blocking you" not in refused  # customers' check-ins are staff business
    listed = running.slack.slash("/checkin", "list", user=AGENT, channel=SUPPORT).json()["text"]
    assert "Anything blocking you" in listed and "(config)" in listed
    monday = datetime(2026, 12, 7, 9, 3, tzinfo=UTC)  # 10:03 in Berlin
    posted = checkins(running.db, config=config, now=monday)
    assert any("Anything blocking you" in p for p in posted)
    assert checkins(running.db, config=config, now=monday + timedelta(minutes=1)) == [], "once a day"
    assert (
        "removed" in running.slack.slash("/checkin", "remove 1", user=AGENT, channel=SUPPORT).json()["text"]
    )
    assert (
        "There is no check-in #1"
        in running.slack.slash("/checkin", "remove 1", user=AGENT, channel=SUPPORT).json()["text"]
    )

    running.slack.event({"type": "member_joined_channel", "user": BOT_USER, "channel": SUPPORT, "ts": "1.2"})
    wait_for(lambda: _onboarding(running), what="onboarding scheduled")
    due = sorted(n.next_attempt_at for n in _onboarding(running))
    start = running.clock()
    assert [round((d - start).total_seconds() / 86400) for d in due] == [1, 7, 30]


def _onboarding(running: Running) -> list:
    from bot.models import Notification

    with running.db.session() as s:
        return [n for n in s.exec(select(Notification)) if n.dedupe_key.startswith("onboarding:")]


def test_an_event_a_dead_process_left_unfinished_is_redone_once(running: Running) -> None:
    # Another process took this question, acknowledged it to Slack and died: its row is not done.
    message = running.fake.add_message(SUPPORT, CUSTOMER, "How do I download my invoices as PDF?")
    event = {k: v for k, v in message.items() if k != "blocks"} | {"channel_type": "channel"}
    body = running.slack.event_body(event, event_id="EvDied00001")
    with running.db.transaction() as s:
        s.add(
            ProcessedEvent(
                event_id="EvDied00001", received_at=running.clock() - timedelta(minutes=2), body=body
            )
        )
    assert running.slack.event(event, event_id="EvDied00001").status == 200  # a duplicate: dropped
    after = timedelta(seconds=60)
    assert (
        recovery.recover_once(
            running.app, running.db, now=running.clock() - timedelta(minutes=1.5), after=after
        )
        == 0
    )
    assert recovery.recover_once(running.app, running.db, now=running.clock(), after=after) == 1
    [answer] = running.wait_bot(SUPPORT, thread_ts=message["ts"])
    assert "Admin → Billing → Invoices" in str(answer["blocks"])

    def done() -> ProcessedEvent | None:
        with running.db.session() as s:
            row = s.get(ProcessedEvent, "EvDied00001")
        return row if row is not None and row.done_at is not None else None

    row = wait_for(done, what="the event marked done")
    assert row.body is None and row.attempts == 1
    later = running.clock() + timedelta(minutes=5)
    assert recovery.recover_once(running.app, running.db, now=later, after=after) == 0
    assert len(running.wait_bot(SUPPORT, thread_ts=message["ts"])) == 1


def test_handled_events_are_marked_done_and_keep_no_body(running: Running) -> None:
    question, delivery = running.slack.say(SUPPORT, CUSTOMER, "How do I reset my password?")
    running.wait_bot(SUPPORT, thread_ts=question["ts"])
    running.slack.open_home(AGENT)

    def rows() -> list[ProcessedEvent] | None:
        with running.db.session() as s:
            found = list(s.exec(select(ProcessedEvent)))
        return found if len(found) == 2 and all(r.done_at for r in found) else None

    assert all(r.body is None for r in wait_for(rows, what="both events done"))


def test_a_german_requester_is_asked_and_thanked_for_csat_in_german(running: Running) -> None:
    message = running.fake.add_message(
        SUPPORT, CUSTOMER, "Der Export bleibt seit gestern hängen\nKeine Datei kommt mehr an"
    )
    running.slack.react(message, "ticket", user=AGENT)
    [ticket] = carded(running)
    # whichever team the German request went to, a manager may resolve it
    running.slack.click(card(running, ticket), "ticket_resolve", user=MANAGER)
    prompt = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "csat_4" in str(m.get("blocks"))],
        what="CSAT prompt",
    )[-1]
    assert "Wie zufrieden" in prompt["text"] and "How did we do" not in prompt["text"]  # asked in German ...
    running.slack.click(prompt, "csat_4", user=CUSTOMER)
    wait_for(lambda: _ticket(running, ticket).csat == 4, what="the rating")
    thanks = wait_for(
        lambda: [c for c in running.fake.calls_to("chat.update") if "4/5" in c.args["text"]],
        what="the thanks",
    )[-1]
    assert "Danke" in thanks.args["text"] and "You rated" not in thanks.args["text"]  # ... and thanked so


def test_a_question_escalated_keeps_its_words_and_its_language(running: Running) -> None:
    """A German question that became a ticket through *Talk to a human*: the ticket keeps the colleague it
    names (every mention was deleted, the bot's and the colleague's alike), and the requester is asked
    and thanked in German (the bot's English note in the description made every such requester English)."""
    text = f"<@{BOT_USER}> Kann <@{AGENT2}> mir bitte sagen, wo ich in Berlin gute Pizza bestellen kann?"
    question, _ = running.slack.say(SUPPORT, CUSTOMER, text)
    [reply] = running.wait_bot(SUPPORT, thread_ts=question["ts"])
    running.slack.click(reply, "kb_escalate", user=CUSTOMER)
    ticket = only_ticket(running)
    assert ticket.title.startswith(f"Kann <@{AGENT2}> mir bitte sagen") and BOT_USER not in ticket.title
    ack = running.wait_bot(SUPPORT, 2, thread_ts=question["ts"])[-1]
    assert f"Ticket *#{ticket.number}* ist eröffnet" in ack["text"] and "Arbeitszeit" in ack["text"], ack[
        "text"
    ]
    running.slack.click(card(running, ticket), "ticket_resolve", user=MANAGER)
    prompt = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "csat_4" in str(m.get("blocks"))],
        what="CSAT prompt",
    )[-1]
    assert "Wie zufrieden" in prompt["text"] and "How did we do" not in prompt["text"]
