"""Customer accounts seen from Slack: who a message's author writes for (their Slack team in a Slack
Connect channel, else the channel's account), remembered for their later requests."""

from __future__ import annotations

from bot import access, accounts
from bot.desk.context import DeskContext
from bot.desk.slack_io import SlackIO


class Customers:
    def __init__(self, ctx: DeskContext, slack: SlackIO) -> None:
        self.ctx, self.slack = ctx, slack

    def requester(self, *, channel: str | None, user: str) -> bool:
        """A ticket is about to be opened for `user` in `channel` from a surface that does not say
        their Slack team (the New ticket form of `/ticket new`, a reaction). Where the channel's
        account would be assumed for someone not known yet, ask Slack whose team they are first: in a
        channel shared with several organisations, another organisation's person is their own
        organisation's, not the channel's account. Whether the channel's account may be assumed for
        them: not when Slack would not say and the account lists its team ids (the channel may be
        shared with other organisations: the ticket is then no account's rather than another's)."""
        config = self.ctx.config
        key = accounts.channel_account(config, channel)
        if access.is_staff(config, user) or key is None:
            return True
        with self.ctx.db.session() as s:
            if accounts.member_of(s, user) is not None:
                return True
        team, home = self.slack.team(user), self.slack.workspace()
        if channel and team and home:
            self.seen(channel=channel, user=user, user_team=team, home_team=home)
            return True
        return not config.customers[key].team_ids

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
