"""Account health from support signals, explainable: each part's value and the points it costs.

The signals are SQL aggregates grouped by account (one pass over the tickets of the baseline period,
one over the reopen events, the unanswered questions and the check-ins of the recent period), never
rows loaded per account; the score is a pure function of them:

| part | counted over the recent window | points lost (at most) |
|---|---|---|
| volume | tickets opened, against the account's own baseline (the average of the earlier windows) | 5 per baseline above it, when 3 or more (15) |
| breaches | tickets opened that breached an SLA target (or are past due now) | 5 each (25) |
| csat | average rating of tickets resolved | 10 per point under 4 (20) |
| reopens | reopenings ÷ resolutions (those still resolved + those reopened since) | 30 × the rate (15) |
| unanswered | questions the help centre could not answer and no ticket followed | 2 each (10) |
| urgent | urgent tickets opened | 3 each (10) |
| silence | check-ins older than the silence period with no word from the account since | 5 each (10) |
| contact | days since the account's last contact (or since it became an account) | ½ a day after 14 days (10) |

Health = 100 − the points lost (at least 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from bot.models import Account, AccountCheckin, KbQuery, Ticket, TicketEvent
from bot.support.customers import HealthSettings
from bot.support.models import Priority

AT_RISK, WATCH = "at risk", "watch"


class Signals(NamedTuple):
    """An account's raw support signals (what the score is computed from)."""

    tickets: int = 0
    earlier: int = 0  # tickets opened in the baseline windows before the recent one
    breached: int = 0
    urgent: int = 0
    resolved: int = 0  # tickets resolved in the window and still resolved
    reopened: int = 0  # reopenings in the window
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


@dataclass
class Health:
    """An account's score; its parts (each value in words) are written when asked for."""

    account: str
    name: str
    owner: str | None
    score: int
    signals: Signals
    settings: HealthSettings
    now: datetime

    @cached_property
    def parts(self) -> tuple[Part, ...]:
        return describe(self.signals, settings=self.settings, now=self.now)

    @property
    def reasons(self) -> list[Part]:
        """The parts that cost points, the costliest first."""
        return sorted((p for p in self.parts if p.points < 0), key=lambda p: p.points)

    def band(self, settings: HealthSettings | None = None) -> str:
        settings = settings or self.settings
        if self.score < settings.warn_below:
            return AT_RISK
        return WATCH if self.score < settings.recover_at else "healthy"

    def as_dict(self, settings: HealthSettings | None = None) -> dict[str, Any]:
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


class _Measures(NamedTuple):
    baseline: float
    ratio: float
    avg: float | None
    resolutions: int
    rate: float
    days: float | None


def _measure(s: Signals, settings: HealthSettings, now: datetime) -> _Measures:
    baseline = s.earlier / settings.baseline_windows
    resolutions = s.resolved + s.reopened  # each reopening undid a resolution
    since = s.last_contact or s.since
    return _Measures(
        baseline=baseline,
        ratio=s.tickets / max(baseline, 1.0),
        avg=s.csat_sum / s.csat_n if s.csat_n else None,
        resolutions=resolutions,
        rate=s.reopened / max(resolutions, 1),
        days=max(0.0, (now - since).total_seconds() / 86400) if since else None,
    )


def points(signals: Signals, *, settings: HealthSettings, now: datetime) -> tuple[float, ...]:
    """What each part costs, in the order of PARTS (0 or negative)."""
    s, m = signals, _measure(signals, settings, now)
    return (
        _lose(5 * (m.ratio - 1), 15) if s.tickets >= 3 else 0.0,
        _lose(5 * s.breached, 25),
        _lose(10 * (4 - m.avg), 20) if m.avg is not None else 0.0,
        _lose(30 * m.rate, 15),
        _lose(2 * s.unanswered, 10),
        _lose(3 * s.urgent, 10),
        _lose(5 * s.silent_checkins, 10),
        _lose((m.days - 14) / 2, 10) if m.days is not None else 0.0,
    )


