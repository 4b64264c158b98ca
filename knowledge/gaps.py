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
    searched_for: str | None = None  # what the bot searched for when it corrected misspelt words, if it did


@dataclass
class _Group:
    wordings: Counter[str] = field(default_factory=Counter)
    searched: Counter[str] = field(default_factory=Counter)
    articles: Counter[str] = field(default_factory=Counter)
    tickets: int = 0


def group_key(question: str) -> tuple[str, ...]:
    """What rephrasings of one question share: the set of its words (`kb gaps` counts them together)."""
    text = " ".join(question.split())
    return tuple(sorted(set(tokens(text)))) or (text.lower(),)


Row = tuple[str, Sequence[str], int | None, str | None]  # question, articles offered, ticket, searched for


def gaps(rows: Sequence[Row], *, limit: int | None = 5) -> list[Gap]:
    """(question, articles offered, ticket number, what was searched for) rows, newest first → the most
    asked questions.

    Rephrasings that use the same words ("Can I pay in CHF?", "how can I pay in chf") count as one, and
    so do misspellings of them, by the words the bot searched for ("pasword reset" with "password
    reset"). A question typed the same way counts as one whether or not it was corrected (a staff
    member's question may be corrected towards internal words, a customer's not; a row logged before
    corrections were recorded has none). Ties keep the most recent first."""
    cleaned = [
        (" ".join(question.split()), offered, ticket, " ".join(searched.split()) if searched else None)
        for question, offered, ticket, searched in rows
    ]
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def root(key: tuple[str, ...]) -> tuple[str, ...]:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for text, _, _, corrected in cleaned:  # the typed words and the searched words: one question
        typed = root(group_key(text))
        if corrected:
            parent[root(group_key(corrected))] = typed
    groups: dict[tuple[str, ...], _Group] = {}
    for text, offered, ticket, corrected in cleaned:
        group = groups.setdefault(root(group_key(text)), _Group())
        group.wordings[text] += 1
        if corrected and corrected != text:
            group.searched[corrected] += 1
        group.articles.update(offered[:1])
        group.tickets += ticket is not None
    ranked = sorted(groups.values(), key=lambda g: -g.wordings.total())
    return [
        Gap(
            wording=g.wordings.most_common(1)[0][0],
            asked=g.wordings.total(),
            tickets=g.tickets,
            offered=g.articles.most_common(1)[0][0] if g.articles else None,
            searched_for=_searched(g),
        )
        for g in ranked[:limit]
    ]


def _searched(group: _Group) -> str | None:
    """The group's corrected wording, when its most common wording was itself corrected."""
    if not group.searched:
        return None
    corrected = group.searched.most_common(1)[0][0]
    return None if group_key(corrected) == group_key(group.wordings.most_common(1)[0][0]) else corrected
