"""What the knowledge base is missing: the questions it could not answer, rephrasings counted together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from knowledge.lexical import tokens

UNANSWERED_SCAN = 5000  # at most this many of a period's latest unanswered questions are grouped


def top_questions(questions: Sequence[str], *, limit: int = 5) -> list[tuple[str, int]]:
    """The most asked questions, counting rephrasings that use the same words ("Can I pay in CHF?",
    "how can I pay in chf") as one; each shown in its most common wording, most recent first on ties."""
    groups: dict[tuple[str, ...], Counter[str]] = {}
    for question in questions:
        text = " ".join(question.split())
        key = tuple(sorted(set(tokens(text)))) or (text.lower(),)
        groups.setdefault(key, Counter())[text] += 1
    ranked = sorted(groups.values(), key=lambda c: -c.total())  # stable: most recent first on ties
    return [(wordings.most_common(1)[0][0], wordings.total()) for wordings in ranked[:limit]]
