"""Deliver one outbox row to Slack: a channel or thread message, a DM, or a file (the digest chart)."""

from __future__ import annotations

import base64
from collections.abc import Callable

from slack_sdk import WebClient

from bot.models import Notification


def slack_sender(client: WebClient) -> Callable[[Notification], None]:
    def send(note: Notification) -> None:
        payload = dict(note.payload)
        kind = payload.pop("kind", "message")
        channel = note.channel
        if channel.startswith("U"):  # a person: their DM with the bot
            channel = client.conversations_open(users=channel)["channel"]["id"]
        if kind == "file":
            client.files_upload_v2(
                channel=channel,
                content=base64.b64decode(payload["content_b64"]),
                filename=payload["filename"],
                title=payload.get("title"),
                initial_comment=payload.get("initial_comment"),
            )
            return
        client.chat_postMessage(channel=channel, thread_ts=note.thread_ts, **payload)

    return send
