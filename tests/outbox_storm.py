"""An outbox storm: notifications queued, then delivered round after round through a Slack that
refuses many calls (429s with Retry-After, 500s). Shared by the CI test and `make reliability`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot import outbox
from bot.db import Database
from bot.fakes.slack import FakeSlack
from bot.send import slack_already_sent, slack_sender


def storm(
    db: Database, fake: FakeSlack, *, count: int, now: datetime, limit: int, max_rounds: int
) -> tuple[Counter[str], int]:
    """Queue `count` notifications and deliver until none is pending; (deliveries per key, rounds)."""
    client = WebClient(token="xoxb-test", base_url=fake.url)
    with db.transaction() as s:
        for i in range(count):
            outbox.enqueue(s, key=f"storm:{i}", channel="C0TRIAGE01", payload={"text": f"n{i}"}, now=now)
    rounds = 0
    while outbox.pending_count(db) and rounds < max_rounds:
        now += timedelta(minutes=5)  # past every Retry-After and backoff (a 429 holds its channel)
        outbox.deliver(
            db, send=slack_sender(client), now=now, limit=limit, already_sent=slack_already_sent(client)
        )
        rounds += 1
    return fake.delivered_keys(), rounds
