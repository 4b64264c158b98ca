"""Deliver one outbox row to Slack: a channel or thread message, a DM, or a file (the digest chart).

Every message carries its outbox dedupe key in Slack message metadata, so `slack_already_sent` can
tell whether a row whose deliverer crashed mid-send reached Slack.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.models import Notification
from bot.timeutil import as_utc


def slack_sender(
    client: WebClient, *, cards: Callable[[Notification], None] | None = None
) -> Callable[[Notification], None]:
    """Send a row: a message, a file, or (with `cards`, the card publisher) a ticket's card."""

    def send(note: Notification) -> None:
        payload = dict(note.payload)
        kind = payload.pop("kind", "message")
        if kind == "card":
            if cards is None:
                raise RuntimeError("this deliverer cannot render ticket cards")
            cards(note)
            return
        channel = _channel_of(client, note)
        if kind == "file":
            client.files_upload_v2(
                channel=channel,
                content=base64.b64decode(payload["content_b64"]),
                filename=payload["filename"],
                title=payload.get("title"),
                initial_comment=payload.get("initial_comment"),
            )
            return
        client.chat_postMessage(
            channel=channel,
            thread_ts=note.thread_ts,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": note.dedupe_key}},
            **payload,
        )

    return send


EVENT_TYPE = "deskbot_notification"


def _channel_of(client: WebClient, note: Notification) -> str:
    """The row's channel; for a person (U…, or W… on Enterprise Grid), their DM with the bot."""
    if note.channel.startswith(("U", "W")):
        return str(client.conversations_open(users=note.channel)["channel"]["id"])
    return note.channel


MAX_PAGES = 50  # 10,000 messages since the row was created: past that, sending again beats reading on
CLOCK_SKEW = timedelta(minutes=5)  # between our clock and Slack's message timestamps


def slack_already_sent(client: WebClient) -> Callable[[Notification], bool]:
    """Whether the channel (or thread) already holds a message with this row's dedupe key. Every page
    is read, down to when the row was created (`oldest`: its message cannot be older). Files carry no
    metadata: for them this answers False (a crash mid-upload may repeat the chart)."""

    def check(note: Notification) -> bool:
        if note.payload.get("kind", "message") in ("file", "card"):
            return False  # a card is updated in place (sending again is harmless)
        channel = _channel_of(client, note)
        window: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": 200}
        if note.created_at is not None:
            window["oldest"] = f"{(as_utc(note.created_at) - CLOCK_SKEW).timestamp():.6f}"
        if note.thread_ts:  # a thread is read oldest first: the message just sent is on its last page
            read: Callable[..., Any] = partial(client.conversations_replies, ts=note.thread_ts)
        else:  # a channel newest first: a busy one may hold more since the send than a page
            read = client.conversations_history
        cursor = None
        try:
            for _ in range(MAX_PAGES):
                found = read(**window, cursor=cursor)
                if any(_key(m) == note.dedupe_key for m in found.get("messages") or []):
                    return True
                cursor = (found.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return False
        except SlackApiError:
            return False  # cannot tell: sending again is better than losing it
        return False

    return check


def _key(message: dict[str, Any]) -> Any:
    return (message.get("metadata") or {}).get("event_payload", {}).get("key")
