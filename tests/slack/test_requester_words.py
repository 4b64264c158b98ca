"""What the requester hears after the acknowledgement, through the bolt app and the strict fake Slack:
the nudge when the team waits on them."""

from __future__ import annotations

import copy
import time

import pytest
from slack_sdk import WebClient

from bot import notices
from bot.fakes.simulator import wait_for
from bot.models import Ticket
from tests.slack.conftest import CUSTOMER, CUSTOMER2, MANAGER, SUPPORT, Running, carded


def _card(running: Running, ticket: Ticket) -> dict:
    assert ticket.triage_channel
    return next(m for m in running.fake.messages[ticket.triage_channel] if m["ts"] == ticket.triage_ts)


def test_waiting_on_the_customer_tells_the_requester(running: Running) -> None:
    message = running.fake.add_message(SUPPORT, CUSTOMER, "My export has been stuck since yesterday")
    running.slack.react(message, "ticket", user=MANAGER)
    [ticket] = carded(running)
    running.slack.click(_card(running, ticket), "ticket_wait", user=MANAGER)
    wait_for(lambda: "waiting" in str(_card(running, ticket)["blocks"]), what="the card to show waiting")
    nudge = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "waiting for your reply" in m["text"]] or None,
        what="the requester's nudge",
    )
    assert nudge[0]["thread_ts"] == ticket.thread_ts


def test_a_mention_typed_in_the_new_ticket_modal_pings_nobody(running: Running) -> None:
    """A review: the title "<@U0MANAGER1> Meine Rechnung …" typed in the modal came back in the
    acknowledgement as a live mention of the manager."""
    title = f"<@{MANAGER}> Meine Rechnung für März fehlt leider immer noch"
    running.slack.slash("/ticket", "new", user=CUSTOMER, channel=SUPPORT)
    view = wait_for(lambda: running.slack.views_of(CUSTOMER), what="the New ticket modal")[-1]
    running.slack.submit(view, {"title": title}, user=CUSTOMER)
    [ticket] = carded(running)
    ack = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "ist eröffnet" in m["text"]] or None,
        what="the acknowledgement",
    )[0]
    assert f"@\u2060{MANAGER} Meine Rechnung" in ack["text"], ack["text"]
    for message in [*running.bot_messages(SUPPORT), *running.bot_messages(ticket.triage_channel or "")]:
        assert f"<@{MANAGER}>" not in str(message), message
    # nor in the slash commands' lists and views of it
    for text in ("mine", f"show {ticket.number}", "search Rechnung"):
        reply = running.slack.slash("/ticket", text, user=CUSTOMER, channel=SUPPORT).json()["text"]
        assert f"<@{MANAGER}>" not in reply and "Meine Rechnung" in reply, (text, reply)


def test_a_german_requester_is_told_of_the_wait_in_german(running: Running) -> None:
    message = running.fake.add_message(SUPPORT, CUSTOMER, "Der Export bleibt seit gestern hängen")
    running.slack.react(message, "ticket", user=MANAGER)
    [ticket] = carded(running)
    running.slack.click(_card(running, ticket), "ticket_wait", user=MANAGER)
    nudge = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "wartet auf Ihre Antwort" in m["text"]] or None,
        what="the requester's nudge in German",
    )
    assert nudge[0]["thread_ts"] == ticket.thread_ts
    assert not [m for m in running.bot_messages(SUPPORT) if "waiting for your reply" in m["text"]]


