"""Reading a conversation back the way Slack answers it: conversations.history (channel-level messages,
newest first) and conversations.replies (a thread, parent first), both paginated with `limit` and
`response_metadata.next_cursor`, and both capped at the page size Slack documents (`bot.fakes.spec`).

Used by the fake Slack Web API server (`bot.fakes.slack`) on its stored messages.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from bot.fakes.spec import METHODS

Message = dict[str, Any]


def history(messages: list[Message], args: dict[str, Any], page_max: int | None) -> dict[str, Any]:
    """conversations.history: top-level messages (and thread parents, and broadcast replies), newest first."""
    channel_level = [
        m for m in messages if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
    ]
    found = sorted((m for m in channel_level if _in_range(m, args)), key=_ts, reverse=True)
    return _page("conversations.history", found, args, page_max, after=lambda m, ts: _ts(m) <= ts)


def replies(messages: list[Message], args: dict[str, Any], page_max: int | None) -> dict[str, Any]:
    """conversations.replies: the thread `ts` is in (its parent, or one of its replies), parent first."""
    asked = next((m for m in messages if m["ts"] == str(args["ts"])), None)
    if asked is None:
        return {"ok": False, "error": "thread_not_found"}
    root = asked.get("thread_ts") or asked["ts"]
    parent = next((m for m in messages if m["ts"] == root), asked)
    thread = sorted(
        (m for m in messages if m.get("thread_ts") == root and m["ts"] != root and _in_range(m, args)),
        key=_ts,
    )
    if not args.get("cursor"):
        thread = [parent, *thread]  # the parent leads the first page whatever the range
    return _page("conversations.replies", thread, args, page_max, after=lambda m, ts: _ts(m) >= ts)


def _page(
    method: str,
    found: list[Message],
    args: dict[str, Any],
    page_max: int | None,
    *,
    after: Callable[[Message, float], bool],
) -> dict[str, Any]:
    spec = METHODS[method]["page"]
    biggest = min(spec["max"], page_max) if page_max else spec["max"]
    limit = int(args.get("limit") or spec["default"])
    size = min(limit if limit > 0 else spec["default"], biggest)  # Slack caps `limit` silently
    cursor = args.get("cursor")
    if cursor:
        start = _cursor_ts(str(cursor))
        if start is None:
            return {"ok": False, "error": "invalid_cursor"}
        found = [m for m in found if after(m, start)]
    page, rest = found[:size], found[size:]
    metadata = _truthy(args.get("include_all_metadata"))
    return {
        "ok": True,
        "messages": [m if metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page],
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": _cursor(rest[0]["ts"]) if rest else ""},
    }


def _in_range(message: Message, args: dict[str, Any]) -> bool:
    inclusive = _truthy(args.get("inclusive"))
    ts = _ts(message)
    oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _ts(message: Message) -> float:
    return float(message["ts"])


def _cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _cursor_ts(cursor: str) -> float | None:
    try:
        text = base64.b64decode(cursor, validate=True).decode()
        return float(text.removeprefix("next_ts:")) if text.startswith("next_ts:") else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
