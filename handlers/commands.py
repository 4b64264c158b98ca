"""Slash commands: parse, run through the ticket service, answer (ephemeral) in the acknowledgement."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import slash
from bot.app import Deps
from bot.errors import BotError


def register(app: App, deps: Deps) -> None:
    """Attach `/ticket`."""

    @app.command("/ticket")
    def ticket_command(ack: Ack, command: dict[str, Any]) -> None:
        # The work is a single short transaction, so its result rides in the ack (within Slack's 3 s).
        try:
            reply = slash.execute(
                slash.parse(command.get("text", "")),
                user=command["user_id"],
                db=deps.db,
                config=deps.config,
                now=deps.clock(),
            )
        except BotError as exc:
            reply = f":warning: {exc.message}"
        ack(text=reply)
