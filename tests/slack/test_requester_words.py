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
