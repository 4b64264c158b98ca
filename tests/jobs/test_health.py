"""Account health and early warnings on a fixed clock: one account's breaches and reopenings rise and
its owner is warned exactly once, with the reasons and the tickets; a healthy account stays quiet; the
figures equal a hand computation; a recovery re-arms the warning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import col, select
from typer.testing import CliRunner

from bot import health, outbox, tickets
from bot.cards import ticket_sender
from bot.cli import app as cli
from bot.fakes.slack import FakeSlack
from bot.models import Notification, Ticket, TicketCreate
from bot.slack_limits import problems_in_message
from bot.support import SupportConfig, parse_support_config
from bot.tickets.service import AUTO_ACTOR
from jobs import digest
from jobs.health import health_warnings
from jobs.scheduler import JobContext, jobs_for, run_job
from tests.conftest import SAMPLE_DIR

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
ACME_CSM, GLOBEX_CSM = "U0CSM00001", "U0CSM00002"
CUSTOMERS = f"""
customers:
  acme:
    name: Acme Corp
    tier: enterprise
    owner: {ACME_CSM}
    channels: [C0ACME0001]
    team_ids: [T0ACMEORG1]
  globex:
    name: Globex
    owner: {GLOBEX_CSM}
    channels: [C0GLOBEX01]
health:
  warn_below: 60
  recover_at: 70
  fall_by: 20
