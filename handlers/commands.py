"""`/ticket` and `/checkin`: `new` opens the form; changes run in the ack (one short transaction) and
what they queued is delivered right after; reads answer in the ack. Replies are ephemeral, pass the
text boundary, and usage errors teach the form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot import slash
from bot.desk import Desk
from bot.errors import BotError
from bot.slack_text import scrub
from handlers.guard import guarded


def register(app: App, desk: Desk) -> None:
    @app.command("/checkin")
    def checkin_command(ack: Ack, command: dict[str, Any]) -> None:
        try:
            reply = desk.commands.checkin(command.get("text", ""), user=command["user_id"])
        except BotError as exc:
            reply = f":warning: {exc.message}"
        ack(text=scrub(reply))

    @app.command("/ticket")
    def ticket_command(ack: Ack, command: dict[str, Any], client: Any) -> None:
        user, channel = command["user_id"], command.get("channel_id")
        after = None
        try:
            parsed = slash.parse(command.get("text", ""))
            if parsed.verb == "new":
                view = desk.commands.new_ticket_form(
                    title=parsed.rest, metadata={"channel": channel, "requester": user}
                )
                ack()  # first: Slack waits 3 s for it, and a slow or refused views.open must not hold it
                try:
                    client.views_open(trigger_id=command["trigger_id"], view=view)
                except SlackApiError as exc:  # expired_trigger_id (3 s), a rate limit's retries…
                    desk.slack.tell(
                        user=user,
                        channel=channel,
                        text=f":warning: The New ticket form could not open ({exc.response.get('error')}); "
                        "run `/ticket new` again.",
                    )
                return
            reply, after = desk.commands.ticket(parsed, user=user)
        except BotError as exc:
            reply = f":warning: {exc.message}"
        ack(text=scrub(reply))
        if after is not None:
            with guarded(desk, user=user, channel=channel):
                after()
