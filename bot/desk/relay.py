"""Thread sync: the team talks in the card's thread (replies go to the requester, `!note` stays
internal, `!verbs` act on the ticket), the requester (and the people they added) in theirs."""

from __future__ import annotations

import re
from datetime import timedelta

from bot import access, blocks, tickets, verbs
from bot.desk.context import DeskContext
from bot.desk.slack_io import SlackIO
from bot.desk.work import TicketWork
from bot.i18n import requester_language
from bot.models import Status, Ticket
from knowledge import language

THREAD_WORD = re.compile(r"^\s*!(\S*)(.*)$", re.S)  # a message starting with `!` is a command, never a reply


class Relay:
    def __init__(self, ctx: DeskContext, slack: SlackIO, work: TicketWork) -> None:
        self.ctx, self.slack, self.work = ctx, slack, work

    def message(self, *, channel: str, thread_ts: str, user: str, text: str) -> bool:
        """Relay a message between the card's thread and the requester's; False if not a ticket thread."""
        with self.ctx.db.session() as s:
            found = tickets.by_thread(s, channel=channel, thread_ts=thread_ts)
        if found is None:
            return False
        ticket, side = found
        if access.is_staff(self.ctx.config, user):
            if side == "card":
                self._from_the_team(ticket, user=user, text=text, where=(channel, thread_ts))
            return True  # staff in the requester's thread speak to the requester directly
        if side == "requester":
            self._from_the_requester(ticket, user=user, text=text, where=(channel, thread_ts))
        return True  # only the team talks in the card thread

    def _from_the_team(self, ticket: Ticket, *, user: str, text: str, where: tuple[str, str]) -> None:
        number = ticket.number
        assert number is not None
        if not access.in_scope(self.ctx.config, ticket, user):
            refusal = blocks.outside_your_teams(number, ticket.team)
            self.slack.tell(user=user, channel=where[0], thread_ts=where[1], **refusal)
            return
        internal, body = self._command(number, user=user, text=text, where=where)
        if body is None:
            return
        with self.ctx.db.transaction() as s:
            tickets.add_note(
                s,
                number=number,
                author=user,
                body=body,
                internal=internal,
                config=self.ctx.config,
                now=self.ctx.clock(),
            )
        if not internal and ticket.channel:
            self.ctx.client.chat_postMessage(
                channel=ticket.channel,
                thread_ts=ticket.thread_ts,
                **blocks.relay(user, body, from_agent=True, lang=requester_language(ticket)),
            )
        self.ctx.deliver(number)

    def _command(
        self, number: int, *, user: str, text: str, where: tuple[str, str]
    ) -> tuple[bool, str | None]:
        """Run a `!verb` (None: nothing to relay), take `!note …` as an internal note, refuse any other
        `!word` with help; (internal, body) for a plain reply."""
        found = THREAD_WORD.match(text)
        if found is None:
            return False, text
        word, rest = found.group(1).lower(), found.group(2).strip()
        if word == "note" and rest.lstrip(":").strip():
            return True, rest.lstrip(":").strip()
        if word in verbs.THREAD_VERBS and not rest:
            self.work.change(word, number=number, actor=user)
            return False, None
        self.slack.tell(
            user=user, channel=where[0], thread_ts=where[1], **blocks.thread_command_refused(word, rest)
        )
        return False, None

    def _from_the_requester(self, ticket: Ticket, *, user: str, text: str, where: tuple[str, str]) -> None:
        number = ticket.number
        assert number is not None
        with self.ctx.db.session() as s:
            added = access.participants(tickets.events_of(s, number))
        if not access.speaks_for_requester(ticket, user, added):
            self.slack.tell(
                user=user,
                channel=where[0],
                thread_ts=where[1],
                **blocks.not_your_thread(lang=language.detect(text)),
            )
            return
        now, config = self.ctx.clock(), self.ctx.config
        with self.ctx.db.transaction() as s:
            current = tickets.get(s, number=number, lock=True)
            tickets.add_note(s, number=number, author=user, body=text, internal=False, config=config, now=now)
            window = timedelta(days=config.reopen_window_days)
            if current.status == Status.WAITING:
                tickets.resume(s, number=number, actor=user, config=config, now=now)
            elif (
                current.status == Status.RESOLVED
                and current.resolved_at
                and now - current.resolved_at <= window
            ):
                reason = "requester replied after resolve"
                tickets.reopen(s, number=number, actor=user, config=config, now=now, reason=reason)
        self.work.post_in_card_thread(number, blocks.relay(user, text, from_agent=False))
        self.ctx.deliver(number)
