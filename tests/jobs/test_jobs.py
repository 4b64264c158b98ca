"""Scheduled jobs end to end: outbox delivery to the fake Slack, SLA sweep, digest, reminders, leader lock."""

from __future__ import annotations

import struct
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlmodel import select
from typer.testing import CliRunner

from bot import outbox, tickets
from bot.cards import ticket_sender
from bot.cli import app as cli
from bot.fakes.slack import FakeSlack
from bot.models import KbQuery, Notification, ProcessedEvent, Status, TicketCreate
from bot.send import slack_sender
from bot.slack_limits import problems_in_message
from bot.support import Priority
from jobs import digest, housekeeping, reminders, sla_sweep
from jobs.scheduler import JobContext, LeaderLock, jobs_for, serve

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 Berlin


@pytest.fixture
def fake():
    server = FakeSlack()
    yield server
    server.close()


def client_for(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)  # no inline retries: the outbox retries


def new_ticket(db, config, *, now=T0, **kw) -> int:
    data = TicketCreate(
        title=kw.pop("title", "Export broken"), requester=kw.pop("requester", "U0CUSTOM01"), **kw
    )
    with db.transaction() as s:
        return tickets.create(s, data=data, actor="U0CUSTOM01", config=config, now=now).number


def test_outbox_dedupes_and_retries_until_sent(db, fake: FakeSlack) -> None:
    with db.transaction() as s:
        assert outbox.enqueue(s, key="k1", channel="C1", payload={"text": "hello"}, now=T0)
        assert not outbox.enqueue(s, key="k1", channel="C1", payload={"text": "hello again"}, now=T0)
        assert outbox.enqueue(s, key="k2", channel="C0NOWHERE", payload={"text": "x"}, now=T0)
    fake.fail_next("chat.postMessage", status=429, retry_after=30)
    send = slack_sender(client_for(fake))

    def failing_for_missing_channel(note: Notification) -> None:
        if note.channel == "C0NOWHERE":
            from slack_sdk.errors import SlackApiError

            raise SlackApiError("nope", {"ok": False, "error": "channel_not_found"})
        send(note)

    first = outbox.deliver(db, send=failing_for_missing_channel, now=T0)
    assert (first.sent, first.retried, first.failed) == (0, 1, 1)
    assert outbox.deliver(db, send=failing_for_missing_channel, now=T0 + timedelta(seconds=10)).sent == 0, (
        "waits Retry-After"
    )
    fake.fail_next("chat.postMessage", status=500, error="internal_error", retry_after=None)
    assert outbox.deliver(db, send=failing_for_missing_channel, now=T0 + timedelta(seconds=31)).retried == 1
    assert outbox.deliver(db, send=failing_for_missing_channel, now=T0 + timedelta(minutes=10)).sent == 1
    posted = [c for c in fake.calls_to("chat.postMessage") if c.args.get("text") == "hello"]
    assert len(posted) == 3  # 429, 500, then delivered — and never again
    assert outbox.deliver(db, send=failing_for_missing_channel, now=T0 + timedelta(hours=2)).sent == 0
    with db.session() as s:
        rows = {n.dedupe_key: n for n in s.exec(select(Notification))}
    assert (
        rows["k1"].status == "sent"
        and rows["k2"].status == "failed"
        and rows["k2"].last_error == "channel_not_found"
    )


