"""Deliver one outbox row to Slack: a channel or thread message, a DM, or a file (the digest chart).

Every message carries its outbox dedupe key in Slack message metadata, so `slack_already_sent` can
tell whether a row whose deliverer crashed mid-send reached Slack.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.models import Notification


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


MAX_THREAD_PAGES = 50  # a thread of 10,000 replies: past that, sending again beats reading on


def slack_already_sent(client: WebClient) -> Callable[[Notification], bool]:
    """Whether the channel (or thread) already holds a message with this row's dedupe key. Files
    carry no metadata: for them this answers False (a crash mid-upload may repeat the chart)."""

    def check(note: Notification) -> bool:
        if note.payload.get("kind", "message") in ("file", "card"):
            return False  # a card is updated in place (sending again is harmless)
        channel = _channel_of(client, note)

        def ours(messages: list[dict[str, Any]]) -> bool:
            return any(
                (m.get("metadata") or {}).get("event_payload", {}).get("key") == note.dedupe_key
                for m in messages
            )

        try:
            if not note.thread_ts:
                # the row is in doubt for one lease at most: its message, if any, is among the newest
                found = client.conversations_history(channel=channel, include_all_metadata=True, limit=200)
                return ours(found.get("messages") or [])
            # a thread is read oldest first: the message just sent is on its last page, so every page is
            # read (one page of a thread longer than it never held it, and the message was sent twice)
            cursor = None
            for _ in range(MAX_THREAD_PAGES):
                found = client.conversations_replies(
                    channel=channel, ts=note.thread_ts, include_all_metadata=True, limit=200, cursor=cursor
                )
                if ours(found.get("messages") or []):
                    return True
                cursor = (found.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return False
        except SlackApiError:
            return False  # cannot tell: sending again is better than losing it
        return False

    return check
