"""Block Kit primitives every builder uses: text objects within Slack's limits, sections, buttons, durations, the SLA line."""

from __future__ import annotations

from typing import Any

from bot.models import Status
from bot.sla import SlaReport
from bot.slack_text import safe
from knowledge.clipping import clip

SECTION_MAX = 3000


HEADER_MAX = 150


BUTTON_MAX = 75


INPUT_MAX = 3000


Block = dict[str, Any]


STATUS_EMOJI = {
    Status.NEW: ":new:",
    Status.OPEN: ":large_blue_circle:",
    Status.WAITING: ":hourglass_flowing_sand:",
    Status.RESOLVED: ":white_check_mark:",
    Status.CLOSED: ":lock:",
    Status.REOPENED: ":repeat:",
}


PRIORITY_EMOJI = {
    "urgent": ":red_circle:",
    "high": ":large_orange_circle:",
    "normal": ":white_circle:",
    "low": ":white_circle:",
}


def plain(text: str, limit: int = HEADER_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_MAX) or " "}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip(t, 1900)) for t in texts[:10] if t]}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_MAX), "action_id": action_id}
    if value:
        out["value"] = clip(value, 2000)
    if style:
        out["style"] = style
    return out


def quote(text: str, limit: int = 2500) -> str:
    return "\n".join(f"> {line}" for line in safe(text, limit).splitlines() or [""])


def duration(seconds: float) -> str:
    """'2h 05m', '35m', '3d 4h' (negative values are overdue)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m" if hours else f"{mins}m"
    return text


def sla_line(report: SlaReport | None) -> str:
    """The ticket's clocks in one line: ':stopwatch: first response in 1h 20m · resolution in 2d 3h'."""
    if report is None:
        return "SLA: policy no longer configured"
    parts = []
    for label, clock in (("first response", report.first_response), ("resolution", report.resolution)):
        if clock.state == "stopped":
            parts.append(f"{label} {'met' if not clock.breached else 'breached'}")
        elif clock.breached:
            parts.append(f":rotating_light: {label} overdue by {duration(clock.left_seconds)}")
        else:
            paused = " (paused)" if clock.state == "paused" else ""
            parts.append(f"{label} in {duration(clock.left_seconds)}{paused}")
    return ":stopwatch: " + " · ".join(parts)


def short_message(text: str) -> dict[str, Any]:
    return {"text": clip(text, 3000), "blocks": [section(text)]}