def test_concurrent_deliverers_send_each_notification_once(db, fake: FakeSlack) -> None:
    with db.transaction() as s:
        for i in range(60):
            outbox.enqueue(s, key=f"n{i}", channel="C1", payload={"text": f"n{i}"}, now=T0)
    send = slack_sender(client_for(fake))
    threads = [
        threading.Thread(target=outbox.deliver, kwargs={"db": db, "send": send, "now": T0, "limit": 7})
        for _ in range(6)
    ]
    for _ in range(3):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threads = [
            threading.Thread(target=outbox.deliver, kwargs={"db": db, "send": send, "now": T0, "limit": 7})
            for _ in range(6)
        ]
    texts = [c.args["text"] for c in fake.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(f"n{i}" for i in range(60)), "every notification exactly once"


def test_sla_sweep_warns_then_breaches_once_with_breach_actions(db, config) -> None:
    number = new_ticket(db, config)  # normal priority: first response 2 business hours
    with db.transaction() as s:
        tickets.claim(s, number=number, agent="U0AGENT001", config=config, now=T0 + timedelta(minutes=5))
    early = sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=60))
    assert (early.warnings, early.breaches) == (0, 0)
    warned = sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=95))
    assert warned.warnings == 1 and any("SLA at 75%" in line for line in warned.lines)
    assert sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=100)).warnings == 0, (
        "never twice"
    )
    dry = sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=125), dry_run=True)
    assert dry.breaches == 1
    breached = sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=125))
    assert breached.breaches == 1, "the dry run wrote nothing"
    with db.session() as s:
        keys = {n.dedupe_key: n for n in s.exec(select(Notification))}
    assert f"sla:{number}:first_response:breach:managers" in keys
    assert keys[f"sla:{number}:first_response:breach:owner"].channel == "U0AGENT001"


def test_premium_breach_raises_the_level(db, config) -> None:
    number = new_ticket(db, config, channel="C0ENTERPR1", priority="urgent")  # premium 24x7: 15 min
    report = sla_sweep.sla_sweep(db, config=config, now=T0 + timedelta(minutes=16))
    assert report.escalated == [number]
    with db.session() as s:
        assert tickets.get(s, number=number).level.value == "L2"


