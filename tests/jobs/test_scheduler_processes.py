"""Scheduled jobs across processes and restarts: one leader at a time, every notification exactly once.

The failover test runs three real scheduler processes against one PostgreSQL database on a clock 60×
faster than real time, SIGKILLs the leader four times, and answers 30% of Slack's chat.postMessage calls
with 429. Every message carries its outbox key in Slack message metadata, so the fake Slack server can
count deliveries per notification.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import outbox, tickets
from bot.cards import ticket_sender
from bot.fakes.slack import FakeSlack
from bot.models import Notification, TicketCreate
from bot.send import slack_already_sent, slack_sender
from bot.support import Priority
from jobs import sla_sweep
from jobs.scheduler import JobContext, jobs_for, serve
from tests.outbox_storm import storm

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday; the premium policy runs 24x7 anyway


class Worker:
    """One `tests.jobs.scheduler_worker` process and whether it says it leads."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.scheduler_worker", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.leader = False
        self.terms = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("leader="):
                self.leader = line.strip() == "leader=True"
                self.terms += self.leader


def _open_tickets(db, config, count: int) -> list[int]:  # noqa: ANN001
    numbers = []
    for i in range(count):
        with db.transaction() as s:
            t = tickets.create(
                s,
                data=TicketCreate(
                    title=f"Enterprise login broken {i}",
                    requester="U0CUSTOM02",
                    channel="C0ENTERPR1",  # enterprise tier: the 24x7 premium policy
                    category="login_access",
                    priority=Priority.HIGH,  # first response 30m: warnings at 50/75/90%
                ),
                actor="U0CUSTOM02",
                config=config,
                now=T0 - timedelta(minutes=2 * i),
            )
            numbers.append(t.number)
    return numbers


@pytest.mark.postgres
@pytest.mark.slow
def test_three_schedulers_leader_killed_and_429s_every_notification_exactly_once(
    pg_db, pg_database_url: str, config
) -> None:
    numbers = _open_tickets(pg_db, config, 12)
    fake = FakeSlack()
    fake.fail_randomly(0.3)
    start = time.time() + 1.0
    args = [pg_database_url, fake.url, T0.isoformat(), str(start), "60"]
    workers = [Worker(args) for _ in range(3)]
    kills = 0
    try:
        for at in (8, 16, 24, 32):  # real seconds = virtual minutes
            time.sleep(max(0.0, start + at - time.time()))
            leader = next((w for w in workers if w.leader and w.proc.poll() is None), None)
            assert leader is not None, "no scheduler is leading"
            leader.proc.send_signal(signal.SIGKILL)
            leader.proc.wait()
            kills += 1
            workers.append(Worker(args))
        time.sleep(max(0.0, start + 40 - time.time()))
        fake.fail_randomly(0)  # Slack recovers; the outbox drains what is still waiting to retry
        time.sleep(max(0.0, start + 48 - time.time()))
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.send_signal(signal.SIGTERM)
        for w in workers:
            w.proc.wait(timeout=30)
    fake.close()

    with pg_db.session() as s:
        rows = list(s.exec(select(Notification)))
    delivered = fake.delivered_keys()
    statuses = Counter(r.status for r in rows)
    rejected = sum(1 for c in fake.calls_to("chat.postMessage")) - sum(delivered.values())
    print(
        f"\n{len(rows)} notifications, {sum(delivered.values())} delivered, {rejected} calls answered 429, "
        f"{kills} leaders killed, {sum(w.terms for w in workers)} leadership terms, statuses {dict(statuses)}"
    )
    assert statuses == {"sent": len(rows)}, statuses
    messages = {r.dedupe_key for r in rows if r.payload.get("kind") != "card"}
    assert messages == {k for k in delivered if not k.startswith("card:")}, (
        "a notification was lost or sent without a row"
    )
    assert {k for k in delivered if k.startswith("card:")} == {f"card:{n}" for n in numbers}, (
        "one card per ticket"
    )
    assert max(delivered.values()) == 1, [k for k, n in delivered.items() if n > 1]
    assert rejected > 0 and kills == 4 and sum(w.terms for w in workers) >= 5
    # None missed: every ticket's first-response breach reached its triage thread and the managers.
    for number in numbers:
        assert f"sla:{number}:first_response:breach:thread" in delivered
        assert f"sla:{number}:first_response:breach:managers" in delivered
        warnings = [k for k in delivered if k.startswith(f"sla:{number}:first_response:warn")]
        assert 1 <= len(warnings) <= 3


def test_restarting_ten_times_never_multiplies_jobs(sqlite_db, config) -> None:
    ctx = JobContext(db=sqlite_db, config=config, client=None, clock=lambda: T0)
    expected = sorted(jobs_for(config))
    for _ in range(10):
        stop = threading.Event()
        seen: list[list[str]] = []

        def started(scheduler, stop=stop, seen=seen) -> None:  # noqa: ANN001
            seen.append(sorted(job.id for job in scheduler.get_jobs()))
            stop.set()

        thread = threading.Thread(
            target=serve, kwargs={"ctx": ctx, "stop": stop, "poll": 0.05, "on_start": started}
        )
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive()
        assert seen == [expected]  # every job (eight), each once, every time
    job = jobs_for(config)["sla_sweep"]
    assert job.trigger.interval == timedelta(minutes=1)


