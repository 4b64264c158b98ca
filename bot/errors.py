"""Errors whose message is safe to show to a Slack user or a CLI operator as it is."""

from __future__ import annotations


class BotError(Exception):
    """An expected failure with a user-safe message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(BotError):
    """The thing asked for does not exist."""


class InvalidInput(BotError):
    """The input is malformed or out of range."""


class InvalidTransition(BotError):
    """The ticket's state machine does not allow this change now."""


class PermissionDenied(BotError):
    """The actor's role does not allow this."""


class AlreadyClaimed(BotError):
    """Someone else owns the ticket; `owner` says who."""

    def __init__(self, number: int, owner: str) -> None:
        super().__init__(f"Ticket #{number} is already claimed by <@{owner}>.")
        self.number = number
        self.owner = owner
