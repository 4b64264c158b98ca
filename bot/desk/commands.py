"""`/ticket` and `/checkin`: run a command for a user and say what happened (changes are delivered
after the ack, by the handler calling `delivered`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot import blocks, checkins, slash
from bot.desk.context import DeskContext
from bot.desk.drafts import Drafts
from bot.desk.work import TicketWork


class Commands:
    def __init__(self, ctx: DeskContext, work: TicketWork, drafts: Drafts) -> None:
        self.ctx, self.work, self.drafts = ctx, work, drafts

    def ticket(self, parsed: slash.Command, *, user: str) -> tuple[str, Callable[[], object] | None]:
        """The reply to `/ticket …` (not `new`, which opens the form) and what to do after the ack: deliver
        what a change queued, or draft the article (a model may take longer than Slack waits for the ack)."""
        if parsed.verb in slash.CHANGES:
            assert parsed.number is not None
            changed = self.work.apply(
                parsed.verb, number=parsed.number, actor=user, **slash.change_args(parsed)
            )
            return slash.summary(changed), partial(self.ctx.deliver, parsed.number)
        if parsed.verb in slash.DRAFTS:
            assert parsed.number is not None
            said, waiting = self.drafts.check(number=parsed.number, actor=user)
            return said, None if waiting else partial(self.drafts.draft, number=parsed.number, actor=user)
        return slash.execute(
            parsed, user=user, db=self.ctx.db, config=self.ctx.config, now=self.ctx.clock()
        ), None

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
