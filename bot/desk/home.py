"""App Home: a requester's open requests; an agent's tickets and their teams' queue with SLA
countdowns; for managers, today's figures and the week's unanswered questions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import access, accounts, blocks, health, kpis, tickets
from bot.answers import not_helpful, unanswered
from bot.desk.context import DeskContext
from bot.health import Health


class Home:
    def __init__(self, ctx: DeskContext) -> None:
        self.ctx = ctx

    def publish(self, *, user: str) -> None:
        self.ctx.client.views_publish(user_id=user, view=self.view_for(user=user))

    def view_for(self, *, user: str) -> dict[str, Any]:
        """The App Home view `user` sees."""
        config, now = self.ctx.config, self.ctx.clock()
        who = access.viewer(config, user)
        with self.ctx.db.session() as s:
            if who.staff:
                mine = list(tickets.list_tickets(s, view="mine", user=user, limit=20))
                queue = [
                    t
                    for team in access.queue_teams(config, user)
                    for t in tickets.list_tickets(s, view="queue", team=team, limit=20)
                ]
                queue.sort(
                    key=lambda t: (t.resolution_due is None, t.resolution_due or now)
                )  # most urgent first
            else:
                mine, queue = list(tickets.list_tickets(s, view="requested", user=user, limit=20)), []

            def reported(rows: list[Any]) -> list[Any]:
                return [(t, tickets.report_for(config, t, tickets.events_of(s, t.number), now)) for t in rows]

            local = now.astimezone(ZoneInfo(config.managers.timezone))
            manager = who.role in ("manager", "admin")
            today = kpis.today(s, local) if manager else None
            week = now - timedelta(days=7)
            gaps = unanswered(s, since=week) if manager else []
            disliked = not_helpful(s, since=week) if manager else []
            return blocks.home_view(
                role=who.role,
                mine=reported(mine),
                queue=reported(queue),
                today=today,
                unanswered=gaps,
                unhelpful=disliked,
                now=local,
                accounts=self._accounts(s, user=user, now=now),
            )

    def _accounts(self, s: Any, *, user: str, now: Any) -> list[tuple[Health, str]] | None:
        """The health of the accounts `user` owns (None when they own none)."""
        settings = self.ctx.config.health
        keys = [a.key for a in accounts.owned_by(s, config=self.ctx.config, user=user, now=now)]
        if not keys:
            return None
        return [(h, h.band(settings)) for h in health.compute(s, settings=settings, now=now, keys=keys)]