def test_a_scheduler_down_for_five_minutes_catches_up_without_a_burst(db, config) -> None:
    numbers = _open_tickets(db, config, 6)  # ages 0..10 minutes at T0: first response due in 20..30 min
    fake = FakeSlack()
    send = ticket_sender(db=db, config=config, client=_client(fake), clock=lambda: T0)
    check = slack_already_sent(_client(fake))

    def minute(at: datetime) -> None:
        sla_sweep.sla_sweep(db, config=config, now=at)
        outbox.deliver(db, send=send, now=at, already_sent=check)

    for m in range(0, 19):  # up to 09:18, then the scheduler is down until 09:24
        minute(T0 + timedelta(minutes=m))
    before = fake.delivered_keys()
    minute(T0 + timedelta(minutes=24))
    caught_up = fake.delivered_keys() - before
    for m in range(25, 40):
        minute(T0 + timedelta(minutes=m))
    everything = fake.delivered_keys()
    fake.close()

    assert max(everything.values()) == 1
    per_ticket = Counter(k.split(":")[1] for k in caught_up if k.endswith(":thread"))
    assert max(per_ticket.values()) == 1, caught_up  # one alert per ticket after the gap, not a burst
    # tickets 4 and 5 (ages 8 and 10 min) breached during the downtime: told at 09:24, no warning first
    for number in numbers[4:]:
        assert f"sla:{number}:first_response:breach:thread" in caught_up
    for number in numbers:  # nothing missed in the end
        assert f"sla:{number}:first_response:breach:thread" in everything
    assert not [k for k in caught_up if ":warn" in k and int(k.split(":")[1]) in numbers[4:]]


def _client(fake: FakeSlack):  # noqa: ANN202
    from slack_sdk import WebClient

    return WebClient(token="xoxb-test", base_url=fake.url)


def test_a_send_interrupted_by_a_crash_is_not_repeated(sqlite_db) -> None:
    fake = FakeSlack(clock=lambda: T0)  # Slack's message timestamps are the time it was sent
    client = _client(fake)
    with sqlite_db.transaction() as s:
        outbox.enqueue(s, key="k:1", channel="C0TRIAGE01", payload={"text": "breach!"}, now=T0)
    # A deliverer leases the row and gets its message to Slack, then dies before marking it sent.
    [(note_id, in_doubt)] = outbox._lease(sqlite_db, now=T0, limit=10)
    assert not in_doubt
    with sqlite_db.session() as s:
        slack_sender(client)(s.get(Notification, note_id))
    # After the lease runs out another deliverer finds it in doubt, sees it in Slack, and does not resend.
    report = outbox.deliver(
        sqlite_db, send=slack_sender(client), now=T0 + outbox.LEASE, already_sent=slack_already_sent(client)
    )
    assert report.sent == 1 and fake.delivered_keys() == {"k:1": 1}
    fake.close()


def test_an_outbox_storm_of_429s_and_500s_loses_and_repeats_nothing(db) -> None:
    fake = FakeSlack()
    fake.fail_randomly(0.3, server_errors=0.2, seed=7)
    delivered, _ = storm(db, fake, count=120, now=T0, limit=200, max_rounds=400)
    refused = len(fake.calls_to("chat.postMessage")) - sum(delivered.values())
    fake.close()
    assert refused > 30, "the storm did not happen"
    assert set(delivered) == {f"storm:{i}" for i in range(120)} and max(delivered.values()) == 1


def test_a_message_sent_into_a_long_thread_is_found_there() -> None:
    """A review: the check read one page of a thread, oldest first, so in a thread longer than a page
    (15 replies for apps outside the Marketplace) the message just sent was never found, and a send
    interrupted by a crash was repeated."""
    from bot.models import Notification

    fake = FakeSlack(channels=["C0SUPPORT1"], page_max=15, clock=lambda: T0)
    client = _client(fake)
    parent = fake.add_message("C0SUPPORT1", "U0CUSTOM01", "The export is stuck")
    for i in range(20):
        fake.add_message("C0SUPPORT1", "U0AGENT001", f"reply {i}", thread_ts=parent["ts"])
    note = Notification(
        dedupe_key="t:1:thread",
        channel="C0SUPPORT1",
        thread_ts=parent["ts"],
        payload={"text": "Hi"},
        created_at=T0,
    )
    assert not slack_already_sent(client)(note)
    slack_sender(client)(note)
    assert slack_already_sent(client)(note)
    fake.close()


def test_a_message_sent_into_a_busy_channel_is_found_there() -> None:
    """A review: the check read one page of the channel's history, newest first, so when more messages
    than a page (15 for apps outside the Marketplace) came after the send, it was not found and was sent
    again; now every page is read, but only back to when the row was created."""
    now = [T0]
    fake = FakeSlack(channels=["C0SUPPORT1"], page_max=15, clock=lambda: now[0])
    client = _client(fake)
    for i in range(40):  # the channel's past: never read
        fake.add_message("C0SUPPORT1", "U0CUSTOM01", f"old {i}")
    now[0] = T0 + timedelta(hours=1)
    note = Notification(
        dedupe_key="sla:1:breach", channel="C0SUPPORT1", payload={"text": "Breach"}, created_at=now[0]
    )
    assert not slack_already_sent(client)(note)
    slack_sender(client)(note)
    for i in range(20):  # a busy channel: more than a page since the send
        fake.add_message("C0SUPPORT1", "U0CUSTOM01", f"new {i}")
    reads = len(fake.calls_to("conversations.history"))
    assert slack_already_sent(client)(note), "found on the second page"
    pages = fake.calls_to("conversations.history")[reads:]
    assert len(pages) == 2 and all(float(p.args["oldest"]) < now[0].timestamp() for p in pages)
    fake.close()
