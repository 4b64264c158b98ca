"""Questions in DMs, @mentions and support channels; replies in ticket threads are relayed."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.desk import Desk
from handlers.guard import guarded

# A person's message: no subtype, a thread reply also sent to the channel, or a file shared with words.
# Everything else (bot_message, message_changed, channel_join, channel_topic, …) is not a question.
PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}


def from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A message a person wrote, with text: never a bot's (ours or another app's, or a loop starts),
    never a channel event, an edit or a bare file share."""
    return (
        event.get("subtype") in PERSON_SUBTYPES
        and not event.get("bot_id")
        and not event.get("bot_profile")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
        and bool((event.get("text") or "").strip())
    )


def register(app: App, desk: Desk) -> None:
    @app.event("app_mention")
    def on_mention(event: dict[str, Any], context: BoltContext) -> None:
        if not from_a_person(event, context.bot_user_id):
            return
        user, channel = event["user"], event["channel"]
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
        if not from_a_person(event, context.bot_user_id):
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
