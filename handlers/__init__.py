"""Slack surfaces, one module each; `register_all` is the one place they are attached to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app import Deps


def register_all(app: App, deps: Deps) -> None:
    """Attach every Slack listener to `app`."""
    from handlers import commands, errors

    errors.register(app)
    commands.register(app, deps)
