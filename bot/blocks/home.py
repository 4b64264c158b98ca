"""The App Home view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks.accounts import owner_accounts
from bot.blocks.common import (
    PRIORITY_EMOJI,
    Block,
    button,
    context,
    mrkdwn,
    plain,
    section,
    sla_line,
)
from bot.health import Health
from bot.models import Ticket
from bot.sla import SlaReport
from bot.slack_text import safe
from knowledge.gaps import Gap


def home_view(
    *,
    role: str,
    mine: Sequence[tuple[Ticket, SlaReport | None]],
    queue: Sequence[tuple[Ticket, SlaReport | None]],
    today: dict[str, Any] | None,
    now: datetime,
    unanswered: Sequence[Gap] = (),
    unhelpful: Sequence[Gap] = (),
    accounts: Sequence[tuple[Health, str]] | None = None,
) -> dict[str, Any]:
    """App Home: agents see their tickets and the unassigned queue with SLA countdowns; managers see
    today's figures and the week's questions the help centre could not answer; an account's owner sees
    their accounts' health."""
    blocks: list[Block] = [{"type": "header", "text": plain("Deskbot")}]
    if role == "requester":
        blocks.append(
            section(
                "Ask me anything in a DM, or use `/ticket new` to reach the support team. Your open tickets:"
            )
        )
    if today is not None:
        blocks += _manager_blocks(today, now=now, unanswered=unanswered, unhelpful=unhelpful)
    if accounts is not None:
        blocks += owner_accounts(accounts)
    blocks += _ticket_rows(
        "Your tickets" if role != "requester" else "Your requests",
        mine,
        "Nothing assigned to you. :tada:",
        role,
    )
    if role != "requester":
        blocks += _ticket_rows("Unassigned queue", queue, "The queue is empty.", role)
    return {"type": "home", "blocks": blocks[:100]}


def _manager_blocks(
    today: dict[str, Any], *, now: datetime, unanswered: Sequence[Gap], unhelpful: Sequence[Gap]
) -> list[Block]:
    """Today's figures, the week's unanswered questions and the answers people said didn't help."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(f"Today ({now:%a %d %b})")},
        {
            "type": "section",
            "fields": [mrkdwn(f"*{label}*\n{value}") for label, value in list(today.items())[:10]],
        },
        {"type": "header", "text": plain("Not answered by the help centre (7 days)")},
        section("\n".join(f"• {safe(g.wording, 150)} ×{g.asked}" for g in unanswered))
        if unanswered
        else context("No question went unanswered this week. :tada:"),
    ]
    if unhelpful:
        blocks.append({"type": "header", "text": plain("Answers people said didn't help (7 days)")})
        blocks.append(
            section(
                "\n".join(
                    f"• {safe(g.wording, 150)} ×{g.asked}"
                    + (f" — article: {safe(g.offered, 100)}" if g.offered else "")
                    for g in unhelpful
                )
            )
        )
    return blocks


def _ticket_rows(
    title: str, items: Sequence[tuple[Ticket, SlaReport | None]], empty: str, role: str
) -> list[Block]:
    """A header and one section per ticket (at most 15), with *Claim* on unowned ones for staff."""
    blocks: list[Block] = [{"type": "header", "text": plain(title)}]
    if not items:
        return [*blocks, context(empty)]
    for ticket, report in items[:15]:
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(
                    f"*#{ticket.number}* {safe(ticket.title, 120)}\n"
                    f"{PRIORITY_EMOJI.get(ticket.priority.value, '')} {ticket.priority.value} · "
                    f"{ticket.status.value.replace('_', ' ')} · {ticket.team} · {sla_line(report)}"
                ),
                **(
                    {"accessory": button("Claim", "ticket_claim", str(ticket.number))}
                    if not ticket.assignee and role != "requester"
                    else {}
                ),
            }
        )
    if len(items) > 15:
        blocks.append(context(f"…and {len(items) - 15} more: `/ticket list`"))
    return blocks
