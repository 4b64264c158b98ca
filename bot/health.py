"""Account health from support signals, explainable: each part's value and the points it costs.

The signals are SQL aggregates grouped by account (one pass over the tickets of the baseline period,
one over the reopen events, the unanswered questions and the check-ins of the recent period), never
rows loaded per account; the score is a pure function of them:

| part | counted over the recent window | points lost (at most) |
|---|---|---|
| volume | tickets opened, against the account's own baseline (the average of the earlier windows) | 5 per baseline above it, when 3 or more (15) |
| breaches | tickets opened that breached an SLA target (or are past due now) | 5 each (25) |
| csat | average rating of tickets resolved | 10 per point under 4 (20) |
| reopens | tickets reopened ÷ tickets resolved (reopened or not) | 30 × the rate (15) |
| unanswered | questions the help centre could not answer and no ticket followed | 2 each (10) |
| urgent | urgent tickets opened | 3 each (10) |
| silence | check-ins older than the silence period with no word from the account since | 5 each (10) |
| contact | days since the account's last contact (or since it became an account) | ½ a day after 14 days (10) |

Health = 100 − the points lost (at least 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from bot.models import Account, AccountCheckin, KbQuery, Ticket, TicketEvent
from bot.support.customers import HealthSettings
from bot.support.models import Priority

AT_RISK, WATCH = "at risk", "watch"


@dataclass(frozen=True)
class Signals:
    """An account's raw support signals (what the score is computed from)."""

    tickets: int = 0
    earlier: int = 0  # tickets opened in the baseline windows before the recent one
    breached: int = 0
    urgent: int = 0
    resolved: int = 0
    reopened: int = 0
    csat_sum: int = 0
    csat_n: int = 0
    unanswered: int = 0
    silent_checkins: int = 0
    last_contact: datetime | None = None
    since: datetime | None = None  # when it became an account (contact falls back to it)


@dataclass(frozen=True)
class Part:
    """One part of a health score: what was measured, and how many points it cost (0 or negative)."""

    name: str
    label: str
    value: str
    points: float
    most: int

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "value": self.value, "points": self.points}


@dataclass(frozen=True)
class Health:
    account: str
    name: str
    owner: str | None
    score: int
    parts: tuple[Part, ...]
    signals: Signals

    @property
    def reasons(self) -> list[Part]:
        """The parts that cost points, the costliest first."""
        return sorted((p for p in self.parts if p.points < 0), key=lambda p: p.points)

    def band(self, settings: HealthSettings) -> str:
        if self.score < settings.warn_below:
            return AT_RISK
        return WATCH if self.score < settings.recover_at else "healthy"

    def as_dict(self, settings: HealthSettings) -> dict[str, Any]:
        return {
            "account": self.account,
            "name": self.name,
            "owner": self.owner,
            "score": self.score,
            "band": self.band(settings),
            "parts": [p.as_dict() for p in self.parts],
        }


def _lose(points: float, most: int) -> float:
    return -round(min(float(most), max(0.0, points)), 1)


def score(signals: Signals, *, settings: HealthSettings, now: datetime) -> tuple[int, tuple[Part, ...]]:
    """The health (0–100) and its parts, from an account's signals."""
    s = signals
    baseline = s.earlier / settings.baseline_windows
    ratio = s.tickets / max(baseline, 1.0)
    avg = s.csat_sum / s.csat_n if s.csat_n else None
    rate = s.reopened / max(s.resolved, 1)
    since = s.last_contact or s.since
    days = max(0.0, (now - since).total_seconds() / 86400) if since else 0.0
    parts = (
        Part(
            "volume",
            "Ticket volume",
            f"{s.tickets} tickets against a usual {baseline:.1f}",
            _lose(5 * (ratio - 1), 15) if s.tickets >= 3 else 0.0,
            15,
        ),
        Part(
            "breaches", "SLA breaches", f"{s.breached} of {s.tickets} tickets", _lose(5 * s.breached, 25), 25
        ),
        Part(
            "csat",
            "CSAT",
            f"{avg:.1f}/5 from {s.csat_n} ratings" if avg is not None else "no ratings",
            _lose(10 * (4 - avg), 20) if avg is not None else 0.0,
            20,
        ),
        Part(
            "reopens",
            "Reopen rate",
            f"{s.reopened} reopened of {s.resolved} resolved ({rate * 100:.0f}%)",
            _lose(30 * rate, 15),
            15,
        ),
        Part("unanswered", "Unanswered questions", str(s.unanswered), _lose(2 * s.unanswered, 10), 10),
        Part("urgent", "Urgent tickets", str(s.urgent), _lose(3 * s.urgent, 10), 10),
        Part(
            "silence",
            "Check-ins without a reply",
            str(s.silent_checkins),
            _lose(5 * s.silent_checkins, 10),
            10,
        ),
        Part(
            "contact",
            "Days since last contact",
            f"{days:.0f}" if since else "never",
            _lose((days - 14) / 2, 10),
            10,
        ),
    )
    return max(0, round(100 + sum(p.points for p in parts))), parts


def compute(
    session: Session, *, settings: HealthSettings, now: datetime, keys: list[str] | None = None
) -> list[Health]:
    """Every account's health (or those in `keys`), lowest first."""
    found = signals(session, settings=settings, now=now, keys=keys)
    rows = session.exec(_only(select(Account.key, Account.name, Account.owner), col(Account.key), keys)).all()
    out = []
    for key, name, owner in rows:
        sig = found.get(key, Signals())
        value, parts = score(sig, settings=settings, now=now)
        out.append(Health(key, name, owner, value, parts, sig))
    return sorted(out, key=lambda h: (h.score, h.name))