def test_a_german_requester_gets_the_teams_replies_thanks_and_csat_comment_in_german(
    running: Running,
) -> None:

    message = running.fake.add_message(SUPPORT, CUSTOMER, "Der Export bleibt seit gestern hängen")
    running.slack.react(message, "ticket", user=MANAGER)
    [ticket] = carded(running)
    assert ticket.triage_channel and ticket.channel
    # the team's reply, relayed to the requester with the team's label in German
    running.slack.say(
        ticket.triage_channel, MANAGER, "Bitte noch einmal versuchen", thread_ts=ticket.triage_ts
    )
    relayed = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "noch einmal" in str(m.get("blocks"))] or None,
        what="the relay",
    )
    assert f"<@{MANAGER}> (Support):" in str(relayed[0]["blocks"])
    # the requester answers a follow-up: thanked in German
    client = WebClient(token="xoxb-test", base_url=running.fake.url)
    client.chat_postMessage(
        channel=ticket.channel, thread_ts=ticket.thread_ts, **notices.followup(ticket, last=False)
    )
    followup = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "followup_help" in str(m.get("blocks"))] or None,
        what="the follow-up",
    )[-1]
    assert "Ich brauche noch Hilfe" in str(followup["blocks"])
    running.slack.click(followup, "followup_help", user=CUSTOMER)
    thanks = wait_for(
        lambda: (
            [c for c in running.fake.calls_to("chat.update") if c.args.get("ts") == followup["ts"]] or None
        ),
        what="the thanks",
    )[-1]
    assert "Danke – das Team weiß jetzt" in thanks.args["text"], thanks.args["text"]
    # resolved: the CSAT comment modal in German
    running.slack.click(_card(running, ticket), "ticket_resolve", user=MANAGER)
    prompt = wait_for(
        lambda: [m for m in running.bot_messages(SUPPORT) if "csat_comment" in str(m.get("blocks"))] or None,
        what="the CSAT prompt",
    )[-1]
    running.slack.click(prompt, "csat_comment", user=CUSTOMER)
    view = wait_for(lambda: running.slack.views_of(CUSTOMER), what="the comment modal")[-1]
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Ihr Feedback",
        "Senden",
        "Abbrechen",
    )
    assert "Möchten Sie zu Ticket" in view["blocks"][0]["label"]["text"]


def test_someone_else_in_a_requesters_thread_is_told_in_their_language(running: Running) -> None:
    message = running.fake.add_message(SUPPORT, CUSTOMER, "My export has been stuck since yesterday")
    running.slack.react(message, "ticket", user=MANAGER)
    [ticket] = carded(running)
    running.slack.say(
        SUPPORT, CUSTOMER2, "Bei mir hängt der Export auch, könnt ihr helfen?", thread_ts=ticket.thread_ts
    )
    told = wait_for(
        lambda: [c for c in running.fake.calls if "Anfrage einer anderen Person" in str(c.args)] or None,
        what="the refusal in German",
    )
    assert told


ENGLISH_THEN_GERMAN = (
    "Our nightly export job fails with a timeout after about forty minutes and nothing arrives in the "
    "bucket, which breaks our reporting for the whole morning. "
    + "Unser nächtlicher Export schlägt jede Nacht fehl, und wir wissen nicht, woran es liegt. " * 4
    + "Können Sie uns bitte helfen? Wir brauchen die Daten dringend für unsere Berichte."
)


@pytest.mark.parametrize(
    "question",
    ["Zah\u00adlung ab\u00adge\u00adlehnt, bitte hel\u00adfen Sie mir", ENGLISH_THEN_GERMAN],
    ids=["soft-hyphens", "english-then-german"],
)
def test_one_thread_speaks_one_language_from_the_answer_to_the_ticket(
    running: Running, question: str
) -> None:
    """A review: the answer was German, then the ticket's acknowledgement English: each message detected
    the language again, from other text (the question cleaned of soft hyphens; the raw title, clipped to
    200 characters, whose first sentences were English). The ticket records the language once."""
    asked, _ = running.slack.say(SUPPORT, CUSTOMER, question)
    [reply] = running.wait_bot(SUPPORT, thread_ts=asked["ts"])
    assert "Ticket" in str(reply["blocks"]) and (
        "eröffnen" in str(reply["blocks"]) or "Mensch" in str(reply["blocks"])
    )
    running.slack.click(reply, "kb_escalate", user=CUSTOMER)
    [ticket] = carded(running)
    assert ticket.language == "de"
    ack = wait_for(
        lambda: (
            [
                m
                for m in running.bot_messages(SUPPORT)
                if m.get("thread_ts") == asked["ts"] and "#" in m["text"] and m["ts"] != reply["ts"]
            ]
            or None
        ),
        what="the acknowledgement",
    )[-1]
    assert "ist eröffnet" in ack["text"], ack["text"]


