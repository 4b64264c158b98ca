"""What the knowledge base is missing: the questions it could not answer, rephrasings counted together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from knowledge.terms import words as tokens


@dataclass(frozen=True)
class Gap:
    """One unanswered question, however it was phrased."""

    wording: str  # its most common wording
    asked: int
    tickets: int  # how many times it became a ticket
    offered: str | None  # the article most often offered as possibly related (a doc id), if any


@dataclass
class _Group:
    wordings: Counter[str] = field(default_factory=Counter)
    articles: Counter[str] = field(default_factory=Counter)
    tickets: int = 0


def group_key(question: str) -> tuple[str, ...]:
    """What rephrasings of one question share: the set of its words (`kb gaps` counts them together)."""
    text = " ".join(question.split())
    return tuple(sorted(set(tokens(text)))) or (text.lower(),)


def gaps(rows: Sequence[tuple[str, Sequence[str], int | None]], *, limit: int | None = 5) -> list[Gap]:
    """(question, articles offered, ticket number) rows, newest first → the most asked questions.

    Rephrasings that use the same words ("Can I pay in CHF?", "how can I pay in chf") count as one;
    ties keep the most recent first."""
    groups: dict[tuple[str, ...], _Group] = {}
    for question, offered, ticket in rows:
        text = " ".join(question.split())
        group = groups.setdefault(group_key(text), _Group())
        group.wordings[text] += 1
        group.articles.update(offered[:1])
        group.tickets += ticket is not None
    ranked = sorted(groups.values(), key=lambda g: -g.wordings.total())
    return [
        Gap(
            wording=g.wordings.most_common(1)[0][0],
            asked=g.wordings.total(),
            tickets=g.tickets,
            offered=g.articles.most_common(1)[0][0] if g.articles else None,
        )
        for g in ranked[:limit]
    ]
