"""Early warnings: an account's owner hears once when its health drops below the threshold or falls
fast; the warning re-arms when the account recovers. Each day keeps an account's best score (how fast
it falls is measured against the best of the last `fall_days`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert
from sqlmodel import Session, col, select

from bot import accounts, health, notices
from bot.db import Database
from bot.models import Account, AccountHealthDay
from bot.outbox import enqueue
from bot.support import SupportConfig


@dataclass
class HealthReport:
    accounts: int = 0
    at_risk: int = 0
    warned: list[str] = field(default_factory=list)
    rearmed: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def health_warnings(
    db: Database, *, config: SupportConfig, now: datetime, dry_run: bool = False
) -> HealthReport:
    """Score every account, warn the owners of those that dropped (once per drop), keep today's best."""
    settings = config.health
    report = HealthReport()
    with db.transaction() as s:
        accounts.sync(s, config=config, now=now)
        scores = health.compute(s, settings=settings, now=now)
        best = _best_scores(s, since=(now - timedelta(days=settings.fall_days)).date())
        warned = dict(s.connection().execute(select(Account.key, Account.warned)).all())
        for h in scores:
            report.accounts += 1
            report.at_risk += h.band(settings) == health.AT_RISK
            why = notices.health_why(
                h.score,
                best=best.get(h.account),
                warn_below=settings.warn_below,
                fall_by=settings.fall_by,
                days=settings.fall_days,
            )
            recovered = not why and h.score >= settings.recover_at
            if (why and not warned.get(h.account)) or (recovered and warned.get(h.account)):
                row = s.get(Account, h.account)  # only the few that change are loaded
                assert row is not None
                _decide(s, h, row, why=why, config=config, now=now, report=report)
        _keep_today(s, scores, today=now.date())
        if dry_run:
            s.rollback()
    return report


def _decide(
    s: Session,
    h: health.Health,
    row: Account,
    *,
    why: str,
    config: SupportConfig,
    now: datetime,
    report: HealthReport,
) -> None:
    """Warn the owner of an account that dropped, or re-arm a recovered one."""
    settings = config.health
    if row.warned:
        row.warned = False  # recovered: the next drop warns again
        s.add(row)
        report.rearmed.append(h.account)
        return
    row.warned, row.warnings = True, row.warnings + 1
    s.add(row)
    report.warned.append(h.account)
    owner = row.owner or config.managers.channel
    if owner is None:
        report.lines.append(
            f"{h.name}: {h.score}/100 ({why}); nobody to tell (no owner, no managers' channel)"
        )
        return
    evidence = health.evidence(s, account=h.account, settings=settings, now=now)
    message = notices.health_warning(h, why=why, evidence=evidence, band=h.band(settings))
    enqueue(s, key=f"health:{h.account}:{row.warnings}", channel=owner, payload=message, now=now)
    report.lines.append(f"{owner}: {message['text']}")


def _best_scores(s: Session, *, since: object) -> dict[str, int]:
    rows = s.exec(
        select(AccountHealthDay.account, func.max(AccountHealthDay.score))
        .where(col(AccountHealthDay.day) >= since)
        .group_by(AccountHealthDay.account)
    ).all()
    return {key: int(value) for key, value in rows}


def _keep_today(s: Session, scores: list[health.Health], *, today: object) -> None:
    """Today's row per account holds the day's best score (one delete and one bulk insert)."""
    earlier = dict(
        s.exec(
            select(AccountHealthDay.account, AccountHealthDay.score).where(AccountHealthDay.day == today)
        ).all()
    )
    s.exec(delete(AccountHealthDay).where(col(AccountHealthDay.day) == today))  # type: ignore[call-overload]
    values = [
        {"account": h.account, "day": today, "score": max(h.score, earlier.get(h.account, 0))} for h in scores
    ]
    if values:
        s.exec(insert(AccountHealthDay), params=values)  # type: ignore[call-overload]
