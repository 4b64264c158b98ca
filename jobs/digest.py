"""KPI digest for managers: computed with SQL aggregates (never by loading tickets), rendered as text
and a PNG chart (matplotlib, headless), posted through the outbox (the chart with files_upload_v2,
the text as the fallback that always goes out)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from bot import accounts, answers, health, kpis, notices
from bot.blocks import duration
from bot.db import Database
from bot.models import ACTIVE_STATUSES, Ticket
from bot.outbox import enqueue
from bot.slack_text import safe
from bot.support import Priority, SupportConfig

PERIODS = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Period:
    name: str  # one of PERIODS
    start: datetime  # local midnight in the managers' time zone
    end: datetime

    @property
    def previous(self) -> Period:
        """The period before, for the trend figures (the calendar month before, for a month)."""
        if self.name == "monthly":
            return Period(self.name, _first_of_month(self.start - timedelta(days=1)), self.start)
        return Period(self.name, self.start - (self.end - self.start), self.start)


def _first_of_month(local: datetime) -> datetime:
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def period_ending(now: datetime, *, name: str, timezone: str) -> Period:
    """Yesterday (daily), last Monday–Sunday (weekly) or last calendar month (monthly), in the
    managers' time zone."""
    if name not in PERIODS:
        raise ValueError(f"unknown digest period {name!r}; use one of {', '.join(PERIODS)}")
    local = now.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
    if name == "monthly":
        end = _first_of_month(local)
        return Period(name, _first_of_month(end - timedelta(days=1)), end)
    if name == "weekly":
        end = local - timedelta(days=local.weekday())
        return Period(name, end - timedelta(days=7), end)
    return Period(name, local - timedelta(days=1), local)


def _percentile(s: Session, expr: Any, where: Any, q: float) -> float | None:
    """The q-quantile of `expr` over rows matching `where`, in SQL (count, then ORDER BY … OFFSET)."""
    n = s.exec(select(func.count()).select_from(Ticket).where(where, expr.is_not(None))).one()
    if not n:
        return None
    offset = int(q * (n - 1))
    value = s.exec(
        select(expr)
        .select_from(Ticket)
        .where(where, expr.is_not(None))
        .order_by(expr)
        .offset(offset)
        .limit(1)
    ).one()
    return round(float(value))


def compute(db: Database, period: Period) -> dict[str, Any]:
    """Every figure of the digest for one period."""
    with db.session() as s:
        return {
            **_ticket_figures(s, period.start, period.end),
            **_question_figures(s, period.start, period.end),
            **_breakdowns(s, period.start, period.end),
        }


def _ticket_figures(s: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Opened, resolved, backlog, response and resolution times, SLA, first-contact resolution, CSAT."""
    count = lambda *where: int(s.exec(select(func.count()).select_from(Ticket).where(*where)).one())  # noqa: E731
    resolved_in = and_(col(Ticket.resolved_at) >= start, col(Ticket.resolved_at) < end)
    frt = kpis.seconds_between(s, Ticket.first_response_at, Ticket.created_at)
    ttr = kpis.seconds_between(s, Ticket.resolved_at, Ticket.created_at)
    responded_in = and_(col(Ticket.first_response_at) >= start, col(Ticket.first_response_at) < end)
    resolved = count(resolved_in)
    met = count(
        resolved_in,
        col(Ticket.resolution_breached).is_(False),
        col(Ticket.first_response_breached).is_(False),
    )
    csat_avg, csat_n = s.exec(select(func.avg(Ticket.csat), func.count(Ticket.csat)).where(resolved_in)).one()
    backlog_rows = s.exec(
        select(Ticket.priority, func.count())
        .where(col(Ticket.status).in_(ACTIVE_STATUSES), Ticket.created_at < end)
        .group_by(Ticket.priority)
    ).all()
    return {
        "opened": count(Ticket.created_at >= start, Ticket.created_at < end),
        "resolved": resolved,
        "backlog": {Priority(p).value: int(n) for p, n in backlog_rows},
        "backlog_older_than_7d": count(
            col(Ticket.status).in_(ACTIVE_STATUSES), Ticket.created_at < end - timedelta(days=7)
        ),
        "first_response_median_s": _percentile(s, frt, responded_in, 0.5),
        "first_response_p90_s": _percentile(s, frt, responded_in, 0.9),
        "resolution_median_s": _percentile(s, ttr, resolved_in, 0.5),
        "resolution_p90_s": _percentile(s, ttr, resolved_in, 0.9),
        "sla_compliance": round(met / resolved, 3) if resolved else None,
        "csat_average": round(float(csat_avg), 2) if csat_avg is not None else None,
        "csat_response_rate": round(int(csat_n) / resolved, 3) if resolved else None,
    }


def _question_figures(s: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """The honest resolution figures (bot/kpis.py): deflection, confirmed and assumed resolutions,
    reopen rate, first-contact resolution; and the top unanswered and not-helpful questions."""
    asked = kpis.deflection(s, start=start, end=end)
    return {
        "questions": asked.questions,
        "answered_by_bot": asked.answered,
        "deflected": asked.deflected,
        "deflection": asked.rate,
        "resolutions": kpis.resolutions(s, start=start, end=end).figures(),
        "top_unanswered": [(g.wording, g.asked) for g in answers.unanswered(s, since=start, until=end)],
        "not_helpful": [
            (g.wording, g.asked, g.offered) for g in answers.not_helpful(s, since=start, until=end)
        ],
    }


def _breakdowns(s: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Per team (opened, resolved, open) and the agents who resolved the most."""
    opened_in = and_(Ticket.created_at >= start, Ticket.created_at < end)
    resolved_in = and_(col(Ticket.resolved_at) >= start, col(Ticket.resolved_at) < end)
    teams = s.exec(
        select(
            Ticket.team,
            func.sum(case((opened_in, 1), else_=0)),
            func.sum(case((resolved_in, 1), else_=0)),
            func.sum(case((col(Ticket.status).in_(ACTIVE_STATUSES), 1), else_=0)),
        ).group_by(Ticket.team)
    ).all()
    agents = s.exec(
        select(Ticket.assignee, func.count())
        .where(resolved_in, col(Ticket.assignee).is_not(None))
        .group_by(Ticket.assignee)
        .order_by(func.count().desc())
        .limit(10)
    ).all()
    return {
        "teams": {
            t: {"opened": int(o or 0), "resolved": int(r or 0), "open": int(b or 0)} for t, o, r, b in teams
        },
        "agents": {a: int(n) for a, n in agents},
    }


def _delta(now: Any, before: Any) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float) or before == 0:
        return ""
    change = (now - before) / before * 100
    return f" ({'+' if change >= 0 else ''}{change:.0f}%)"