PARTS = (
    ("volume", "Ticket volume", 15),
    ("breaches", "SLA breaches", 25),
    ("csat", "CSAT", 20),
    ("reopens", "Reopen rate", 15),
    ("unanswered", "Unanswered questions", 10),
    ("urgent", "Urgent tickets", 10),
    ("silence", "Check-ins without a reply", 10),
    ("contact", "Days since last contact", 10),
)


def describe(signals: Signals, *, settings: HealthSettings, now: datetime) -> tuple[Part, ...]:
    """Every part: what was measured, in words, and what it cost."""
    s, m = signals, _measure(signals, settings, now)
    values = (
        f"{s.tickets} tickets against a usual {m.baseline:.1f}",
        f"{s.breached} of {s.tickets} tickets",
        f"{m.avg:.1f}/5 from {s.csat_n} ratings" if m.avg is not None else "no ratings",
        f"{s.reopened} reopened of {m.resolutions} resolutions ({m.rate * 100:.0f}%)",
        str(s.unanswered),
        str(s.urgent),
        str(s.silent_checkins),
        f"{m.days:.0f}" if m.days is not None else "never",
    )
    costs = points(signals, settings=settings, now=now)
    return tuple(
        Part(name, label, value, cost, most)
        for (name, label, most), value, cost in zip(PARTS, values, costs, strict=True)
    )


def score(signals: Signals, *, settings: HealthSettings, now: datetime) -> int:
    """The health, 0–100: 100 less what every part costs."""
    return max(0, round(100 + sum(points(signals, settings=settings, now=now))))


def compute(
    session: Session, *, settings: HealthSettings, now: datetime, keys: list[str] | None = None
) -> list[Health]:
    """Every account's health (or those in `keys`), lowest first."""
    found = signals(session, settings=settings, now=now, keys=keys)
    out = [
        Health(key, name, owner, score(sig, settings=settings, now=now), sig, settings, now)
        for key, (name, owner, sig) in found.items()
    ]
    return sorted(out, key=lambda h: (h.score, h.name))


def _only(statement: Any, column: Any, keys: list[str] | None) -> Any:
    return statement if keys is None else statement.where(column.in_(keys))


def signals(
    session: Session, *, settings: HealthSettings, now: datetime, keys: list[str] | None = None
) -> dict[str, tuple[str, str | None, Signals]]:
    """Each account's name, owner and signals, from grouped queries over index ranges (never a row per
    ticket in Python; rows read through the Core connection, without ORM loading)."""
    start = now - timedelta(days=settings.window_days)
    first = start - timedelta(days=settings.window_days * settings.baseline_windows)
    conn = session.connection()
    found: dict[str, dict[str, int]] = {}

    def put(statement: Any, *names: str) -> None:
        rows = conn.execute(statement).all()
        for index, name in enumerate(names, start=1):
            found[name] = {row[0]: int(row[index] or 0) for row in rows}

    earlier, recent, rated = _ticket_counts(start, first, now, keys)
    put(earlier, "earlier")
    put(recent, "tickets", "breached", "urgent")
    put(rated, "resolved", "csat_sum", "csat_n")
    put(_reopenings(start, keys), "reopened")
    put(_unanswered(start, keys), "unanswered")
    put(_silent(start, now - timedelta(days=settings.silence_after_checkin_days), keys), "silent_checkins")
    contact = select(Account.key, Account.name, Account.owner, Account.last_contact_at, Account.created_at)
    out = {}
    for key, name, owner, last, since in conn.execute(_only(contact, col(Account.key), keys)).all():
        counts = [found[field].get(key, 0) for field in _COUNTS]
        out[key] = (name, owner, Signals(*counts, last_contact=last, since=since))
    return out


_COUNTS = Signals._fields[:10]  # every signal but the two dates, in order