"""


def accounts_config() -> SupportConfig:
    text = (SAMPLE_DIR / "support.yaml").read_text(encoding="utf-8") + CUSTOMERS
    return parse_support_config(text, file="support.yaml")


@pytest.fixture(scope="module")
def cfg() -> SupportConfig:
    return accounts_config()


def open_ticket(db, cfg, *, channel: str, at: datetime, requester: str = "U0CUSTOM01") -> int:
    with db.transaction() as s:
        data = TicketCreate(title="Exports fail", requester=requester, channel=channel, thread_ts="1.1")
        return tickets.create(s, data=data, actor=requester, config=cfg, now=at).number


def resolved_history(db, cfg, *, channel: str) -> None:
    """Six tickets, every ten days from 85 to 35 days ago, answered and resolved within the hour, rated 5."""
    for days in (85, 75, 65, 55, 45, 35):
        at = NOW - timedelta(days=days)
        number = open_ticket(db, cfg, channel=channel, at=at)
        with db.transaction() as s:
            tickets.claim(s, number=number, agent="U0AGENT001", config=cfg, now=at + timedelta(minutes=5))
            tickets.resolve(s, number=number, actor="U0AGENT001", config=cfg, now=at + timedelta(minutes=30))
            tickets.rate(
                s, number=number, score=5, actor="U0CUSTOM01", config=cfg, now=at + timedelta(hours=1)
            )


def warnings_to(db, owner: str) -> list[Notification]:
    with db.session() as s:
        rows = s.exec(select(Notification).where(col(Notification.dedupe_key).startswith("health:")))
        return [n for n in rows if n.channel == owner]


def test_rising_breaches_and_reopens_warn_the_owner_once(db, cfg) -> None:
    resolved_history(db, cfg, channel="C0ACME0001")
    resolved_history(db, cfg, channel="C0GLOBEX01")
    before = health_warnings(db, config=cfg, now=NOW - timedelta(days=6))
    assert before.warned == [] and before.accounts == 2

    acme = [open_ticket(db, cfg, channel="C0ACME0001", at=NOW - timedelta(days=5)) for _ in range(6)]
    quick = open_ticket(db, cfg, channel="C0GLOBEX01", at=NOW - timedelta(days=2))
    with db.transaction() as s:
        later = NOW - timedelta(days=2) + timedelta(minutes=20)
        tickets.claim(s, number=quick, agent="U0AGENT001", config=cfg, now=later)
        tickets.resolve(s, number=quick, actor="U0AGENT001", config=cfg, now=later)
        tickets.rate(s, number=quick, score=5, actor="U0CUSTOM01", config=cfg, now=later)
    with db.transaction() as s:
        for number in acme[:2]:  # resolved, then the requester says it is not fixed
            tickets.resolve(s, number=number, actor="U0AGENT001", config=cfg, now=NOW - timedelta(hours=12))
            tickets.reopen(s, number=number, actor=AUTO_ACTOR, config=cfg, now=NOW - timedelta(hours=6))
    with db.session() as s:
        breached = s.exec(
            select(Ticket.number).where(col(Ticket.number).in_(acme), health.breached_by(NOW))
        ).all()
    assert sorted(breached) == acme, "every one of acme's six tickets went unanswered for days"

    report = health_warnings(db, config=cfg, now=NOW)
    assert report.warned == ["acme"]
    (warning,) = warnings_to(db, ACME_CSM)
    assert warnings_to(db, GLOBEX_CSM) == []
    text = warning.payload["text"]
    assert "Acme Corp" in text and "below 60" in text and "down" in text
    assert "SLA breaches" in text and "Reopen rate" in text
    assert f"#{acme[0]}" in text and f"#{acme[1]}" in text  # the tickets behind the reasons
    assert not problems_in_message(warning.payload), "within Block Kit's limits"
    assert warning.payload["blocks"][0]["text"]["text"] == "Account health: Acme Corp"

    again = health_warnings(db, config=cfg, now=NOW + timedelta(hours=1))
    assert again.warned == [] and len(warnings_to(db, ACME_CSM)) == 1, "once per drop"

    with db.session() as s:
        scores = {h.account: h for h in health.compute(s, settings=cfg.health, now=NOW)}
    parts = {p.name: p.points for p in scores["acme"].parts}
    # By hand: 6 tickets against a usual 6/3 = 2 → ratio 3 → 5 × (3 − 1) = 10 points; 6 breaches × 5 = 30,
    # capped at 25; 2 reopened of 2 resolved → 30 × 1.0 = 30, capped at 15; no ratings in the window; last
    # contact 5 days ago (the tickets) → 0. 100 − 10 − 25 − 15 = 50.
    assert parts == {
        "volume": -10.0,
        "breaches": -25.0,
        "csat": 0.0,
        "reopens": -15.0,
        "unanswered": 0.0,
        "urgent": 0.0,
        "silence": 0.0,
        "contact": 0.0,
    }
    assert scores["acme"].score == 50
    # Globex: 1 ticket (under 3: no volume cost), answered in time, rated 5, resolved once, 2 days ago.
    assert scores["globex"].score == 100 and all(p.points == 0 for p in scores["globex"].parts)


def trouble(db, cfg, *, at: datetime) -> list[int]:
    """Six of acme's tickets left unanswered for five days; two of them resolved, then reopened."""
    numbers = [open_ticket(db, cfg, channel="C0ACME0001", at=at) for _ in range(6)]
    with db.transaction() as s:
        for number in numbers[:2]:
            tickets.resolve(s, number=number, actor="U0AGENT001", config=cfg, now=at + timedelta(days=4))
            tickets.reopen(
                s, number=number, actor=AUTO_ACTOR, config=cfg, now=at + timedelta(days=4, hours=6)
            )
    return numbers


def test_a_recovered_account_is_warned_again_on_its_next_drop(db, cfg) -> None:
    resolved_history(db, cfg, channel="C0ACME0001")
    first = trouble(db, cfg, at=NOW - timedelta(days=5))
    assert health_warnings(db, config=cfg, now=NOW).warned == ["acme"]
    with db.transaction() as s:
        for number in first:
            tickets.resolve(s, number=number, actor="U0AGENT001", config=cfg, now=NOW + timedelta(hours=1))
    # Forty days on the trouble is out of the window; only the silence since costs points (45 days without
    # contact: 10). 90 ≥ recover_at: the warning re-arms, and says nothing.
    recovered = health_warnings(db, config=cfg, now=NOW + timedelta(days=40))
    assert recovered.rearmed == ["acme"] and recovered.warned == []
    assert len(warnings_to(db, ACME_CSM)) == 1

    trouble(db, cfg, at=NOW + timedelta(days=41))
    second = health_warnings(db, config=cfg, now=NOW + timedelta(days=46))
    assert second.warned == ["acme"]
    keys = sorted(n.dedupe_key for n in warnings_to(db, ACME_CSM))
    assert keys == ["health:acme:1", "health:acme:2"]
    latest = max(warnings_to(db, ACME_CSM), key=lambda n: n.id or 0).payload["text"]
    assert "from 90 in 7 days" in latest, latest  # it fell fast from the recovered 90


