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


def test_under_slacks_rate_limits_every_answer_arrives(running: Running) -> None:
    running.fake.limits.on()  # chat.postMessage: about 1 a second per channel, a burst of 3
    questions = [
        running.slack.say(SUPPORT, CUSTOMER, f"How do I download my invoices as PDF? ({i})")[0]
        for i in range(6)
    ]
    for q in questions:
        running.wait_bot(SUPPORT, thread_ts=q["ts"])
    posts = [c for c in running.fake.calls_to("chat.postMessage") if c.args["channel"] == SUPPORT]
    assert len(running.bot_messages(SUPPORT)) == 6 and not _went_wrong(running)
    assert len(posts) > 6, "Slack answered 429 at least once, and the client waited and sent again"
    assert len(posts) <= 12, "each 429 was retried after its Retry-After, not at once and again"
