"""The manager's App Home: today's figures from midnight in the managers' time zone, and the week's
questions the help centre could not answer (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import tickets
from bot.desk import DeskContext
from bot.desk.home import Home
from bot.models import KbQuery, TicketCreate

MANAGER = "U0MANAGER1"
NOW = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 00:30 on Wednesday 2 December in Berlin


def test_manager_home_counts_the_local_day_and_lists_unanswered_questions(db, config) -> None:
    with db.transaction() as s:
        for title, at in (
            ("before local midnight", NOW - timedelta(minutes=40)),
            ("after", NOW - timedelta(minutes=20)),
        ):
            tickets.create(
                s,
                data=TicketCreate(title=title, requester="U0CUSTOM01"),
                actor="U0CUSTOM01",
                config=config,
                now=at,
            )
        for question, age in [
            ("Can I pay in CHF?", timedelta(hours=1)),
            ("how can I pay in chf", timedelta(days=2)),
            ("Can I pay in CHF?", timedelta(days=6)),
            ("Do you have a <!here> dark mode?", timedelta(days=1)),
            ("Can I pay in CHF?", timedelta(days=8)),  # last week: not counted
        ]:
            s.add(KbQuery(question=question, grounded=False, created_at=NOW - age))
        s.add(KbQuery(question="How do I reset my password?", grounded=True, created_at=NOW))
    home = Home(DeskContext(config=config, db=db, client=None, answers=lambda: None, clock=lambda: NOW))  # type: ignore[arg-type,return-value]
    view = home.view_for(user=MANAGER)
    texts = [str(b.get("text", {}).get("text", "")) for b in view["blocks"]]
    fields = {
        f["text"].split("\n")[0]: f["text"].split("\n")[1]
        for b in view["blocks"]
        for f in b.get("fields", [])
    }
    assert "Today (Wed 02 Dec)" in texts
    assert fields["*Opened*"] == "1"  # 00:10 Berlin counts; 23:50 the evening before does not
    at = texts.index("Not answered by the help centre (7 days)")
    assert view["blocks"][at + 1]["text"]["text"] == (
        "• Can I pay in CHF? ×3\n• Do you have a @\u2060here dark mode? ×1"
    )
    agent_view = home.view_for(user="U0AGENT001")
    assert "Not answered by the help centre (7 days)" not in str(agent_view["blocks"])