def test_half_a_character_in_a_message_loses_nothing(running: Running) -> None:
    """A review: a lone surrogate (JSON may escape half a character) made the question's log write fail,
    so the customer got no reply, and a :ticket: reaction on such a message opened no ticket."""
    asked, _ = running.slack.say(SUPPORT, CUSTOMER, "How do I reset my password? \ud83d")
    assert running.wait_bot(SUPPORT, thread_ts=asked["ts"])
    message = running.fake.add_message(SUPPORT, CUSTOMER2, "The export is stuck \ud83d since yesterday")
    running.slack.react(message, "ticket", user=MANAGER)
    [ticket] = carded(running)
    assert ticket.title.startswith("The export is stuck ? since")
    # and a reply in the ticket's thread is kept (a second review: "Something went wrong", reply lost)
    running.slack.say(SUPPORT, CUSTOMER2, "Still broken \ud83d today", thread_ts=ticket.thread_ts)
    wait_for(
        lambda: (
            running.fake.calls_to("chat.postMessage")
            and any("Still broken ? today" in str(c.args) for c in running.fake.calls_to("chat.postMessage"))
        ),
        what="the reply relayed to the team",
    )
    assert not [m for m in running.fake.ephemerals.get(SUPPORT, []) if ":warning:" in m["text"]]


def test_stale_feedback_buttons_clicked_again_keep_the_message_valid(running: Running) -> None:
    """A review: the thanks an earlier click left was kept and another added, so the update carried two
    'kb_after_feedback' blocks, which Slack refuses (invalid_blocks)."""
    asked, _ = running.slack.say(SUPPORT, CUSTOMER, "How do I download my invoice as a PDF?")
    [reply] = running.wait_bot(SUPPORT, thread_ts=asked["ts"])
    first = copy.deepcopy(reply)
    running.slack.click(reply, "kb_not_helpful", user=CUSTOMER)
    wait_for(lambda: "kb_after_feedback" in str(running.fake.calls_to("chat.update")), what="the thanks")
    thanks = running.fake.calls_to("chat.update")[-1].args["blocks"][-2:]
    stale = dict(first, blocks=[*first["blocks"], *thanks])  # a client that still shows the buttons
    running.slack.click(stale, "kb_not_helpful", user=CUSTOMER)
    wait_for(lambda: len(running.fake.calls_to("chat.update")) >= 2, what="the second update")
    time.sleep(0.5)  # a refused update ends in a warning to the clicker
    warnings = [m for m in running.fake.ephemerals.get(SUPPORT, []) if ":warning:" in m["text"]]
    assert not warnings and not running.fake.unseen_ephemerals.get(SUPPORT), warnings
    [shown] = [m for m in running.fake.messages[SUPPORT] if m["ts"] == reply["ts"]]
    assert [b.get("block_id") for b in shown["blocks"]].count("kb_after_feedback") == 1


def test_a_warning_about_a_new_question_is_shown_where_the_asker_sees_it(running: Running) -> None:
    """A review: when answering a new question failed, the warning went as an ephemeral into the question's
    own thread, which has no replies yet: Slack accepts it and never shows it (chat.postEphemeral)."""
    running.fake.fail_next("chat.postMessage", times=5, status=200, error="fatal_error")
    asked, _ = running.slack.say(SUPPORT, CUSTOMER, "<@U0DESKBOT> how do I reset my password?")
    shown = wait_for(
        lambda: [m for m in running.fake.ephemerals.get(SUPPORT, []) if ":warning:" in m["text"]] or None,
        what="the warning, shown",
    )
    assert shown[0]["ephemeral_to"] == CUSTOMER and not running.fake.unseen_ephemerals.get(SUPPORT)


def test_a_new_ticket_form_that_cannot_open_says_so(running: Running) -> None:
    """A review: /ticket new called views.open before acknowledging the command, so a slow or refused
    views.open (a trigger past its 3 s, `expired_trigger_id`) left the command unanswered and the person
    with a generic error. The command is acknowledged first; a form that cannot open is told."""
    running.fake.fail_next("views.open", status=200, error="expired_trigger_id", retry_after=None)
    delivery = running.slack.slash("/ticket", "new", user=CUSTOMER, channel=SUPPORT)
    assert delivery.status == 200
    told = wait_for(
        lambda: (
            [m for m in running.fake.ephemerals.get(SUPPORT, []) if "could not open" in m["text"]] or None
        ),
        what="the person told",
    )
    assert "expired_trigger_id" in told[0]["text"] and "/ticket new" in told[0]["text"]
