"""The outbox against a strict Slack: what Slack refuses for good fails at once, with a log line and the
row's last_error; only 429s (after Retry-After), 5xx and network errors are retried."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot import outbox
from bot.fakes.slack import FakeSlack
from bot.fakes.strict import manifest_scopes
from bot.models import Notification
from bot.send import slack_sender

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
INSIDE, OUTSIDE, PRIVATE = "C0TRIAGE01", "C0OUTSIDE1", "G0PRIVATE1"


@pytest.fixture
def fake():
    server = FakeSlack(channels=[INSIDE])
    server.add_channel(OUTSIDE, bot=False)
    server.add_channel(PRIVATE, bot=False)
    yield server
    server.close()


def _deliver(db, fake: FakeSlack, *, at: datetime = T0) -> outbox.DeliveryReport:
    return outbox.deliver(db, send=slack_sender(WebClient(token="xoxb-test", base_url=fake.url)), now=at)


def _rows(db) -> dict[str, Notification]:
    with db.session() as s:
        return {n.dedupe_key: n for n in s.exec(select(Notification))}


def test_permanent_errors_fail_at_once_with_a_log_line(db, fake: FakeSlack, caplog) -> None:
    with db.transaction() as s:
        outbox.enqueue(s, key="nowhere", channel="C0NOWHERE", payload={"text": "x"}, now=T0)
        outbox.enqueue(s, key="outside", channel=OUTSIDE, payload={"text": "x"}, now=T0)
        outbox.enqueue(s, key="private", channel=PRIVATE, payload={"text": "x"}, now=T0)
        outbox.enqueue(s, key="inside", channel=INSIDE, payload={"text": "x"}, now=T0)
    with caplog.at_level(logging.ERROR, logger="deskbot.outbox"):
        report = _deliver(db, fake)
    assert (report.sent, report.retried, report.failed) == (1, 0, 3)
    rows = _rows(db)
    assert rows["nowhere"].last_error == "channel_not_found"
    assert rows["outside"].last_error == "not_in_channel"
    assert rows["private"].last_error == "channel_not_found", "a private channel is invisible to outsiders"
    assert {r.status for k, r in rows.items() if k != "inside"} == {"failed"}
    assert sum("failed for good" in r.getMessage() for r in caplog.records) == 3
    assert _deliver(db, fake, at=T0 + timedelta(hours=1)) == outbox.DeliveryReport(), "never tried again"


def test_missing_scope_fails_at_once_and_names_the_scope(db, caplog) -> None:
    fake = FakeSlack(channels=[INSIDE], scopes=manifest_scopes() - {"files:write"})
    try:
        with db.transaction() as s:
            payload = {"content_b64": base64.b64encode(b"png").decode(), "filename": "c.png", "title": "t"}
            outbox.enqueue(s, key="chart", channel=INSIDE, payload=payload, kind="file", now=T0)
        with caplog.at_level(logging.ERROR, logger="deskbot.outbox"):
            assert _deliver(db, fake).failed == 1
        row = _rows(db)["chart"]
        assert row.status == "failed" and row.last_error.startswith("missing_scope (needed files:write")
        assert "files:write" in caplog.text
    finally:
        fake.close()


def test_transient_errors_are_retried(db, fake: FakeSlack) -> None:
    with db.transaction() as s:
        outbox.enqueue(s, key="k", channel=INSIDE, payload={"text": "hello"}, now=T0)
    fake.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=30)
    assert _deliver(db, fake).retried == 1
    assert _deliver(db, fake, at=T0 + timedelta(seconds=20)).sent == 0, "waits Retry-After"
    fake.fail_next("chat.postMessage", status=503, error="service_unavailable", retry_after=None)
    assert _deliver(db, fake, at=T0 + timedelta(seconds=31)).retried == 1
    fake.fail_next("chat.postMessage", status=200, error="internal_error", retry_after=None)
    assert _deliver(db, fake, at=T0 + timedelta(minutes=5)).retried == 1
    assert _deliver(db, fake, at=T0 + timedelta(minutes=20)).sent == 1
    assert _rows(db)["k"].status == "sent"


def test_connection_errors_are_retried(db) -> None:
    gone = FakeSlack(channels=[INSIDE])
    gone.close()  # nothing listens on its port any more
    with db.transaction() as s:
        outbox.enqueue(s, key="k", channel=INSIDE, payload={"text": "hello"}, now=T0)
    report = _deliver(db, gone)
    row = _rows(db)["k"]
    assert report.retried == 1 and row.status == "pending" and row.last_error
    assert _deliver(db, gone, at=T0 + timedelta(days=2)).failed == 1, "given up after 24 hours"


def test_a_refused_token_keeps_the_rows_until_a_valid_one_sends_them(db, fake: FakeSlack, caplog) -> None:
    with db.transaction() as s:
        outbox.enqueue(s, key="breach", channel=INSIDE, payload={"text": "SLA breached on #42"}, now=T0)
    old = slack_sender(WebClient(token="xoxb-revoked", base_url=fake.url))
    with caplog.at_level(logging.ERROR, logger="deskbot.outbox"):
        assert outbox.deliver(db, send=old, now=T0).retried == 1
    row = _rows(db)["breach"]
    assert (row.status, row.last_error) == ("pending", "invalid_auth") and "bot token" in caplog.text
    assert outbox.deliver(db, send=old, now=T0 + timedelta(seconds=10)) == outbox.DeliveryReport(), (
        "backs off"
    )
    assert _deliver(db, fake, at=T0 + timedelta(hours=1)).sent == 1, "the new token sends what waited"
    assert [m["text"] for m in fake.messages[INSIDE]] == ["SLA breached on #42"]


def test_after_a_429_the_channels_other_rows_wait_for_retry_after(db, fake: FakeSlack) -> None:
    fake.add_channel("C0MANAGERS")
    with db.transaction() as s:
        for i in range(3):
            outbox.enqueue(s, key=f"triage-{i}", channel=INSIDE, payload={"text": f"card {i}"}, now=T0)
        outbox.enqueue(s, key="managers", channel="C0MANAGERS", payload={"text": "digest"}, now=T0)
    fake.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=30)
    assert _deliver(db, fake) == outbox.DeliveryReport(sent=1, retried=3)
    asked = [c.args["channel"] for c in fake.calls_to("chat.postMessage")]
    assert asked == [INSIDE, "C0MANAGERS"], "one 429 for the channel, not one per row"
    assert _deliver(db, fake, at=T0 + timedelta(seconds=20)).sent == 0, "all wait Retry-After"
    assert _deliver(db, fake, at=T0 + timedelta(seconds=30)).sent == 3
    assert [m["text"] for m in fake.messages[INSIDE]] == ["card 0", "card 1", "card 2"], "in order"
