"""Slack surfaces, one module each; `register_all` is the one place they are attached to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.desk import Desk


def register_all(app: App, desk: Desk) -> None:
    """Attach every Slack listener to `app` (the dedupe middleware first)."""
    from handlers import actions, commands, dedupe, errors, intake, messages, views

    errors.register(app)
    dedupe.register(app, desk)
    commands.register(app, desk)
    messages.register(app, desk)
    actions.register(app, desk)
    views.register(app, desk)
    intake.register(app, desk)
