"""Slack I/O the desk needs besides the outbox: a private word to one person, DMs, reactions,
permalinks and reading a message back."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger("deskbot.desk")


class SlackIO:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._home_team: str | None = None

    def team(self, user: str) -> str | None:
        """The Slack team `user` belongs to (another organisation's id for a Slack Connect guest), or
        None when Slack will not say."""
        try:
            return self.client.users_info(user=user)["user"].get("team_id") or None
        except SlackApiError as exc:
            log.info("users.info %s: %s", user, exc.response.get("error"))
        except OSError as exc:  # Slack unreachable: the ticket is opened all the same
            log.warning("users.info %s: %s", user, exc)
        return None

    def workspace(self) -> str | None:
        """This workspace's team id (asked once)."""
        if self._home_team is None:
            try:
                self._home_team = self.client.auth_test().get("team_id") or None
            except SlackApiError as exc:
                log.warning("auth.test: %s", exc.response.get("error"))
        return self._home_team

    def tell(self, *, user: str, text: str, channel: str | None = None, thread_ts: str | None = None) -> None:
        """A short message only `user` sees: ephemeral in a channel, else (or when refused) a DM."""
        if channel and not channel.startswith("D"):
            try:
                self.client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
                return
            except SlackApiError as exc:  # e.g. a channel the bot is not in: the DM still reaches them
                log.info("ephemeral to %s in %s refused: %s", user, channel, exc.response.get("error"))
        try:
            self.client.chat_postMessage(channel=self.dm(user), text=text)
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user, exc.response.get("error"))

    def dm(self, user: str) -> str:
        return str(self.client.conversations_open(users=user)["channel"]["id"])

    def react(self, channel: str, ts: str, name: str, *, add: bool) -> None:
        try:
            if add:
                self.client.reactions_add(channel=channel, timestamp=ts, name=name)
            else:
                self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:  # a missing reaction is cosmetic
            log.info("reaction %s on %s/%s: %s", name, channel, ts, exc.response.get("error"))

    def message(self, *, channel: str, ts: str) -> dict[str, Any] | None:
        """The message at (channel, ts), read back from Slack (for :ticket: reactions). History lists the
        channel's messages but not thread replies; for a reply, `conversations.replies` answers with the
        thread's parent first, so the one with this ts is picked, never the first."""
        window = {"latest": ts, "oldest": ts, "inclusive": True}
        try:
            got = self.client.conversations_history(channel=channel, limit=1, **window)
            found = [m for m in got.get("messages") or [] if m.get("ts") == ts]
            if not found:
                got = self.client.conversations_replies(channel=channel, ts=ts, limit=2, **window)
                found = [m for m in got.get("messages") or [] if m.get("ts") == ts]
        except SlackApiError:
            return None
        return found[0] if found else None

    def permalink(self, *, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError:
            return None
