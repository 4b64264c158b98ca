"""Deskbot when Slack says no: a form whose trigger expired, a token Slack does not accept, a card someone
deleted, a channel archived, reactions already there or gone, and Slack's rate limits."""

from __future__ import annotations

import time

from bot.fakes.simulator import wait_for
from handlers.guard import FORM_TOO_LATE
from tests.slack.conftest import AGENT, CUSTOMER, SUPPORT, Running


def _said_to(running: Running, user: str, channel: str) -> list[str]:
    return [m["text"] for m in running.fake.ephemerals.get(channel, []) if m.get("ephemeral_to") == user]


def _went_wrong(running: Running) -> list[str]:
    return [str(c.args.get("text")) for c in running.fake.calls if "went wrong" in str(c.args.get("text"))]


def test_a_form_slack_no_longer_opens_asks_to_try_again(running: Running) -> None:
    running.fake.triggers.ttl = 0.0  # the handler took longer than Slack's 3 s
    message = running.fake.add_message(SUPPORT, CUSTOMER, "Exports to CSV are empty")
    running.fake.join(SUPPORT, AGENT)
    running.slack.shortcut("create_ticket", message, user=AGENT)
    said = wait_for(lambda: _said_to(running, AGENT, SUPPORT), what="a word to the agent")
    assert said == [FORM_TOO_LATE] and "try again" in FORM_TOO_LATE
    assert running.fake.calls_to("views.open") and not running.fake.views
    assert not _went_wrong(running), "not an error on our side: a new click opens the form"
    running.fake.triggers.ttl = 3.0
    running.slack.shortcut("create_ticket", message, user=AGENT)
    wait_for(lambda: running.fake.views, what="the form, the second time")
    time.sleep(0.2)
    assert _said_to(running, AGENT, SUPPORT) == [FORM_TOO_LATE]
