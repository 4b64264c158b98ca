"""`deskbot kb gaps`: what people asked that the knowledge base could not answer, and answers they said
did not help, most asked first (the same groups as the manager's Home and the digest)."""

from __future__ import annotations

import json
from datetime import timedelta

from bot import kpis, notices
from bot.answers import not_helpful, unanswered
from bot.cli.context import Runtime, console
from bot.slack_text import display
from knowledge.clipping import clip

SHOWN = 300  # characters of a question `kb gaps` prints (--json has them whole)


def report(rt: Runtime, *, days: int, limit: int, as_json: bool) -> None:
    """Print the groups; questions are stored as Slack markup (&amp;, <url|label>) and shown as typed."""
    since = rt.clock() - timedelta(days=days)
    with rt.db.session() as s:
        every = unanswered(s, since=since, limit=None)
        disliked = not_helpful(s, since=since, limit=limit)
        asked = kpis.deflection(s, start=since, end=rt.clock())
    found = every[:limit]
    if as_json:
        print(
            json.dumps(
                [g.__dict__ for g in found] + [{**g.__dict__, "not_helpful": True} for g in disliked],
                ensure_ascii=False,
            )
        )
        return
    console.print(notices.deflection_line(asked, days=days), highlight=False, markup=False)
    if disliked:
        console.print(f"Answers people said didn't help in the last {days} days (with the article used):")
        for g in disliked:
            used = f"  (article: {g.offered})" if g.offered else ""
            used += f"  (searched for: {clip(display(g.searched_for), SHOWN)})" if g.searched_for else ""
            console.print(
                f"  ×{g.asked:<4} {clip(display(g.wording), SHOWN)}{used}", highlight=False, markup=False
            )
    if not found:
        console.print(f"No question of the last {days} days went unanswered.")
        return
    console.print(
        f"Questions the knowledge base could not answer in the last {days} days "
        f"({sum(g.asked for g in every)} asked; most asked first):",
        highlight=False,
    )
    for g in found:
        extra = [
            f"searched for: {clip(display(g.searched_for), SHOWN)}" if g.searched_for else "",
            f"tickets: {g.tickets}" if g.tickets else "",
            f"offered: {g.offered}" if g.offered else "",
        ]
        tail = " · ".join(e for e in extra if e)
        console.print(
            f"  ×{g.asked:<4} {clip(display(g.wording), SHOWN)}" + (f"  ({tail})" if tail else ""),
            highlight=False,
            markup=False,
        )
