"""Customer accounts seen from Slack: who a message's author writes for (their Slack team in a Slack
Connect channel, else the channel's account), remembered for their later requests."""

from __future__ import annotations

from bot import accounts
from bot.desk.context import DeskContext


class Customers:
    def __init__(self, ctx: DeskContext) -> None:
        self.ctx = ctx

    def seen(self, *, channel: str, user: str, user_team: str | None, home_team: str | None) -> str | None:
        """A person wrote in `channel`: attribute them to their account (None: staff or no account)."""
        if not self.ctx.config.customers and not (user_team and home_team and user_team != home_team):
            return None  # no accounts configured and nobody from another organisation: nothing to learn
        with self.ctx.db.transaction() as s:
            return accounts.seen(
                s,
                config=self.ctx.config,
                channel=channel,
                user=user,
                user_team=user_team,
                home_team=home_team,
                now=self.ctx.clock(),
            )