def _only(statement: Any, column: Any, keys: list[str] | None) -> Any:
    return statement if keys is None else statement.where(column.in_(keys))


def signals(
    session: Session, *, settings: HealthSettings, now: datetime, keys: list[str] | None = None
) -> dict[str, Signals]:
    """Each account's signals, from one grouped query per source."""
    start = now - timedelta(days=settings.window_days)
    first = start - timedelta(days=settings.window_days * settings.baseline_windows)
    out: dict[str, dict[str, Any]] = {}

    def put(rows: Any, *names: str) -> None:
        for key, *values in rows:
            out.setdefault(key, {}).update({n: v or 0 for n, v in zip(names, values, strict=True)})

    put(session.exec(_ticket_counts(start, first, now, keys)).all(), *_TICKET_FIELDS)
    outcomes = (  # tickets resolved in the window (reopened later or not), and those reopened
        select(
            Ticket.account,
            func.count(func.distinct(case((TicketEvent.action == "resolve", TicketEvent.ticket_number)))),
            func.count(func.distinct(case((TicketEvent.action == "reopen", TicketEvent.ticket_number)))),
        )
        .join(Ticket, col(Ticket.number) == col(TicketEvent.ticket_number))
        .where(
            col(TicketEvent.action).in_(("resolve", "reopen")),
            TicketEvent.at >= start,
            col(Ticket.account).is_not(None),
        )
        .group_by(Ticket.account)
    )
    put(session.exec(_only(outcomes, col(Ticket.account), keys)).all(), "resolved", "reopened")
    unanswered = (
        select(KbQuery.account, func.count())
        .where(
            col(KbQuery.account).is_not(None),
            KbQuery.created_at >= start,
            col(KbQuery.grounded).is_(False),
            col(KbQuery.ticket_number).is_(None),
        )
        .group_by(KbQuery.account)
    )
    put(session.exec(_only(unanswered, col(KbQuery.account), keys)).all(), "unanswered")
    silent = (
        select(AccountCheckin.account, func.count())
        .join(Account, col(Account.key) == col(AccountCheckin.account))
        .where(
            AccountCheckin.at >= start,
            AccountCheckin.at <= now - timedelta(days=settings.silence_after_checkin_days),
            or_(col(Account.last_contact_at).is_(None), col(Account.last_contact_at) < AccountCheckin.at),
        )
        .group_by(AccountCheckin.account)
    )
    put(session.exec(_only(silent, col(AccountCheckin.account), keys)).all(), "silent_checkins")
    contact = select(Account.key, Account.last_contact_at, Account.created_at)
    for key, last, since in session.exec(_only(contact, col(Account.key), keys)).all():
        out.setdefault(key, {}).update(last_contact=last, since=since)
    return {key: Signals(**values) for key, values in out.items()}


_TICKET_FIELDS = ("tickets", "earlier", "breached", "urgent", "csat_sum", "csat_n")


def breached_by(now: datetime) -> Any:
    """A ticket that breached a target: as recorded at its last change, or a clock still running past due."""
    return or_(
        col(Ticket.first_response_breached),
        col(Ticket.resolution_breached),
        col(Ticket.first_response_due) <= now,
        col(Ticket.resolution_due) <= now,
    )


def _ticket_counts(start: datetime, first: datetime, now: datetime, keys: list[str] | None) -> Any:
    recent = Ticket.created_at >= start
    breached = breached_by(now)
    resolved = col(Ticket.resolved_at) >= start
    rated = and_(resolved, col(Ticket.csat).is_not(None))

    def n(*when: Any) -> Any:
        return func.sum(case((and_(*when), 1), else_=0))

    statement = (
        select(
            Ticket.account,
            n(recent),
            n(Ticket.created_at < start),
            n(recent, breached),
            n(recent, Ticket.priority == Priority.URGENT),
            func.sum(case((rated, Ticket.csat), else_=0)),
            n(rated),
        )
        .where(col(Ticket.account).is_not(None), Ticket.created_at >= first)
        .group_by(Ticket.account)
    )
    return _only(statement, col(Ticket.account), keys)


def evidence(
    session: Session, *, account: str, settings: HealthSettings, now: datetime
) -> dict[str, list[int]]:
    """The tickets behind an account's breaches, reopenings and urgent requests in the recent window."""
    start = now - timedelta(days=settings.window_days)
    mine = and_(Ticket.account == account, Ticket.created_at >= start)

    def numbers(*where: Any) -> list[int]:
        statement = select(Ticket.number).where(*where).order_by(col(Ticket.number)).limit(10)
        return [int(n) for n in session.exec(statement).all()]

    reopened = (
        select(func.distinct(TicketEvent.ticket_number))
        .join(Ticket, col(Ticket.number) == col(TicketEvent.ticket_number))
        .where(Ticket.account == account, TicketEvent.action == "reopen", TicketEvent.at >= start)
        .limit(10)
    )
    return {
        "breaches": numbers(mine, breached_by(now)),
        "reopens": sorted(int(n) for n in session.exec(reopened).all()),
        "urgent": numbers(mine, Ticket.priority == Priority.URGENT),
    }
