"""Every job's output with hostile text in it (SLA warnings and breaches, stale and unclaimed nudges,
waiting-on-customer follow-ups, the digest's top unanswered questions, check-ins): what is queued and
what reaches Slack through the product's client carries no broadcast and no disguised link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import outbox, tickets
from bot.app import build_client
from bot.cards import ticket_sender
from bot.config import Settings
from bot.fakes.slack import FakeSlack
from bot.models import CheckinRow, KbQuery, Notification, TicketCreate
from jobs import digest, reminders, sla_sweep
from tests.hostile import HOSTILE, leaks

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 Berlin


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_job_messages_defuse_hostile_text(db, config, text: str) -> None:
    def ticket(**kw: str) -> int:
        data = TicketCreate(title=text[:200], description=text[-40000:], requester="U0CUSTOM01", **kw)
        with db.transaction() as s:
            return tickets.create(s, data=data, actor="U0CUSTOM01", config=config, now=T0).number

    ticket()  # nobody takes it: unclaimed reminders, SLA warnings and breaches
    waiting = ticket(channel="C0SUPPORT1", thread_ts="1.1")
    with db.transaction() as s:
        tickets.claim(s, number=waiting, agent="U0AGENT001", config=config, now=T0)
        tickets.wait_on_customer(s, number=waiting, actor="U0AGENT001", config=config, now=T0)
        s.add(KbQuery(question=text[:4000], user="U0CUSTOM01", grounded=False, created_at=T0))
        s.add(
            CheckinRow(
                channel="C0ENTERPR1",
                days=[1],
                at="09:00",
                message=text[:3000],
                created_by="U0AGENT001",
                created_at=T0,
            )
        )
    for hours in (1, 3, 26, 50, 74):
        now = T0 + timedelta(hours=hours)
        sla_sweep.sla_sweep(db, config=config, now=now)
        reminders.reminders(db, config=config, now=now)
    reminders.checkins(db, config=config, now=datetime(2026, 12, 1, 8, 2, tzinfo=UTC))
    digest.digest(db, config=config, now=T0 + timedelta(days=1))
    with db.session() as s:
        queued = list(s.exec(select(Notification)))
    kinds = {n.dedupe_key.split(":")[0] for n in queued}
    assert {"sla", "unclaimed", "followup", "digest", "checkin"} <= kinds, kinds
    for note in queued:
        assert not leaks(note.payload), (note.dedupe_key, leaks(note.payload))

    fake = FakeSlack()
    try:
        client = build_client(Settings(slack_bot_token="xoxb-test", slack_api_url=fake.url))
        send = ticket_sender(db=db, config=config, client=client, clock=lambda: T0)
        outbox.deliver(db, send=send, now=T0 + timedelta(days=4), limit=500)
        posted = [c for c in fake.calls if c.method.startswith(("chat.", "files."))]
        assert posted
        for call in posted:
            assert not leaks(call.args), (call.method, leaks(call.args))
    finally:
        fake.close()


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_account_health_messages_defuse_hostile_names(text: str) -> None:
    """An account's name in the owner's early warning (its header too), the Home tab and the digest line."""
    from bot import notices
    from bot.blocks.accounts import owner_accounts
    from bot.health import Health, Signals
    from bot.support.customers import HealthSettings

    sick = Signals(tickets=9, breached=5)
    h = Health(
        account=text[:80],
        name=text[:120],
        owner="U0CSM00001",
        score=40,
        signals=sick,
        settings=HealthSettings(),
        now=T0,
    )
    for payload in (
        notices.health_warning(h, why="below 60", evidence={"breaches": [1, 2]}, band="at risk"),
        {"blocks": owner_accounts([(h, "at risk")])},
        {"text": notices.accounts_at_risk([h])},
    ):
        assert not leaks(payload), leaks(payload)
