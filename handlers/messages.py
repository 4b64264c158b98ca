"""Questions in DMs, @mentions and support channels; replies in ticket threads are relayed."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.desk import Desk
from handlers.guard import guarded
from handlers.payloads import Message, from_a_person

__all__ = ["from_a_person", "register"]


def register(app: App, desk: Desk) -> None:
    @app.event("app_mention")
    def on_mention(event: dict[str, Any], context: BoltContext) -> None:
        msg = Message.parse(event, bot_user_id=context.bot_user_id)
        if not msg.from_person:
            return
        # a warning goes into an existing thread only: Slack never shows an ephemeral in a thread with no
        # replies yet (chat.postEphemeral), so one under a new question was accepted and seen by nobody
        with guarded(desk, user=msg.user, channel=msg.channel, thread_ts=msg.thread_ts):
            desk.customers.seen(
                channel=msg.channel, user=msg.user, user_team=msg.user_team, home_team=context.team_id
            )
            if msg.is_reply and desk.relay.message(
                channel=msg.channel, thread_ts=msg.thread, user=msg.user, text=msg.text
            ):
                return
            desk.answering.answer(
                channel=msg.channel, user=msg.user, text=msg.question, ts=msg.ts, thread_ts=msg.thread_ts
            )

    @app.event("message")
    def on_message(event: dict[str, Any], context: BoltContext) -> None:
        msg = Message.parse(event, bot_user_id=context.bot_user_id)
        if not msg.from_person:
            return
        if context.bot_user_id and f"<@{context.bot_user_id}>" in msg.text and msg.channel_type != "im":
            return  # the app_mention event handles it
        with guarded(desk, user=msg.user, channel=msg.channel, thread_ts=msg.thread_ts):
            desk.customers.seen(
                channel=msg.channel, user=msg.user, user_team=msg.user_team, home_team=context.team_id
            )
            if msg.is_reply:
                desk.relay.message(channel=msg.channel, thread_ts=msg.thread, user=msg.user, text=msg.text)
            elif desk.answering.wants_answer(
                channel=msg.channel, channel_type=msg.channel_type, mentioned=False
            ):
                desk.answering.answer(
                    channel=msg.channel, user=msg.user, text=msg.question, ts=msg.ts, thread_ts=None
                )