def _unanswered(start: datetime, keys: list[str] | None) -> Any:
    """Questions the help centre could not answer and no ticket followed, by account."""
    statement = (
        select(KbQuery.account, func.count())
        .where(
            col(KbQuery.account).is_not(None),
            KbQuery.created_at >= start,
            col(KbQuery.grounded).is_(False),
            col(KbQuery.unavailable).is_(False),  # our outage, not a gap the account ran into
            col(KbQuery.ticket_number).is_(None),
        )
        .group_by(KbQuery.account)
    )
    return _only(statement, col(KbQuery.account), keys)


def _silent(start: datetime, before: datetime, keys: list[str] | None) -> Any:
    """Check-ins posted in the window, older than the silence period, with no contact since."""
    statement = (
        select(AccountCheckin.account, func.count())
        .join(Account, col(Account.key) == col(AccountCheckin.account))
        .where(
            AccountCheckin.at >= start,
            AccountCheckin.at <= before,
            or_(col(Account.last_contact_at).is_(None), col(Account.last_contact_at) < AccountCheckin.at),
        )
        .group_by(AccountCheckin.account)
    )
    return _only(statement, col(AccountCheckin.account), keys)


def breached_by(now: datetime) -> Any:
    """A ticket that breached a target: as recorded at its last change, or a clock still running past due."""
    return or_(
        col(Ticket.first_response_breached),
        col(Ticket.resolution_breached),
        col(Ticket.first_response_due) <= now,
        col(Ticket.resolution_due) <= now,
    )


def _ticket_counts(start: datetime, first: datetime, now: datetime, keys: list[str] | None) -> list[Any]:
    """The ticket aggregates, each over an index range: the baseline's tickets (an index-only scan of
    (created_at, account)), the recent window's, and the ratings of tickets resolved in it."""

    def n(*when: Any) -> Any:
        return func.sum(case((and_(*when), 1), else_=0))

    mine = col(Ticket.account).is_not(None)
    earlier = select(Ticket.account, func.count()).where(
        mine, Ticket.created_at >= first, Ticket.created_at < start
    )
    recent = select(
        Ticket.account, func.count(), n(breached_by(now)), n(Ticket.priority == Priority.URGENT)
    ).where(mine, Ticket.created_at >= start)
    rated = select(Ticket.account, func.count(), func.sum(Ticket.csat), func.count(Ticket.csat)).where(
        mine, col(Ticket.resolved_at) >= start
    )
    return [_only(q.group_by(Ticket.account), col(Ticket.account), keys) for q in (earlier, recent, rated)]


def _reopenings(start: datetime, keys: list[str] | None) -> Any:
    """Reopenings in the window (a small partial index on the reopen events' time), by account."""
    statement = (
        select(Ticket.account, func.count())
        .select_from(TicketEvent)
        .join(Ticket, col(Ticket.number) == col(TicketEvent.ticket_number))
        .where(TicketEvent.action == "reopen", TicketEvent.at >= start, col(Ticket.account).is_not(None))
        .group_by(Ticket.account)
    )
    return _only(statement, col(Ticket.account), keys)


def evidence(
    session: Session, *, account: str, settings: HealthSettings, now: datetime
) -> dict[str, list[int]]:
    """The tickets behind an account's breaches, reopenings and urgent requests in the recent window
    (the first ten of each): one range of the account's index, one of the reopen events'."""
    start = now - timedelta(days=settings.window_days)
    recent = session.exec(
        select(Ticket.number, Ticket.priority == Priority.URGENT, breached_by(now))
        .where(Ticket.account == account, Ticket.created_at >= start)
        .order_by(col(Ticket.created_at))
        .limit(1000)
    ).all()
    reopened = session.exec(
        select(func.distinct(TicketEvent.ticket_number))
        .join(Ticket, col(Ticket.number) == col(TicketEvent.ticket_number))
        .where(Ticket.account == account, TicketEvent.action == "reopen", TicketEvent.at >= start)
        .limit(10)
    ).all()
    return {
        "breaches": sorted(int(n) for n, _, breached in recent if breached)[:10],
        "reopens": sorted(int(n) for n in reopened),
        "urgent": sorted(int(n) for n, urgent, _ in recent if urgent)[:10],
    }
