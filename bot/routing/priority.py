"""Priority from configurable cues, the channel's customer tier and the category's default — with the reason."""

from __future__ import annotations

import re

from bot.support import Priority, SupportConfig

RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


def priority_for(
    text: str, *, config: SupportConfig, category: str | None, tier: str | None
) -> tuple[Priority, str]:
    """The highest priority any rule gives, and a reason a person can read ("matched 'production down'")."""
    candidates: list[tuple[Priority, str]] = [(Priority.NORMAL, "default")]
    spec = config.categories.get(category or "")
    if spec is not None and spec.default_priority is not None:
        candidates.append(
            (spec.default_priority, f"category {category} defaults to {spec.default_priority.value}")
        )
    if tier and tier in config.routing.tier_priority:
        level = config.routing.tier_priority[tier]
        candidates.append((level, f"{tier} customers get at least {level.value}"))
    lowered = " ".join(text.lower().split())
    for cue in config.routing.priority_cues:
        for phrase in cue.phrases:
            if re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", lowered):
                candidates.append((cue.priority, f"matched '{phrase}'"))
                break
    best = max(candidates, key=lambda c: RANK[c[0]])
    reasons = [r for p, r in candidates if p == best[0] and r != "default"]
    return best[0], f"priority {best[0].value}: " + ("; ".join(reasons) if reasons else "default")
