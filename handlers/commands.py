"""`/ticket`: `new` opens the form; changes run in the ack (one short transaction) and the card is
updated right after; reads answer in the ack. Replies are ephemeral and usage errors teach the form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import blocks, checkins, slash
from bot.desk import Desk
from bot.errors import BotError
from handlers.intake import category_choices


def register(app: App, desk: Desk) -> None:
    @app.command("/checkin")
    def checkin_command(ack: Ack, command: dict[str, Any]) -> None:
        try:
            reply = checkins.handle(
                command.get("text", ""),
                user=command["user_id"],
                db=desk.db,
                config=desk.config,
                now=desk.clock(),
            )
        except BotError as exc:
            reply = f":warning: {exc.message}"
        ack(text=reply)

    @app.command("/ticket")
    def ticket_command(ack: Ack, command: dict[str, Any], client: Any) -> None:
        user, channel = command["user_id"], command.get("channel_id")
        changed = None
        try:
            parsed = slash.parse(command.get("text", ""))
            if parsed.verb == "new":
                meta = {"channel": channel, "requester": user}
                view = blocks.new_ticket_modal(
                    categories=category_choices(desk), title=parsed.rest, metadata=meta
                )
                client.views_open(trigger_id=command["trigger_id"], view=view)
                ack()
                return
            if parsed.verb in slash.CHANGES:
                assert parsed.number is not None
                changed = desk.apply_change(
                    parsed.verb, number=parsed.number, actor=user, **slash.change_args(parsed)
                )
                reply = slash.summary(changed)
            else:
                reply = slash.execute(parsed, user=user, db=desk.db, config=desk.config, now=desk.clock())
        except BotError as exc:
            reply = f":warning: {exc.message}"
        ack(text=reply)
        if changed is not None:
            desk.announce_change(parsed.verb, changed)
