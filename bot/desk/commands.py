"""`/ticket` and `/checkin`: run a command for a user and say what happened (changes are delivered
after the ack, by the handler calling `delivered`)."""

from __future__ import annotations

from bot import blocks, checkins, slash
from bot.desk.context import DeskContext
from bot.desk.work import TicketWork
from bot.models import Ticket


class Commands:
    def __init__(self, ctx: DeskContext, work: TicketWork) -> None:
        self.ctx, self.work = ctx, work

    def ticket(self, parsed: slash.Command, *, user: str) -> tuple[str, Ticket | None]:
        """The reply to `/ticket …` (not `new`, which opens the form) and the ticket it changed, if any."""
        if parsed.verb in slash.CHANGES:
            assert parsed.number is not None
            changed = self.work.apply(
                parsed.verb, number=parsed.number, actor=user, **slash.change_args(parsed)
            )
            return slash.summary(changed), changed
        return slash.execute(
            parsed, user=user, db=self.ctx.db, config=self.ctx.config, now=self.ctx.clock()
        ), None

    def delivered(self, ticket: Ticket) -> None:
        """After the ack: what the change queued (card, requester's messages), delivered."""
        assert ticket.number is not None
        self.ctx.deliver(ticket.number)

    def checkin(self, text: str, *, user: str) -> str:
        return checkins.handle(text, user=user, db=self.ctx.db, config=self.ctx.config, now=self.ctx.clock())

    def new_ticket_form(
        self, *, title: str = "", description: str = "", metadata: dict[str, object]
    ) -> dict[str, object]:
        """The New ticket modal, with this desk's categories."""
        categories = [(name, name.replace("_", " ").capitalize()) for name in self.ctx.config.categories]
        return blocks.new_ticket_modal(
            categories=categories, title=title, description=description, metadata=metadata
        )

    def onboard(self, *, channel: str) -> None:
        """Deskbot added to a customer channel: schedule its onboarding check-ins (day 1, 7, 30…)."""
        spec = self.ctx.config.channels.get(channel)
        if spec is not None and spec.audience == "customer":
            checkins.onboarding(self.ctx.db, config=self.ctx.config, channel=channel, now=self.ctx.clock())