def render_text(period: Period, figures: dict[str, Any], previous: dict[str, Any], *, timezone: str) -> str:
    def dur(key: str) -> str:
        value = figures.get(key)
        return duration(value) if value is not None else "–"

    def pct(key: str) -> str:
        value = figures.get(key)
        return f"{value * 100:.0f}%" if value is not None else "–"

    zone = ZoneInfo(timezone)
    first, last = period.start.astimezone(zone), (period.end - timedelta(seconds=1)).astimezone(zone)
    span = {
        "daily": f"{first:%a %d %b}",
        "weekly": f"{first:%a %d %b} – {last:%a %d %b}",
        "monthly": f"{first:%B %Y}",
    }[period.name]
    backlog = (
        ", ".join(
            f"{p} {n}"
            for p, n in sorted(
                figures["backlog"].items(), key=lambda kv: list(Priority).index(Priority(kv[0]))
            )
        )
        or "empty"
    )
    lines = [
        f"*{period.name.capitalize()} support digest* — {span}",
        f"• Opened *{figures['opened']}*{_delta(figures['opened'], previous['opened'])} · resolved *{figures['resolved']}*{_delta(figures['resolved'], previous['resolved'])}",
        f"• Backlog: {backlog} ({figures['backlog_older_than_7d']} older than 7 days)",
        f"• First response: median {dur('first_response_median_s')}, p90 {dur('first_response_p90_s')} · resolution: median {dur('resolution_median_s')}, p90 {dur('resolution_p90_s')}",
        f"• SLA compliance {pct('sla_compliance')}",
        f"• CSAT {figures['csat_average'] if figures['csat_average'] is not None else '–'}/5 (response rate {pct('csat_response_rate')})",
        *notices.resolution_figures(figures),
    ]
    lines += quoted_questions(figures)
    if figures["teams"]:
        lines.append(
            "• Teams: "
            + "; ".join(
                f"{t} +{v['opened']}/−{v['resolved']} (open {v['open']})"
                for t, v in sorted(figures["teams"].items())
            )
        )
    if figures["agents"]:
        lines.append("• Resolved by: " + ", ".join(f"<@{a}> {n}" for a, n in figures["agents"].items()))
    return "\n".join(lines)[:2900]


def quoted_questions(figures: dict[str, Any]) -> list[str]:
    """The digest's lines of people's questions: named, never pinging whoever they mention (the digest
    quoted a question mentioning a colleague every day, and pinged them every day)."""
    lines = []
    if figures["top_unanswered"]:
        lines.append(
            "• Top unanswered: "
            + "; ".join(f"“{safe(q, 80, mentions=False)}” ×{n}" for q, n in figures["top_unanswered"])
        )
    if figures.get("not_helpful"):
        lines.append(
            "• Answers people said didn't help: "
            + "; ".join(
                f"“{safe(q, 80, mentions=False)}” ×{n}" + (f" (article: {safe(a, 60)})" if a else "")
                for q, n, a in figures["not_helpful"]
            )
        )
    return lines


