"""Customer accounts in Slack: the owner's early warning and the Home tab's list of their accounts."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.common import Block, clip, context, mrkdwn, plain, section
from bot.health import Health, Part
from bot.slack_text import display, safe

BAND_EMOJI = {"at risk": ":red_circle:", "watch": ":large_yellow_circle:", "healthy": ":large_green_circle:"}


def reason_line(part: Part, tickets: Sequence[int] = ()) -> str:
    """`• SLA breaches: 3 of 5 tickets (−15) — #12, #14, #15`."""
    line = f"• *{part.label}*: {safe(part.value)} ({part.points:g})"
    return line + (" — " + ", ".join(f"#{n}" for n in tickets) if tickets else "")


def health_warning_blocks(
    health: Health, *, why: str, evidence: dict[str, list[int]], band_emoji: str
) -> list[Block]:
    """The early warning: the account, its score and why, then each costly part with its tickets."""
    name = safe(health.name, 120)
    lines = [reason_line(p, evidence.get(p.name, [])) for p in health.reasons]
    return [
        {"type": "header", "text": plain(f"Account health: {display(clip(health.name, 100))}")},
        section(f"{band_emoji} *{name}* is at *{health.score}/100* — {why}."),
        section("\n".join(lines) or "No single signal stands out."),
        context(f"`deskbot customers health` shows every part · account `{safe(health.account)}`"),
    ]


def owner_accounts(rows: Sequence[tuple[Health, str]]) -> list[Block]:
    """The Home tab's "Your accounts": each account's score, band and main reasons."""
    blocks: list[Block] = [{"type": "header", "text": plain("Your accounts")}]
    if not rows:
        return [*blocks, context("No accounts are yours in the support configuration.")]
    for health, band in rows[:20]:
        reasons = "; ".join(f"{p.label.lower()} {safe(p.value)}" for p in health.reasons[:3])
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(
                    f"{BAND_EMOJI.get(band, '')} *{safe(health.name, 100)}* {health.score}/100 · {band}"
                    + (f"\n{clip(reasons, 400)}" if reasons else "")
                ),
            }
        )
    return blocks
