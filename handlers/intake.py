"""Other ways in: the 'Create ticket' message shortcut and a :ticket: reaction in a support channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.desk import Desk, Request
from handlers.guard import guarded

TICKET_REACTIONS = {"ticket", "admission_tickets"}


def register(app: App, desk: Desk) -> None:
    @app.shortcut("create_ticket")
    def on_shortcut(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        user = body["user"]["id"]
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id")
        with guarded(desk, user=user, channel=channel):
            text = message.get("text", "")
            meta = {
                "channel": channel,
                "thread_ts": message.get("thread_ts") or message.get("ts"),
                "requester": message.get("user") or user,
                "permalink": desk.slack.permalink(channel=channel, ts=message.get("ts", "")) if channel else None,
            }
            view = desk.commands.new_ticket_form(title=text.split("\n", 1)[0], description=text, metadata=meta)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        channel, user = item.get("channel", ""), event.get("user", "")
        if event.get("reaction") not in TICKET_REACTIONS or item.get("type") != "message":
            return
        if not desk.answering.is_support_channel(channel):
            return  # only in configured support channels
        with guarded(desk, user=user, channel=channel):
            message = desk.slack.message(channel=channel, ts=item["ts"])
            if message is None or message.get("bot_id"):
                return
            thread = message.get("thread_ts") or item["ts"]
            existing = desk.intake.ticket_in_thread(channel=channel, thread_ts=thread)
            if existing is not None:
                desk.slack.tell(user=user, channel=channel, text=f"This message already has ticket #{existing}.")
                return
            text = message.get("text", "")
            request = Request(
                title=text.split("\n", 1)[0] or "Ticket from a reaction",
                description=text,
                requester=message.get("user") or event.get("item_user") or user,
                actor=user,
                channel=channel,
                thread_ts=thread,
                reason=f"opened with :{event['reaction']}: by <@{user}>",
            )
            desk.intake.open(request)

    @app.event("member_joined_channel")
    def on_joined(event: dict[str, Any], context: Any) -> None:
        """Deskbot added to a customer channel: schedule the onboarding check-ins (day 1, 7, 30…)."""
        if event.get("user") == context.bot_user_id:
            desk.commands.onboard(channel=event.get("channel", ""))

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        with guarded(desk, user=event["user"]):
            desk.home.publish(user=event["user"])
