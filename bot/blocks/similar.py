"""Similar and duplicate tickets on the triage card (staff only), and what requesters are told when
their tickets are merged. Requesters only ever hear ticket numbers: never another person's words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.common import Block, button, clip, context, section
from bot.i18n import requester_language, t
from bot.models import Ticket
from bot.slack_text import safe
from bot.verbs import VERBS

SOLVED_MAX = 280  # how much of a solution the card quotes


def similar_blocks(number: int, similar: Any) -> list[Block]:
    """The card's section on earlier tickets like this one (a tickets.similar.Similar) and the open ones
    that look like the same problem, each with a button to merge this ticket into it."""
    if similar is None or not (similar.resolved or similar.duplicates):
        return []
    out: list[Block] = []
    if similar.duplicates:
        lines = [
            f"• *#{m.number}* {safe(m.title, 150, mentions=False)} ({m.status.value.replace('_', ' ')})"
            for m in similar.duplicates
        ]
        out.append(section(":link: *Looks like the same problem as an open ticket*\n" + "\n".join(lines)))
        merge = VERBS["merge"]
        out.append(
            {
                "type": "actions",
                "block_id": f"merge:{number}",
                "elements": [
                    button(f"Merge into #{m.number}", f"{merge.action_id}:{m.number}", f"{number}:{m.number}")
                    for m in similar.duplicates[:5]
                ],
            }
        )
    if similar.resolved:
        lines = []
        for m in similar.resolved:
            how = " ".join(m.solved_by.split())
            solved = f"\n    _solved:_ {safe(how, SOLVED_MAX, mentions=False)}" if how else ""
            lines.append(f"• *#{m.number}* {safe(m.title, 150, mentions=False)}{solved}")
        out.append(section(clip(":mag: *Similar resolved tickets*\n" + "\n".join(lines), 2900)))
    return out


def merged_lines(ticket: Ticket, merged: Sequence[int]) -> str:
    """The card's line on merges: where this duplicate went, or which duplicates joined it."""
    if ticket.merged_into is not None:
        return f":twisted_rightwards_arrows: Merged into *#{ticket.merged_into}* — work continues there."
    if merged:
        return "Duplicates merged in: " + ", ".join(f"#{n}" for n in merged)
    return ""


def merged_away(ticket: Ticket) -> dict[str, Any]:
    """The duplicate's requester: their request joined an open ticket about the same problem (in the
    requester's language, like every message below)."""
    text = ":twisted_rightwards_arrows: " + t(
        requester_language(ticket),
        "Your ticket *#{number}* is about the same problem as ticket *#{original}*, which the team is already working on, so we've joined them. We'll tell you here when it's solved.",
        number=ticket.number,
        original=ticket.merged_into,
    )
    return {"text": text, "blocks": [section(text)]}


def merged_in(ticket: Ticket) -> dict[str, Any]:
    """The original's requester: another report of the same problem joined their ticket."""
    text = t(
        requester_language(ticket),
        "Someone else reported the same problem, so their request was joined to your ticket *#{number}*. Nothing changes for you: the team keeps working on it here.",
        number=ticket.number,
    )
    return {"text": text, "blocks": [section(text)]}


def original_resolved(duplicate: Ticket) -> dict[str, Any]:
    """A merged duplicate's requester, when the ticket it joined is resolved."""
    text = ":white_check_mark: " + t(
        requester_language(duplicate),
        "Ticket *#{original}*, which your request *#{number}* joined, is resolved. If it's still not fixed for you, open a new request and mention #{number}.",
        original=duplicate.merged_into,
        number=duplicate.number,
    )
    return {"text": text, "blocks": [section(text)]}


def merged_context(ticket: Ticket, merged: Sequence[int]) -> list[Block]:
    line = merged_lines(ticket, merged)
    return [context(line)] if line else []
