"""Agents working tickets from Slack (buttons, /ticket, thread commands) and requesters answering
the desk (CSAT, follow-ups): each change runs in one transaction through the ticket service, which
queues the card refresh and the requester's messages; they are delivered right after."""

from __future__ import annotations

from typing import Any

from bot import access, blocks, tickets, verbs
from bot.cards import requester_language
from bot.desk.context import DeskContext
from bot.errors import PermissionDenied
from bot.models import Status, Ticket


class TicketWork:
    def __init__(self, ctx: DeskContext) -> None:
        self.ctx = ctx

    def change(self, verb: str, *, number: int, actor: str, **extra: Any) -> Ticket:
        """Run a ticket verb for staff, then deliver what it queued (card, requester's messages)."""
        ticket = self.apply(verb, number=number, actor=actor, **extra)
        self.delivered(ticket)
        return ticket

    def delivered(self, ticket: Ticket) -> None:
        """Deliver what a change queued (card, requester's messages); a merge changed the original too."""
        assert ticket.number is not None
        self.ctx.deliver(ticket.number)
        if ticket.merged_into is not None:
            self.ctx.deliver(ticket.merged_into)

    def apply(self, verb: str, *, number: int, actor: str, **extra: Any) -> Ticket:
        """The database half of `change` (one short transaction), so a slash command can ack with it."""
        access.require_staff(self.ctx.config, actor)
        with self.ctx.db.transaction() as s:
            for n in sorted({number, *([extra["into"]] if "into" in extra else [])}):  # a merge: both
                ticket = tickets.get(s, number=n, lock=True)
                access.require_work(
                    self.ctx.config, ticket, actor, access.participants(tickets.events_of(s, n))
                )
            return verbs.run(
                verb, s, number=number, actor=actor, config=self.ctx.config, now=self.ctx.clock(), **extra
            )

    def rate(self, *, number: int, score: int, user: str, channel: str, ts: str) -> None:
        with self.ctx.db.transaction() as s:
            ticket = tickets.rate(
                s, number=number, score=score, actor=user, config=self.ctx.config, now=self.ctx.clock()
            )
            lang = requester_language(ticket)  # the thanks speaks the prompt's language
        self.ctx.client.chat_update(channel=channel, ts=ts, **blocks.csat_thanks(score, lang=lang))
        self.ctx.deliver(number)

    def followup(self, *, number: int, user: str, resolved: bool, channel: str, ts: str) -> None:
        """The requester's answer to a waiting-on-customer follow-up."""
        now, config = self.ctx.clock(), self.ctx.config
        with self.ctx.db.transaction() as s:
            ticket = tickets.get(s, number=number, lock=True)
            if ticket.requester != user:
                raise PermissionDenied(f"Only the requester of ticket #{number} can answer this.")
            if ticket.status == Status.WAITING:
                tickets.resume(s, number=number, actor=user, config=config, now=now)
            if resolved:
                reason = "requester confirmed it is resolved"
                tickets.resolve(s, number=number, actor=user, config=config, now=now, reason=reason)
            lang = requester_language(ticket)
        self.ctx.client.chat_update(channel=channel, ts=ts, **blocks.followup_thanks(resolved, lang=lang))
        self.post_in_card_thread(number, blocks.relay(user, blocks.followup_said(resolved), from_agent=False))
        self.ctx.deliver(number)

    def requester_language(self, number: int) -> str | None:
        """The language ticket `number`'s requester wrote it in (what the bot's words to them speak)."""
        with self.ctx.db.session() as s:
            return requester_language(tickets.get(s, number=number))

    def csat_comment(self, *, number: int, user: str, comment: str) -> None:
        with self.ctx.db.transaction() as s:
            ticket = tickets.get(s, number=number)
            if ticket.requester != user:
                raise PermissionDenied(f"Only the requester of ticket #{number} can comment on its rating.")
            body = f"CSAT comment: {comment}"
            tickets.add_note(
                s,
                number=number,
                author=user,
                body=body,
                internal=True,
                config=self.ctx.config,
                now=self.ctx.clock(),
            )
        self.post_in_card_thread(number, blocks.relay(user, body, from_agent=False))

    def post_in_card_thread(self, number: int, payload: dict[str, Any]) -> None:
        with self.ctx.db.session() as s:
            ticket = tickets.get(s, number=number)
        if ticket.triage_channel and ticket.triage_ts:
            self.ctx.client.chat_postMessage(
                channel=ticket.triage_channel, thread_ts=ticket.triage_ts, **payload
            )
