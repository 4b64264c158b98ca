"""A few weeks of support history for the demo, written through the ticket service.

Tickets arrive in working hours, are claimed, answered and resolved after realistic delays (some late,
so the SLA figures are not all green), and some are rated; questions the bot answered or not fill the
deflection and "top unanswered" figures. The SLA alerts and reminders that history would have produced
are marked as already delivered, so the demo starts with a quiet workspace and a full digest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, update

from bot import tickets
from bot.db import Database
from bot.models import KbQuery, Notification, TicketCreate
from bot.support import Priority, SupportConfig
from jobs import reminders, sla_sweep

REQUESTERS = ["U0CUSTOM01", "U0CUSTOM02", "U0CUSTOM03", "U0CUSTOM04", "U0CUSTOM05"]
REQUESTS: dict[str, list[str]] = {
    "billing": [
        "Invoice shows the wrong company address",
        "Charged twice for the Business plan",
        "Need a refund for unused seats",
        "VAT number missing on last invoice",
        "Card declined when upgrading",
    ],
    "login_access": [
        "Cannot log in after password reset",
        "SSO with Okta fails for new hires",
        "2FA codes rejected on new phone",
        "Need to transfer account ownership",
    ],
    "bug": [
        "Dashboard charts stay blank",
        "CSV export is missing rows",
        "Search returns stale results",
        "Mobile app crashes on upload",
    ],
    "integrations": [
        "Webhook deliveries failing with 410",
        "API returns 429 during nightly sync",
        "Jira integration stopped creating issues",
    ],
    "data_privacy": ["GDPR deletion request for a former employee", "Which region is our data stored in?"],
    "feature_request": ["Dark mode for the dashboard", "Export audit log to S3"],
}
UNANSWERED = [
    "Do you support on-premise installation?",
    "Can we pay by bank transfer in CHF?",
    "Is there an SLA credit when you have an outage?",
    "Can I merge two workspaces?",
]
ANSWERED = [
    "How do I download my invoices as PDF?",
    "How do I reset my password?",
    "How do I set up two-factor authentication?",
    "Where do I find my API key?",
]


@dataclass(frozen=True)
class Seeded:
    tickets: int
    questions: int


def seed(db: Database, *, config: SupportConfig, now: datetime, days: int = 21, rng_seed: int = 7) -> Seeded:
    """Write `days` of history ending at `now` (deterministic for a given seed)."""
    rng = random.Random(rng_seed)
    made = questions = 0
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    categories = [c for c in REQUESTS if c in config.categories]
    for day in range(days + 1):
        date = start + timedelta(days=day)
        weekend = date.weekday() >= 5
        for _ in range(rng.randint(1, 3) if weekend else rng.randint(5, 9)):
            opened = date + timedelta(hours=rng.uniform(7, 17.5))
            if opened >= now - timedelta(minutes=30):
                continue
            _ticket_story(db, config=config, rng=rng, opened=opened, now=now, category=rng.choice(categories))
            made += 1
        questions += _questions(
            db, rng=rng, date=date, now=now, count=rng.randint(8, 16) if not weekend else 3
        )
    _history_delivered(db, config=config, now=now)
    return Seeded(tickets=made, questions=questions)


def _ticket_story(
    db: Database, *, config: SupportConfig, rng: random.Random, opened: datetime, now: datetime, category: str
) -> None:
    team = config.team_for_category(category)
    agents = config.members_of(team) or ["U0AGENT001"]
    priority = rng.choices(
        [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW], weights=[1, 3, 10, 3]
    )[0]
    requester = rng.choice(REQUESTERS)
    with db.transaction() as s:
        ticket = tickets.create(
            s,
            data=TicketCreate(
                title=rng.choice(REQUESTS[category]),
                requester=requester,
                channel=rng.choice(list(config.channels) or [None]),
                category=category,
                priority=priority,
                description="(seeded demo history)",
            ),
            actor=requester,
            config=config,
            now=opened,
        )
        number = ticket.number
    assert number is not None
    age = now - opened
    claimed = opened + timedelta(minutes=rng.lognormvariate(3.0, 0.9))
    if claimed >= now or rng.random() < 0.08:
        return  # still in the queue
    agent = rng.choice(agents)
    replied = claimed + timedelta(minutes=rng.uniform(2, 25))
    resolved = replied + timedelta(hours=rng.lognormvariate(1.2, 1.0))
    with db.transaction() as s:
        tickets.claim(s, number=number, agent=agent, config=config, now=claimed)
        if replied < now:
            tickets.add_note(
                s,
                number=number,
                author=agent,
                body="Thanks for reaching out — looking into it now.",
                internal=False,
                config=config,
                now=replied,
            )
        if resolved < now and (age > timedelta(days=2) or rng.random() < 0.6):
            tickets.resolve(s, number=number, actor=agent, config=config, now=resolved)
            if rng.random() < 0.55:
                score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 8, 12])[0]
                rated = min(resolved + timedelta(minutes=rng.uniform(5, 120)), now)
                tickets.rate(s, number=number, score=score, actor=requester, config=config, now=rated)


def _questions(db: Database, *, rng: random.Random, date: datetime, now: datetime, count: int) -> int:
    made = 0
    with db.transaction() as s:
        for _ in range(count):
            at = date + timedelta(hours=rng.uniform(7, 19))
            if at >= now:
                continue
            grounded = rng.random() < 0.72
            s.add(
                KbQuery(
                    question=rng.choice(ANSWERED if grounded else UNANSWERED),
                    user=rng.choice(REQUESTERS),
                    channel="C0SUPPORT1",
                    grounded=grounded,
                    confidence=rng.uniform(0.7, 0.98) if grounded else rng.uniform(0.05, 0.5),
                    created_at=at,
                )
            )
            made += 1
    return made


def _history_delivered(db: Database, *, config: SupportConfig, now: datetime) -> None:
    """Let the jobs catch up on the history, then count what they queued as delivered long ago."""
    sla_sweep.sla_sweep(db, config=config, now=now)
    reminders.reminders(db, config=config, now=now)
    with db.transaction() as s:
        s.exec(  # type: ignore[call-overload]
            update(Notification)
            .where(col(Notification.status) == "pending")
            .values(status="sent", sent_at=now)
        )
