"""The one home of KPI queries: what the App Home, the managers' digest (jobs/digest.py) and
`deskbot kb gaps` show. Everything is a SQL aggregate (never a loop over tickets), so the figures hold
at a million tickets. How each figure is defined is said next to it, in the wording (bot/notices.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, not_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.cards import AUTOMATION
from bot.models import ACTIVE_STATUSES, Feedback, KbQuery, Ticket, TicketEvent

SETTLE = timedelta(hours=24)  # a ticket or "Talk to a human" this soon after an answer undoes it


def seconds_between(s: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """`later - earlier` in seconds, in SQL, on PostgreSQL and SQLite."""
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


@dataclass(frozen=True)
class Deflection:
    """Questions asked of the bot in a period and what came of them."""

    questions: int
    answered: int  # the bot gave a grounded answer
    deflected: int  # answered, no ticket and no Talk to a human within SETTLE, not marked Not helpful

    @property
    def rate(self) -> float | None:
        return round(self.deflected / self.questions, 3) if self.questions else None


def deflection(s: Session, *, start: datetime, end: datetime) -> Deflection:
    """Deflection over questions asked in [start, end): an answer counts only when the person did not
    ask for a human (Talk to a human links the question to a ticket), opened no ticket of their own
    within 24 hours, and did not mark it Not helpful."""
    later_ticket = exists().where(
        Ticket.requester == KbQuery.user,
        Ticket.created_at >= KbQuery.created_at,
        seconds_between(s, Ticket.created_at, KbQuery.created_at) <= SETTLE.total_seconds(),
    )
    disliked = exists().where(Feedback.query_id == KbQuery.id, col(Feedback.helpful).is_(False))
    settled = and_(
        col(KbQuery.grounded).is_(True),
        col(KbQuery.ticket_number).is_(None),
        not_(later_ticket),
        not_(disliked),
    )
    asked, answered, deflected = s.exec(
        select(
            func.count(),
            func.sum(case((col(KbQuery.grounded).is_(True), 1), else_=0)),
            func.sum(case((settled, 1), else_=0)),
        ).where(KbQuery.created_at >= start, KbQuery.created_at < end)
    ).one()
    return Deflection(int(asked or 0), int(answered or 0), int(deflected or 0))


@dataclass(frozen=True)
class Resolutions:
    """Each resolution made in a period (a ticket resolved twice counts twice) and what followed it."""

    resolutions: int
    confirmed: int  # the requester resolved it themselves (said so) or rated it afterwards
    assumed: int  # nobody confirmed: resolved by the team or by Deskbot, and no rating
    auto_resolved: int  # of the assumed: Deskbot closed it when follow-ups went unanswered
    reopened: int  # reopened after this resolution
    first_contact: int  # at most one reply from the team before it, and not reopened

    def share(self, part: int) -> float | None:
        return round(part / self.resolutions, 3) if self.resolutions else None

    def figures(self) -> dict[str, Any]:
        """The counts and the rates, as the digest keeps them."""
        return {
            **asdict(self),
            "reopen_rate": self.share(self.reopened),
            "first_contact_resolution": self.share(self.first_contact),
        }


def resolutions(s: Session, *, start: datetime, end: datetime) -> Resolutions:
    """Resolutions in [start, end) from the audit trail, so a resolution later reopened still counts
    (and counts as reopened): confirmed when the requester said so or rated, else assumed."""
    done = (
        select(
            col(TicketEvent.ticket_number).label("number"),
            col(TicketEvent.actor).label("actor"),
            col(TicketEvent.at).label("at"),
        )
        .where(TicketEvent.action == "resolve", TicketEvent.at >= start, TicketEvent.at < end)
        .subquery()
    )
    later = aliased(TicketEvent)

    def followed_by(action: str) -> Any:
        return exists().where(
            later.ticket_number == done.c.number, later.action == action, later.at >= done.c.at
        )

    replies = (
        select(func.count())
        .where(
            later.ticket_number == done.c.number,
            later.action == "reply",
            later.at <= done.c.at,
            later.actor != Ticket.requester,
            later.actor != literal(AUTOMATION),
        )
        .scalar_subquery()
    )
    confirmed = or_(done.c.actor == Ticket.requester, followed_by("rate"))
    reopened = followed_by("reopen")

    def tally(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    row = s.exec(
        select(
            func.count(),
            tally(confirmed),
            tally(and_(not_(confirmed), done.c.actor == AUTOMATION)),
            tally(reopened),
            tally(and_(replies <= 1, not_(reopened))),
        )
        .select_from(done)
        .join(Ticket, col(Ticket.number) == done.c.number)
    ).one()
    total, sure, auto, back, first = (int(v or 0) for v in row)
    return Resolutions(total, sure, total - sure, auto, back, first)


def today(s: Session, local: datetime) -> dict[str, Any]:
    """Figures since midnight in the managers' time zone (`local` is now, in that zone)."""
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = local + timedelta(seconds=1)

    def count(model: Any, *where: Any) -> int:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())

    asked = deflection(s, start=start, end=end)
    done = resolutions(s, start=start, end=end)
    csat = s.exec(select(func.avg(Ticket.csat)).where(col(Ticket.resolved_at) >= start)).one()
    return {
        "Opened": count(Ticket, Ticket.created_at >= start),
        "Resolved": f"{done.resolutions} ({done.confirmed} confirmed, {done.assumed} assumed)",
        "Open backlog": count(Ticket, col(Ticket.status).in_(ACTIVE_STATUSES)),
        "Questions answered by the bot": f"{asked.answered} of {asked.questions}",
        "Deflected (no ticket within 24 h)": f"{asked.deflected} of {asked.questions}",
        "CSAT today": f"{csat:.1f}/5" if csat else "no ratings yet",
    }