def test_digest_in_sql_with_chart_and_delivery(db, config, fake: FakeSlack, tmp_path: Path) -> None:
    for i in range(6):
        n = new_ticket(db, config, now=T0 - timedelta(days=1) + timedelta(hours=i), title=f"t{i}")
        with db.transaction() as s:
            tickets.add_note(
                s,
                number=n,
                author="U0AGENT001",
                body="on it",
                internal=False,
                config=config,
                now=T0 - timedelta(days=1) + timedelta(hours=i, minutes=30),
            )
            if i < 4:
                tickets.resolve(
                    s,
                    number=n,
                    actor="U0AGENT001",
                    config=config,
                    now=T0 - timedelta(days=1) + timedelta(hours=i + 2),
                )
                tickets.rate(
                    s,
                    number=n,
                    score=4 + i % 2,
                    actor="U0CUSTOM01",
                    config=config,
                    now=T0 - timedelta(days=1) + timedelta(hours=i + 3),
                )
    text, png, queued = digest.digest(db, config=config, now=T0 + timedelta(hours=1), name="daily")
    assert queued and png.startswith(b"\x89PNG")
    assert "Opened *6*" in text and "resolved *4*" in text and "median 30m" in text and "CSAT 4.5/5" in text
    assert "first-contact resolution 100%" in text
    _, _, again = digest.digest(db, config=config, now=T0 + timedelta(hours=1, minutes=5), name="daily")
    assert not again, "one digest per period"
    send = ticket_sender(db=db, config=config, client=client_for(fake), clock=lambda: T0)
    report = outbox.deliver(db, send=send, now=T0 + timedelta(hours=1), key_prefix="digest:")
    assert report.sent == 2
    assert fake.calls_to("files.getUploadURLExternal") and fake.calls_to("files.completeUploadExternal")
    assert (
        fake.files[0]["bytes"].startswith(b"\x89PNG") and fake.files[0]["channel"] == config.managers.channel
    )
    result = CliRunner().invoke(
        cli,
        ["digest", "--preview", "--out", str(tmp_path), "--now", "2026-12-01T09:00:00+00:00"],
        env={"DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False))},
    )
    assert result.exit_code == 0, result.output
    assert "<@" not in result.output  # the terminal shows it as Slack does (@U…), not raw markup
    assert (tmp_path / "digest-daily.png").read_bytes().startswith(b"\x89PNG") and "Opened" in (
        tmp_path / "digest-daily.txt"
    ).read_text()


def test_monthly_digest_covers_the_calendar_month_before(db, config, tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 1 March 08:30 Berlin: the digest covers February (28 days, in a leap-free year), compared with January.
    march = datetime(2027, 3, 1, 8, 30, tzinfo=berlin)
    feb = digest.period_ending(march, name="monthly", timezone="Europe/Berlin")
    assert (feb.start, feb.end) == (datetime(2027, 2, 1, tzinfo=berlin), datetime(2027, 3, 1, tzinfo=berlin))
    assert (feb.previous.start, feb.previous.end) == (datetime(2027, 1, 1, tzinfo=berlin), feb.start)
    # Across a DST change and a year boundary: November's digest ends at local midnight, not UTC.
    nov = digest.period_ending(
        datetime(2026, 12, 1, 7, 30, tzinfo=UTC), name="monthly", timezone="Europe/Berlin"
    )
    assert nov.start.utcoffset() == nov.end.utcoffset() == timedelta(hours=1)
    assert (nov.start.month, nov.end.month, nov.previous.start.month, nov.previous.start.utcoffset()) == (
        11,
        12,
        10,
        timedelta(hours=2),
    )
    with pytest.raises(ValueError, match="daily, weekly, monthly"):
        digest.period_ending(march, name="yearly", timezone="UTC")
    in_nov = [datetime(2026, 11, d, 10, tzinfo=UTC) for d in (1, 15, 30)]  # three in November
    for when in [*in_nov, datetime(2026, 10, 31, 22, 30, tzinfo=UTC)]:  # 23:30 Berlin on 31 Oct: October
        new_ticket(db, config, now=when, title=f"opened {when:%d %b %H:%M}")
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    text, png, queued = digest.digest(db, config=config, now=now, name="monthly")
    assert text.startswith("*Monthly support digest* — November 2026")
    assert "Opened *3* (+200%)" in text and queued and png.startswith(b"\x89PNG")
    _, _, daily = digest.digest(db, config=config, now=now, name="daily")
    assert daily, "the monthly digest does not stand in for the daily one"
    assert not digest.digest(db, config=config, now=now + timedelta(hours=2), name="monthly")[2]
    fire = jobs_for(config)["digest_monthly"].trigger.get_next_fire_time(
        None, datetime(2026, 12, 2, tzinfo=UTC)
    )
    assert fire == datetime(2027, 1, 1, 8, 30, tzinfo=berlin)
    both = CliRunner().invoke(cli, ["digest", "--weekly", "--monthly", "--preview", "--out", str(tmp_path)])
    assert both.exit_code != 0 and "choose one of --weekly and --monthly" in both.output
    result = CliRunner().invoke(
        cli,
        ["digest", "--monthly", "--preview", "--out", str(tmp_path), "--now", "2026-12-01T09:00:00+00:00"],
        env={"DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False))},
    )
    assert result.exit_code == 0, result.output
    assert "Monthly support digest* — November 2026" in (tmp_path / "digest-monthly.txt").read_text()


def test_housekeeping_forgets_old_handled_events_only(db) -> None:
    with db.transaction() as s:
        s.add(
            ProcessedEvent(event_id="old", received_at=T0 - timedelta(days=3), done_at=T0 - timedelta(days=3))
        )
        s.add(
            ProcessedEvent(
                event_id="recent", received_at=T0 - timedelta(hours=5), done_at=T0 - timedelta(hours=5)
            )
        )
        s.add(
            ProcessedEvent(event_id="unfinished", received_at=T0 - timedelta(days=3), body={"event_id": "x"})
        )
    assert housekeeping.prune_events(db, now=T0, dry_run=True) == 1
    assert housekeeping.prune_events(db, now=T0) == 1
    with db.session() as s:
        assert sorted(e.event_id for e in s.exec(select(ProcessedEvent))) == ["recent", "unfinished"]


def test_reminders_followups_and_auto_resolve(db, config) -> None:
    unclaimed = new_ticket(db, config, title="Nobody took me")
    waiting = new_ticket(db, config, title="Need your logs", channel="C0SUPPORT1", thread_ts="1.1")
    with db.transaction() as s:
        tickets.claim(s, number=waiting, agent="U0AGENT001", config=config, now=T0)
        tickets.wait_on_customer(s, number=waiting, actor="U0AGENT001", config=config, now=T0)
    first = reminders.reminders(db, config=config, now=T0 + timedelta(minutes=45))
    assert first.unclaimed == 1 and first.followups == 0
    assert reminders.reminders(db, config=config, now=T0 + timedelta(minutes=50)).unclaimed == 0
    day1 = reminders.reminders(db, config=config, now=T0 + timedelta(days=1, hours=1))
    assert day1.followups == 1 and "Still need help?" in day1.lines[-1]
    day2 = reminders.reminders(db, config=config, now=T0 + timedelta(days=2, hours=1))
    assert day2.followups == 1
    day3 = reminders.reminders(db, config=config, now=T0 + timedelta(days=3, hours=1))
    assert day3.auto_resolved == [waiting]
    with db.session() as s:
        assert tickets.get(s, number=waiting).status == Status.RESOLVED
        assert tickets.get(s, number=unclaimed).status == Status.NEW


def test_jobs_have_explicit_ids_and_config_times(config) -> None:
    jobs = jobs_for(config)
    assert {
        "sla_sweep",
        "deliver_notifications",
        "digest_daily",
        "digest_weekly",
        "digest_monthly",
        "reminders",
        "checkins",
    } <= set(jobs)
    nxt = jobs["digest_daily"].trigger.get_next_fire_time(None, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert (nxt.hour, nxt.minute, str(nxt.tzinfo)) == (8, 30, "Europe/Berlin")


def test_only_one_leader_and_failover(db, config) -> None:
    first, second = LeaderLock(db), LeaderLock(db)
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    ctx = JobContext(db=db, config=config, client=None)
    leaders: list[str] = []
    stop_a, stop_b = threading.Event(), threading.Event()
    a = threading.Thread(
        target=serve,
        kwargs={"ctx": ctx, "stop": stop_a, "poll": 0.2, "on_leader": lambda on: leaders.append(f"a{on}")},
    )
    a.start()
    _wait(lambda: "aTrue" in leaders)
    b = threading.Thread(
        target=serve,
        kwargs={"ctx": ctx, "stop": stop_b, "poll": 0.2, "on_leader": lambda on: leaders.append(f"b{on}")},
    )
    b.start()
    import time

    time.sleep(0.6)
    assert "bTrue" not in leaders
    stop_a.set()
    a.join(10)
    _wait(lambda: "bTrue" in leaders)
    stop_b.set()
    b.join(10)
    assert leaders[:3] == ["aTrue", "aFalse", "bTrue"]


def _wait(check, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_jobs_cli_dry_run(db, config) -> None:
    new_ticket(db, config)
    env = {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    runner = CliRunner()
    listed = runner.invoke(cli, ["jobs", "list"], env=env)
    assert "sla_sweep" in listed.output and "digest_daily" in listed.output
    with db.session() as s:
        queued = s.exec(select(Notification)).all()  # the new ticket's card
    dry = runner.invoke(
        cli, ["jobs", "run", "sla_sweep", "--dry-run", "--now", "2026-12-01T11:00:00+00:00"], env=env
    )
    assert dry.exit_code == 0 and "(dry run) 1 ticket checked: 0 warnings, 1 breach" in dry.output
    assert "[dim]" not in dry.output
    with db.session() as s:
        assert s.exec(select(Notification)).all() == queued
    unknown = runner.invoke(cli, ["jobs", "run", "nope"], env=env)
    assert unknown.exit_code == 1 and "no job named 'nope'" in unknown.output


def test_digest_figures_match_a_hand_computed_day(db, config) -> None:
    """Monday 30 Nov 2026 (Europe/Berlin), worked out by hand; percentiles are lower nearest-rank."""
    day = datetime(2026, 11, 30, tzinfo=UTC)

    def story(title, opened, priority, *, agent=None, replies=(), resolved=None, csat=None) -> int:  # noqa: ANN001
        n = new_ticket(
            db, config, now=opened, title=title, category="login_access", priority=Priority(priority)
        )
        with db.transaction() as s:
            if agent:
                tickets.claim(s, number=n, agent=agent, config=config, now=opened + timedelta(minutes=1))
            for minutes in replies:
                tickets.add_note(
                    s,
                    number=n,
                    author=agent,
                    body="reply",
                    internal=False,
                    config=config,
                    now=opened + timedelta(minutes=minutes),
                )
            if resolved is not None:
                tickets.resolve(
                    s, number=n, actor=agent, config=config, now=opened + timedelta(minutes=resolved)
                )
            if csat is not None:
                tickets.rate(
                    s,
                    number=n,
                    score=csat,
                    actor="U0CUSTOM01",
                    config=config,
                    now=opened + timedelta(hours=5),
                )
        return n

    a1, a2 = "U0AGENT001", "U0AGENT002"
    a = story("A", day + timedelta(hours=8), "normal", agent=a1, replies=[10], resolved=60, csat=5)
    story("B", day + timedelta(hours=9), "normal", agent=a1, replies=[20, 40], resolved=180, csat=3)
    story(
        "C", day + timedelta(hours=10), "urgent", agent=a2, replies=[45], resolved=120
    )  # 30m FR target: breached
    story("D", day + timedelta(hours=11), "normal", agent=a1, replies=[40])
    story("E", day + timedelta(hours=12), "high", agent=a2, replies=[50])
    story("F", day + timedelta(hours=13), "urgent")
    story(
        "G", day - timedelta(hours=14), "normal", agent=a2, replies=[30], resolved=23 * 60 + 30
    )  # Sunday → Monday
    story("H", day - timedelta(days=10), "low")  # open for more than a week
    with db.transaction() as s:
        for question, grounded, ticket in [
            ("How do I reset my password?", True, None),
            ("Where is my invoice?", True, None),
            ("How do I add SSO?", True, a),
            ("Can I pay in CHF?", False, None),
            ("can I pay in CHF?", False, None),
            ("How can I pay in CHF?", False, None),  # the same words: counted with the two above
            ("Can I pay in CHF?", False, None),
            ("Do you support Okta SCIM?", False, None),
        ]:
            s.add(
                KbQuery(
                    question=question,
                    grounded=grounded,
                    ticket_number=ticket,
                    created_at=day + timedelta(hours=9),
                )
            )

    figures = digest.compute(db, digest.period_ending(T0, name="daily", timezone="Europe/Berlin"))
    minutes = lambda m: m * 60  # noqa: E731
    assert figures == {
        "opened": 6,  # A–F (G opened on Sunday, H ten days ago)
        "resolved": 4,  # A, B, C, G
        "backlog": {"normal": 1, "high": 1, "urgent": 1, "low": 1},  # D, E, F, H
        "backlog_older_than_7d": 1,  # H
        "first_response_median_s": minutes(40),  # A10 B20 D40 C45 E50 (G replied on Sunday)
        "first_response_p90_s": minutes(45),
        "resolution_median_s": minutes(120),  # A60 C120 B180 G1410
        "resolution_p90_s": minutes(180),
        "sla_compliance": 0.75,  # C missed its first response
        "csat_average": 4.0,  # A 5, B 3
        "csat_response_rate": 0.5,
        "questions": 8,
        "answered_by_bot": 3,
        "deflected": 2,
        "deflection": 0.25,  # two answered questions (of 8) did not become tickets
        "resolutions": {
            "resolutions": 4,  # A, B, C, G
            "confirmed": 2,  # A and B were rated
            "assumed": 2,  # C and G: nobody confirmed
            "auto_resolved": 0,
            "reopened": 0,
            "reopen_rate": 0.0,
            "first_contact": 3,  # B needed two replies
            "first_contact_resolution": 0.75,
        },
        "top_unanswered": [("Can I pay in CHF?", 4), ("Do you support Okta SCIM?", 1)],
        # none was marked Not helpful, but one answer was followed by a ticket ("Talk to a human")
        "not_helpful": [("How do I add SSO?", 1, None)],
        "teams": {"support": {"opened": 6, "resolved": 4, "open": 4}},
        "agents": {a1: 2, a2: 2},
    }
    text, png, _ = digest.digest(db, config=config, now=T0, name="daily", dry_run=True)
    assert problems_in_message({"channel": "C0MANAGERS", "text": text}) == [] and "Opened *6*" in text
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and (width, height) == digest.CHART_SIZE_PX


def _alert_times(
    db, config, start: datetime, end: datetime, step=timedelta(minutes=15)
) -> dict[str, datetime]:  # noqa: ANN001
    """Sweep like the scheduler from `start` to `end`; when each alert was first produced."""
    first: dict[str, datetime] = {}
    now = start
    while now <= end:
        sla_sweep.sla_sweep(db, config=config, now=now)
        with db.session() as s:
            for key in s.exec(
                select(Notification.dedupe_key).where(Notification.dedupe_key.like("%:thread"))
            ):
                first.setdefault(key.removesuffix(":thread"), now)
        now += step
    return first


def test_sweep_alerts_at_the_right_minute_across_dst_holidays_and_pauses(db, config) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    at = lambda *a: datetime(*a, tzinfo=berlin).astimezone(UTC)  # noqa: E731
    # Friday before the October DST change, 30 working minutes left that day (support: mon-fri 08-18).
    dst = new_ticket(
        db, config, now=at(2026, 10, 23, 17, 30), category="login_access", priority=Priority.NORMAL
    )
    alerts = _alert_times(db, config, at(2026, 10, 23, 17, 30), at(2026, 10, 26, 11, 0))
    assert alerts[f"sla:{dst}:first_response:warn75"] == at(2026, 10, 26, 9, 0)  # 1h30 of 2h, Monday CET
    assert alerts[f"sla:{dst}:first_response:breach"] == at(2026, 10, 26, 9, 30)

    # Wednesday 23 December 17:00: 24–26 December are holidays, then the weekend.
    xmas = new_ticket(
        db, config, now=at(2026, 12, 23, 17, 0), category="login_access", priority=Priority.NORMAL
    )
    alerts = _alert_times(db, config, at(2026, 12, 23, 17, 0), at(2026, 12, 28, 10, 0))
    assert alerts[f"sla:{xmas}:first_response:warn75"] == at(2026, 12, 28, 8, 30)
    assert alerts[f"sla:{xmas}:first_response:breach"] == at(2026, 12, 28, 9, 0)

    # Waiting on the customer pauses the resolution clock (12h of working time for normal).
    paused = new_ticket(
        db, config, now=at(2026, 11, 30, 9, 0), category="login_access", priority=Priority.NORMAL
    )
    with db.transaction() as s:
        tickets.claim(s, number=paused, agent="U0AGENT001", config=config, now=at(2026, 11, 30, 9, 5))
        tickets.add_note(
            s,
            number=paused,
            author="U0AGENT001",
            body="logs?",
            internal=False,
            config=config,
            now=at(2026, 11, 30, 9, 10),
        )
        tickets.wait_on_customer(
            s, number=paused, actor="U0AGENT001", config=config, now=at(2026, 11, 30, 10, 0)
        )
        tickets.resume(s, number=paused, actor="U0CUSTOM01", config=config, now=at(2026, 11, 30, 14, 0))
    alerts = _alert_times(db, config, at(2026, 11, 30, 14, 0), at(2026, 12, 1, 16, 0))
    assert alerts[f"sla:{paused}:resolution:warn75"] == at(2026, 12, 1, 12, 0)  # 1h + 4h Monday + 4h Tuesday
    assert alerts[f"sla:{paused}:resolution:breach"] == at(2026, 12, 1, 15, 0)
    assert f"sla:{paused}:first_response:breach" not in alerts


@pytest.mark.parametrize(
    "opened, backlog",
    [
        ([0] * 7, {}),
        ([0] * 31, {}),
        ([1, 0, 3, 0, 0, 2, 0], {"urgent": 1, "low": 40}),
        ([250] * 7, {"high": 9}),
    ],
)
def test_the_digest_chart_reads_cleanly_even_when_empty(opened: list[int], backlog: dict[str, int]) -> None:
    """Whole-number axes from zero and tick labels that never overlap, for an empty week and a busy one."""
    labels = [f"Mon {i + 1:02d}" for i in range(len(opened))]
    fig = digest.chart_figure(labels, opened, opened[::-1], backlog)
    fig.canvas.draw()
    left, right = fig.axes
    for axis in (left.yaxis, right.xaxis):
        shown = [t for t in axis.get_ticklabels() if t.get_text() and t.get_visible()]
        values = [float(t.get_text().replace("\u2212", "-")) for t in shown]
        assert all(v >= 0 and v == int(v) for v in values), values
        boxes = [t.get_window_extent() for t in shown]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]), values
    assert left.get_ylim()[0] == 0 and right.get_xlim()[0] == 0
    empty = not any(opened) and not backlog
    assert any("No tickets" in t.get_text() for t in left.texts) == empty