def accounts_at_risk(db: Database, *, config: SupportConfig, now: datetime) -> str:
    """The digest's line on the accounts whose health is below the warning threshold ('' when none)."""
    with db.transaction() as s:  # configured accounts are brought into the table first
        accounts.sync(s, config=config, now=now)
        scores = health.compute(s, settings=config.health, now=now)
    risky = [h for h in scores if h.band(config.health) == health.AT_RISK]
    return "\n" + notices.accounts_at_risk(risky) if risky else ""


CHART_INCHES, CHART_DPI = (10.0, 3.6), 110
CHART_SIZE_PX = (round(CHART_INCHES[0] * CHART_DPI), round(CHART_INCHES[1] * CHART_DPI))  # 1100 × 396


def render_chart(db: Database, period: Period, *, timezone: str, backlog: dict[str, int]) -> bytes:
    """PNG: tickets opened and resolved per day over the period (and the one before), backlog by priority.
    Counts are whole numbers, so the axes are too; an empty period says so instead of a bare grid."""
    labels, opened, resolved = _daily_counts(db, period, timezone=timezone)
    fig = chart_figure(labels, opened, resolved, backlog)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


def chart_figure(labels: list[str], opened: list[int], resolved: list[int], backlog: dict[str, int]) -> Any:
    """The digest chart as a matplotlib Figure (object API: no global pyplot state across threads)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=CHART_INCHES, dpi=CHART_DPI)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    x = range(len(labels))
    left.bar([i - 0.2 for i in x], opened, width=0.4, label="opened", color="#457b9d")
    left.bar([i + 0.2 for i in x], resolved, width=0.4, label="resolved", color="#2a9d8f")
    left.set_xticks(list(x), labels, rotation=45, fontsize=8)
    left.set_title("Tickets per day")
    left.set_ylim(0, max([*opened, *resolved, 1]) * 1.1)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    if any(opened) or any(resolved):
        left.legend(fontsize=8)
    else:
        left.text(
            0.5, 0.5, "No tickets opened or resolved", transform=left.transAxes, ha="center", color="#666"
        )
    priorities = [p.value for p in Priority]
    counts = [backlog.get(p, 0) for p in priorities]
    right.barh(priorities, counts, color=["#e63946", "#f4a261", "#a8dadc", "#dddddd"])
    right.set_title("Open backlog")
    right.set_xlim(0, max([*counts, 1]) * 1.1)
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.invert_yaxis()
    fig.tight_layout()
    return fig


def _daily_counts(db: Database, period: Period, *, timezone: str) -> tuple[list[str], list[int], list[int]]:
    """Day labels, tickets opened and tickets resolved per day (at least a week of days)."""
    days = max(1, round((period.end - period.start) / timedelta(days=1)))
    start = period.start - timedelta(days=max(days, 7) - days)
    labels, opened, resolved = [], [], []
    with db.session() as s:

        def count(column: Any, day: datetime) -> int:
            nxt = day + timedelta(days=1)
            query = select(func.count()).select_from(Ticket).where(col(column) >= day, col(column) < nxt)
            return int(s.exec(query).one())

        day = start
        while day < period.end:
            labels.append(day.astimezone(ZoneInfo(timezone)).strftime("%d" if days > 14 else "%a %d"))
            opened.append(count(Ticket.created_at, day))
            resolved.append(count(Ticket.resolved_at, day))
            day += timedelta(days=1)
    return labels, opened, resolved


def digest(
    db: Database, *, config: SupportConfig, now: datetime, name: str = "daily", dry_run: bool = False
) -> tuple[str, bytes, bool]:
    """Build the digest for the period ending today (this Monday, the 1st of this month) and queue it
    once; (text, png, queued)."""
    zone = config.managers.timezone
    period = period_ending(now, name=name, timezone=zone)
    figures = compute(db, period)
    text = render_text(period, figures, compute(db, period.previous), timezone=zone)
    text = (text + accounts_at_risk(db, config=config, now=now))[:2900]
    png = render_chart(db, period, timezone=zone, backlog=figures["backlog"])
    channel = config.managers.channel
    if dry_run or not channel:
        return text, png, False
    key = f"digest:{name}:{period.start.date().isoformat()}"
    with db.transaction() as s:
        queued = enqueue(s, key=f"{key}:text", channel=channel, payload={"text": text}, now=now)
        if queued:
            enqueue(
                s,
                key=f"{key}:chart",
                channel=channel,
                kind="file",
                payload={
                    "content_b64": base64.b64encode(png).decode(),
                    "filename": f"digest-{name}-{period.start.date()}.png",
                    "title": f"Support {name} digest chart",
                },
                now=now,
            )
    return text, png, queued
