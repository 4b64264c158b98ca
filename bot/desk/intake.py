"""Opening tickets from every Slack surface: triage, create (the card follows through the outbox),
auto-assign, and the requester's acknowledgement, with a DM when their channel refuses the bot."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from bot import access, blocks, tickets
from bot.cards import requester_language
from bot.desk.context import DeskContext
from bot.desk.customers import Customers
from bot.desk.slack_io import SlackIO
from bot.errors import InvalidInput
from bot.models import KbQuery, Ticket, TicketCreate
from bot.routing.assign import auto_assign
from bot.routing.triage import ticket_for
from bot.sla import SlaReport
from bot.support import Priority

log = logging.getLogger("deskbot.desk")


@dataclass(frozen=True)
class Request:
    """What someone asked for: the ticket's text, who it is for, where they asked, who opened it."""

    title: str
    description: str
    requester: str
    actor: str
    channel: str | None = None
    thread_ts: str | None = None
    priority: Priority | None = None  # what was asked for; the rules decide for requesters
    category: str | None = None
    reason: str | None = None
    query_id: int | None = None  # the question it comes from (Talk to a human)
    said: str | None = None  # the requester's own words where the description adds the bot's (routed on)


class Intake:
    def __init__(self, ctx: DeskContext, slack: SlackIO, customers: Customers) -> None:
        self.ctx, self.slack, self.customers = ctx, slack, customers

    def open(self, request: Request) -> Ticket:
        """Create, auto-assign, deliver the card, acknowledge the requester. The question a ticket comes
        from is linked in the creating transaction under a row lock: two clicks open one ticket."""
        channel = request.channel or self.slack.dm(request.requester)
        by_channel = self.customers.requester(channel=channel, user=request.requester)  # whose account
        data = self._triaged(request, channel)
        now = self.ctx.clock()
        with self.ctx.db.transaction() as s:
            query = s.get(KbQuery, request.query_id, with_for_update=True) if request.query_id else None
            if query is not None and query.ticket_number is not None:
                raise InvalidInput(f"This question already has ticket #{query.ticket_number}.")
            ticket = tickets.create(
                s, data=data, actor=request.actor, config=self.ctx.config, now=now, by_channel=by_channel
            )
            report = tickets.report_for(self.ctx.config, ticket, tickets.events_of(s, ticket.number), now)
            if query is not None:
                query.ticket_number = ticket.number
                s.add(query)
        number = ticket.number
        assert number is not None
        ticket = (
            auto_assign(
                self.ctx.db, number=number, config=self.ctx.config, now=now, presence=self.ctx.presence
            )
            or ticket
        )
        # The ticket exists now: nothing below may fail the request, or the requester tries again and
        # opens it twice. The card goes first (through the outbox: a refused card is retried).
        self.ctx.deliver(number)
        thread = self._acknowledge(ticket, report, channel=channel, thread_ts=request.thread_ts)
        with self.ctx.db.transaction() as s:
            return tickets.link_messages(s, number=number, requester_thread=thread)

    def _triaged(self, request: Request, channel: str) -> TicketCreate:
        """The ticket to create: category, team and priority from the rules, with the reason."""
        return ticket_for(
            self.ctx.triager,
            title=request.title,
            description=request.description,
            requester=request.requester,
            channel=channel,
            thread_ts=request.thread_ts,
            category=request.category,
            asked=request.priority,
            by_staff=access.is_staff(self.ctx.config, request.actor),
            reason=request.reason,
            said=request.said,
        )

    def _acknowledge(
        self, ticket: Ticket, report: SlaReport | None, *, channel: str, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """Tell the requester where they asked; by DM when that channel refuses the bot. The thread
        their side of the ticket lives in, if any."""
        ack = blocks.ticket_ack(ticket, report, lang=requester_language(ticket), **self._promise(ticket))
        try:
            posted = self.ctx.client.chat_postMessage(channel=channel, thread_ts=thread_ts, **ack)
            return channel, thread_ts or posted["ts"]
        except SlackApiError as exc:  # e.g. not_in_channel: a channel the bot was never invited to
            log.warning(
                "ticket #%s: no acknowledgement in %s: %s", ticket.number, channel, exc.response.get("error")
            )
        try:  # the requester hears it in a DM, and that DM becomes their side of the ticket
            dm = self.slack.dm(ticket.requester)
            posted = self.ctx.client.chat_postMessage(channel=dm, **ack)
            self.ctx.client.chat_postMessage(
                channel=dm,
                thread_ts=posted["ts"],
                **blocks.not_in_channel(channel, ticket.number, lang=requester_language(ticket)),
            )
            return dm, posted["ts"]
        except SlackApiError as again:
            log.error("ticket #%s: requester not told: %s", ticket.number, again.response.get("error"))
            return None

    def _promise(self, ticket: Ticket) -> dict[str, Any]:
        """When the team starts on it (if not now) and whether its clock counts working time."""
        policy = self.ctx.config.sla.policies.get(ticket.sla_policy)
        if policy is None or not policy.business_hours:
            return {"working_time": False}
        calendar = tickets.calendar_for(self.ctx.config, ticket.team)
        now = self.ctx.clock()
        first = next(calendar.intervals(now, now + timedelta(days=14)), None)
        if first is None or first[0] <= now + timedelta(minutes=1):
            return {}
        return {"opens_at": first[0].astimezone(ZoneInfo(calendar.timezone))}

    def ticket_in_thread(self, *, channel: str, thread_ts: str) -> int | None:
        with self.ctx.db.session() as s:
            found = tickets.by_thread(s, channel=channel, thread_ts=thread_ts)
        return found[0].number if found else None
