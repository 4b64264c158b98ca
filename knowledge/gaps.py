"""What the knowledge base is missing: the questions it could not answer, rephrasings counted together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.lexical import tokens

UNANSWERED_SCAN = 5000  # at most this many of a period's latest unanswered questions are grouped


@dataclass(frozen=True)
class Gap:
    """One unanswered question, however it was phrased."""

    wording: str  # its most common wording
    asked: int
    tickets: int  # how many times it became a ticket
    offered: str | None  # the article most often offered as possibly related (a doc id), if any


def gaps(rows: Sequence[tuple[str, Sequence[str], int | None]], *, limit: int = 5) -> list[Gap]:
    """(question, articles offered, ticket number) rows, newest first → the most asked questions.

    Rephrasings that use the same words ("Can I pay in CHF?", "how can I pay in chf") count as one;
    ties keep the most recent first."""
    groups: dict[tuple[str, ...], tuple[Counter[str], Counter[str], list[int]]] = {}
    for question, offered, ticket in rows:
        text = " ".join(question.split())
        key = tuple(sorted(set(tokens(text)))) or (text.lower(),)
        wordings, articles, tickets = groups.setdefault(key, (Counter(), Counter(), []))
        wordings[text] += 1
        articles.update(offered[:1])
        if ticket is not None:
            tickets.append(ticket)
    ranked = sorted(groups.values(), key=lambda g: -g[0].total())
    return [
        Gap(
            wording=wordings.most_common(1)[0][0],
            asked=wordings.total(),
            tickets=len(tickets),
            offered=articles.most_common(1)[0][0] if articles else None,
        )
        for wordings, articles, tickets in ranked[:limit]
    ]


def top_questions(questions: Sequence[str], *, limit: int = 5) -> list[tuple[str, int]]:
    """(wording, times asked) of the most asked questions, as `gaps` groups them."""
    return [(g.wording, g.asked) for g in gaps([(q, (), None) for q in questions], limit=limit)]