def test_customers_cli_lists_accounts_and_explains_their_health(db, cfg, tmp_path) -> None:
    resolved_history(db, cfg, channel="C0ACME0001")
    trouble(db, cfg, at=NOW - timedelta(days=5))
    yaml_file = tmp_path / "support.yaml"
    yaml_file.write_text((SAMPLE_DIR / "support.yaml").read_text(encoding="utf-8") + CUSTOMERS)
    env = {
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "SUPPORT_CONFIG": str(yaml_file),
    }
    runner = CliRunner()
    at = ["--now", NOW.isoformat()]

    listed = runner.invoke(cli, ["customers", "list"], env={**env, "COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "Acme Corp" in listed.output and "Globex" in listed.output and "C0ACME0001" in listed.output

    as_json = runner.invoke(cli, ["customers", "health", "--json", *at], env=env)
    assert as_json.exit_code == 0, as_json.output
    rows = {r["account"]: r for r in json.loads(as_json.output)}
    assert rows["acme"]["score"] == 50 and rows["acme"]["band"] == "at risk"
    assert {p["name"]: p["points"] for p in rows["acme"]["parts"]}["breaches"] == -25.0
    assert rows["globex"]["band"] == "healthy"  # no tickets, and a new account: nothing costs points yet

    text = runner.invoke(cli, ["customers", "health", "acme", *at], env={**env, "COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[0] == f"Acme Corp (acme) 50/100 · at risk · owner {ACME_CSM}"
    assert "SLA breaches" in text.output and "6 of 6 tickets" in text.output and "-25" in text.output

    unknown = runner.invoke(cli, ["customers", "health", "nope"], env=env)
    assert unknown.exit_code == 1 and "no account 'nope'" in unknown.output


def test_the_digest_lists_the_accounts_at_risk(db, cfg) -> None:
    resolved_history(db, cfg, channel="C0ACME0001")
    resolved_history(db, cfg, channel="C0GLOBEX01")
    trouble(db, cfg, at=NOW - timedelta(days=5))
    text, _, queued = digest.digest(db, config=cfg, now=NOW, name="daily", dry_run=True)
    line = next(x for x in text.splitlines() if x.startswith("• Accounts at risk"))
    assert line == f"• Accounts at risk: Acme Corp 50/100 (sla breaches, reopen rate; owner <@{ACME_CSM}>)"
    assert not queued


def test_the_job_reports_what_it_would_do_and_a_dry_run_changes_nothing(db, cfg) -> None:
    resolved_history(db, cfg, channel="C0ACME0001")
    trouble(db, cfg, at=NOW - timedelta(days=5))
    job = jobs_for(cfg)["account_health"]
    summary = run_job(JobContext(db=db, config=cfg, client=None), job, now=NOW, dry_run=True)
    assert summary.startswith("2 accounts scored, 1 at risk: 1 warning")
    assert f"{ACME_CSM}: Acme Corp: health 50/100" in summary
    assert warnings_to(db, ACME_CSM) == []
    run_job(JobContext(db=db, config=cfg, client=None), job, now=NOW)
    assert len(warnings_to(db, ACME_CSM)) == 1
    fake = FakeSlack()
    try:  # delivered as Slack would take it: a DM to the owner, within Block Kit's limits
        send = ticket_sender(
            db=db, config=cfg, client=WebClient(token="xoxb-test", base_url=fake.url), clock=lambda: NOW
        )
        assert outbox.deliver(db, send=send, now=NOW, key_prefix="health:").sent == 1
        (call,) = fake.calls_to("chat.postMessage")
        assert call.args["channel"] in (ACME_CSM, "D" + ACME_CSM[1:])  # the owner's DM with Deskbot
        assert "Acme Corp" in call.args["text"] and "SLA breaches" in str(call.args["blocks"])
        assert not problems_in_message(call.args)
    finally:
        fake.close()
