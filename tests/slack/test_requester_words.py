"""What the requester hears after the acknowledgement, through the bolt app and the strict fake Slack:
the nudge when the team waits on them."""

from __future__ import annotations

from bot.fakes.simulator import wait_for
from bot.models import Ticket
from tests.slack.conftest import CUSTOMER, MANAGER, SUPPORT, Running, carded


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
