"""Honest resolution figures (bot/kpis.py) over one week worked out by hand, on a fixed clock: what
counts as deflected, confirmed and assumed resolutions, reopen rate and first-contact resolution; the
digest and `deskbot digest --preview` say how each is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot import kpis, tickets
from bot.cli import app as cli
from bot.models import Feedback, KbQuery, TicketCreate
from jobs import digest

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday: last week is Mon 23 – Sun 29 Nov (Berlin)
TUE = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AGENT = "U0AGENT001"


def _ticket(db, config, requester: str, at: datetime) -> int:  # noqa: ANN001
    data = TicketCreate(title=f"Problem of {requester}", requester=requester, category="login_access")
    with db.transaction() as s:
        number = tickets.create(s, data=data, actor=requester, config=config, now=at).number
        tickets.claim(s, number=number, agent=AGENT, config=config, now=at + timedelta(minutes=1))
    return number


def _do(db, config, number: int, at: datetime, *steps: str) -> None:  # noqa: ANN001
    """Steps a minute apart: reply (the agent's public reply), wait, resolve (by the agent),
    confirm (the requester says it's resolved), auto (Deskbot resolves after silence), rate, reopen."""
    with db.transaction() as s:
        requester = tickets.get(s, number=number).requester
        for i, step in enumerate(steps):
            now, kw = at + timedelta(minutes=i), {"number": number, "config": config}
            if step == "reply":
                tickets.add_note(s, author=AGENT, body="Try this.", internal=False, now=now, **kw)
            elif step == "wait":
                tickets.wait_on_customer(s, actor=AGENT, now=now, **kw)
            elif step == "resolve":
                tickets.resolve(s, actor=AGENT, now=now, **kw)
            elif step in ("confirm", "auto"):
                who = requester if step == "confirm" else tickets.AUTO_ACTOR
                tickets.resume(s, actor=who, now=now, **kw)
                tickets.resolve(s, actor=who, now=now, **kw)
            elif step == "rate":
                tickets.rate(s, score=4, actor=requester, now=now, **kw)
            elif step == "reopen":
                tickets.add_note(s, author=requester, body="Still broken.", internal=False, now=now, **kw)
                tickets.reopen(s, actor=requester, now=now, **kw)


def _questions(db, config) -> None:  # noqa: ANN001
    """Seven questions last week (and one the week before), as hand-counted in the test."""
    rows = [
        ("U0ASKER001", True, 0, None),  # deflected
        ("U0ASKER002", True, 0, "human"),  # Talk to a human: a ticket linked to the question
        ("U0ASKER003", True, 0, None),  # its asker opens a ticket 3 h later: not deflected
        ("U0ASKER004", True, 0, None),  # a ticket 30 h later: too late to undo the answer
        ("U0ASKER005", True, 0, "not helpful"),
        ("U0ASKER006", True, 0, "helpful"),  # deflected
        ("U0ASKER007", False, 0, None),  # the bot could not answer
        ("U0ASKER008", True, -7, None),  # the week before: not counted
    ]
    with db.transaction() as s:
        for user, grounded, days, what in rows:
            query = KbQuery(
                question=f"question of {user}",
                user=user,
                grounded=grounded,
                created_at=TUE + timedelta(days=days),
            )
            s.add(query)
            s.flush()
            if what in ("helpful", "not helpful"):
                s.add(Feedback(query_id=query.id, user=user, helpful=what == "helpful", created_at=TUE))
            if what == "human":
                data = TicketCreate(title="Talk to a human", requester=user)
                asked = tickets.create(
                    s, data=data, actor=user, config=config, now=TUE + timedelta(minutes=2)
                )
                query.ticket_number = asked.number


def _week(db, config) -> None:  # noqa: ANN001
    _questions(db, config)
    _ticket(db, config, "U0ASKER003", TUE + timedelta(hours=3))
    _ticket(db, config, "U0ASKER004", TUE + timedelta(hours=30))
    day = TUE + timedelta(days=1)
    t1 = _ticket(db, config, "U0CUST0001", day)
    _do(db, config, t1, day + timedelta(hours=1), "reply", "resolve", "rate")  # confirmed, first contact
    t2 = _ticket(db, config, "U0CUST0002", day)
    _do(db, config, t2, day + timedelta(hours=1), "reply", "wait", "confirm")  # confirmed, first contact
    t3 = _ticket(db, config, "U0CUST0003", day)
    _do(db, config, t3, day + timedelta(hours=1), "reply", "reply", "resolve")  # assumed; two replies
    t4 = _ticket(db, config, "U0CUST0004", day)
    _do(db, config, t4, day + timedelta(hours=1), "reply", "wait")
    _do(db, config, t4, day + timedelta(days=2), "auto")  # assumed, by Deskbot; first contact
    t5 = _ticket(db, config, "U0CUST0005", day)  # resolved, reopened, resolved again: two resolutions
    _do(db, config, t5, day + timedelta(hours=1), "reply", "resolve", "reopen", "reply", "resolve")
    t6 = _ticket(db, config, "U0CUST0006", TUE - timedelta(days=3))  # resolved the week before
    _do(db, config, t6, TUE - timedelta(days=3, hours=-1), "reply", "resolve")
    _do(db, config, t6, TUE + timedelta(days=2), "reopen")  # reopening it is no resolution of this week


def test_resolution_figures_match_a_hand_computed_week(db, config, tmp_path: Path) -> None:
    _week(db, config)
    period = digest.period_ending(NOW, name="weekly", timezone="Europe/Berlin")
    with db.session() as s:
        asked = kpis.deflection(s, start=period.start, end=period.end)
        done = kpis.resolutions(s, start=period.start, end=period.end)
    assert (asked.questions, asked.answered, asked.deflected) == (7, 6, 3)  # questions 1, 4 and 6
    assert asked.rate == round(3 / 7, 3)
    assert done == kpis.Resolutions(
        resolutions=6,  # t1, t2, t3, t4 and t5 twice (t6 was resolved the week before)
        confirmed=2,  # t1 rated, t2 confirmed by its requester
        assumed=4,
        auto_resolved=1,  # t4
        reopened=1,  # t5's first resolution
        first_contact=3,  # t1, t2, t4 (t3 took two replies, t5 was reopened then took two)
    )
    assert done.figures()["reopen_rate"] == round(1 / 6, 3)
    assert done.figures()["first_contact_resolution"] == 0.5

    text, _, _ = digest.digest(db, config=config, now=NOW, name="weekly", dry_run=True)
    assert "Deflection 43%: 3 of 7 questions settled by the bot (answered 6;" in text
    assert "within 24 h" in text and "_Not helpful_" in text
    assert "*2 confirmed* (the requester said so or rated it) · *4 assumed*" in text
    assert "1 after follow-ups went unanswered" in text
    assert "Reopened 17% (resolutions reopened since) · first-contact resolution 50%" in text

    env = {"DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    shown = CliRunner().invoke(
        cli,
        ["digest", "--preview", "--weekly", "--now", NOW.isoformat(), "--out", str(tmp_path)],
        env=env,
    )
    assert shown.exit_code == 0, shown.output
    assert "3 of 7 questions settled by the bot" in shown.output and "2 confirmed" in shown.output
