"""The requester's acknowledgement promises what the clock will do: outside the team's hours it says
when the team starts, in the team's time zone; a 24x7 policy promises wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import build_client
from bot.config import Settings
from bot.desk import Desk, DeskContext, Request
from bot.fakes.slack import FakeSlack
from bot.support import Priority

TUESDAY_3AM_NEW_YORK = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _ack(db, config, *, category: str, channel: str, priority: Priority | None = None) -> str:  # noqa: ANN001
    fake = FakeSlack()
    try:
        client = build_client(Settings(slack_bot_token="xoxb-test", slack_api_url=fake.url))
        desk = Desk(
            DeskContext(
                config=config, db=db, client=client, answers=lambda: None, clock=lambda: TUESDAY_3AM_NEW_YORK
            )
        )  # type: ignore[arg-type,return-value]
        request = Request(
            title="Exports to CSV are empty?",
            description="",
            requester="U0CUSTOM01",
            actor="U0AGENT006",
            channel=channel,
            category=category,
            priority=priority,
        )
        desk.intake.open(request)
        return next(c.args["text"] for c in fake.calls_to("chat.postMessage") if c.args["channel"] == channel)
    finally:
        fake.close()


def test_outside_the_teams_hours_the_promise_says_when_it_starts(db, config) -> None:
    text = _ack(db, config, category="integrations", channel="C0SUPPORT1")  # technical: New York hours
    assert "from *Tue 09:00* New York time" in text and "of working time" in text
    assert "empty?." not in text and "empty." in text


def test_a_24x7_policy_promises_wall_clock_time(db, config) -> None:
    text = _ack(db, config, category="integrations", channel="C0ENTERPR1", priority=Priority.URGENT)
    assert "We aim to reply within" in text and "of working time" not in text


def test_ticket_sla_tells_due_times_in_the_teams_time_zone(db, config) -> None:
    from bot import slash

    _ack(db, config, category="integrations", channel="C0SUPPORT1")
    text = slash.execute(
        slash.parse("sla 1"), user="U0AGENT006", db=db, config=config, now=TUESDAY_3AM_NEW_YORK
    )
    assert "due Tue 01 Dec 11:00 New York time" in text and "UTC" not in text
