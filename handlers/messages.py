"""Questions in DMs, @mentions and support channels; replies in ticket threads are relayed."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.desk import Desk
from handlers.guard import guarded

IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join", "channel_leave"}


def register(app: App, desk: Desk) -> None:
    @app.event("app_mention")
    def on_mention(event: dict[str, Any]) -> None:
        user, channel = event.get("user", ""), event["channel"]
        thread = event.get("thread_ts")
        with guarded(desk, user=user, channel=channel, thread_ts=thread or event["ts"]):
            if (
                thread
                and thread != event["ts"]
                and desk.thread_message(
                    channel=channel, thread_ts=thread, user=user, text=event.get("text", "")
                )
            ):
                return
            desk.answer_question(
                channel=channel, user=user, text=event.get("text", ""), ts=event["ts"], thread_ts=thread
            )

    @app.event("message")
    def on_message(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("subtype") in IGNORED_SUBTYPES or event.get("bot_id") or not event.get("user"):
            return
        user, channel, text = event["user"], event["channel"], event.get("text", "")
        if context.bot_user_id and f"<@{context.bot_user_id}>" in text and event.get("channel_type") != "im":
            return  # the app_mention event handles it
        thread = event.get("thread_ts")
        with guarded(desk, user=user, channel=channel, thread_ts=thread or event["ts"]):
            if thread and thread != event["ts"]:
                desk.thread_message(channel=channel, thread_ts=thread, user=user, text=text)
                return
            if desk.wants_answer(channel=channel, channel_type=event.get("channel_type"), mentioned=False):
                desk.answer_question(channel=channel, user=user, text=text, ts=event["ts"], thread_ts=None)
