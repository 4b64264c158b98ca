"""Figures the App Home shows managers (the digest computes its own over whole periods: jobs/digest.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from bot.models import ACTIVE_STATUSES, KbQuery, Ticket


def today(s: Session, local: datetime) -> dict[str, Any]:
    """Figures since midnight in the managers' time zone (`local` is now, in that zone)."""
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)

    def count(model: Any, *where: Any) -> int:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())

    asked = count(KbQuery, KbQuery.created_at >= start)
    answered = count(KbQuery, KbQuery.created_at >= start, KbQuery.grounded == True)  # noqa: E712
    csat = s.exec(select(func.avg(Ticket.csat)).where(col(Ticket.resolved_at) >= start)).one()
    return {
        "Opened": count(Ticket, Ticket.created_at >= start),
        "Resolved": count(Ticket, col(Ticket.resolved_at) >= start),
        "Open backlog": count(Ticket, col(Ticket.status).in_(ACTIVE_STATUSES)),
        "Questions answered by the bot": f"{answered} of {asked}",
        "CSAT today": f"{csat:.1f}/5" if csat else "no ratings yet",
    }
