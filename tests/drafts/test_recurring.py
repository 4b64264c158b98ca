"""Questions that keep coming back: offered as a draft once agents solved them twice, once per group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot import tickets
from bot.db import Database
from bot.drafts import recurring
from bot.models import ArticleDraft, KbQuery, Notification, TicketCreate
from bot.support import SupportConfig
from jobs.scheduler import JobContext, jobs_for

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AGENT = "U0AGENT004"


def _asked(
    db: Database,
    config: SupportConfig,
    question: str,
    *,
    by: str = AGENT,
    reply: bool = True,
    outage: bool = False,
) -> int:
    """A question the KB could not answer, turned into a ticket that `by` resolved."""
    with db.transaction() as s:
        number = tickets.create(
            s,
            data=TicketCreate(title=question, requester="U0CUSTOM01"),
            actor="U0CUSTOM01",
            config=config,
            now=T0,
        ).number
        s.add(
            KbQuery(
                question=question, grounded=False, unavailable=outage, ticket_number=number, created_at=T0
            )
        )
        if reply:
            tickets.add_note(
                s,
                number=number,
                author=AGENT,
                body="Billing → Currency → CHF.",
                internal=False,
                config=config,
                now=T0,
            )
        tickets.resolve(s, number=number, actor=by, config=config, now=T0)
    return number


def _suggest(db: Database, config: SupportConfig, **kw) -> list[tuple[int, int]]:
    with db.transaction() as s:
        return recurring.suggest(s, config=config, now=T0 + timedelta(hours=1), **kw)


def test_a_question_solved_twice_is_offered_once(db: Database, config: SupportConfig) -> None:
    _asked(db, config, "Can I pay in CHF?")
    assert _suggest(db, config) == []  # once is not a pattern yet
    _asked(db, config, "Pizza in Berlin?", reply=False)  # no public answer: no material
    latest = _asked(db, config, "can i pay in chf")
    assert _suggest(db, config, dry_run=True) == [(latest, 2)]
    assert _suggest(db, config) == [(latest, 2)]
    assert _suggest(db, config) == []  # once per group
    with db.session() as s:
        [draft] = s.exec(select(ArticleDraft)).all()
        previews = [n for n in s.exec(select(Notification)) if ":article:" in n.dedupe_key]
    assert draft.ticket_number == latest and draft.group_key and draft.created_by == "deskbot"
    assert "CHF" in draft.body and "asked and solved 2 times" in str(previews[0].payload)


def test_auto_resolved_tickets_are_not_solved_by_agents(db: Database, config: SupportConfig) -> None:
    for _ in range(3):
        _asked(db, config, "Can I pay in CHF?", by="deskbot")
    assert _suggest(db, config) == []


def test_the_hourly_job_says_what_it_would_offer(db: Database, config: SupportConfig) -> None:
    _asked(db, config, "Can I pay in CHF?")
    latest = _asked(db, config, "Can I pay in CHF?")
    job = jobs_for(config)["article_suggestions"]
    summary = job.run(JobContext(db=db, config=config, client=None), T0 + timedelta(hours=1), True)
    assert summary == f"1 article draft to offer\n  #{latest}: the same question solved 2 times"


def test_questions_asked_during_an_outage_are_no_article_to_write(
    db: Database, config: SupportConfig
) -> None:
    """A second review: a question asked while the knowledge base was down, then solved by an agent,
    became an article suggestion (the articles were not missing; the search was)."""
    _asked(db, config, "Can I pay in CHF?", outage=True)
    _asked(db, config, "can i pay in chf", outage=True)
    assert _suggest(db, config, dry_run=True) == []
