"""The scheduled jobs, their triggers, and the one process that runs them.

APScheduler 3 runs the jobs (explicit ids, coalescing, a short misfire grace, one instance each).
With several Deskbot processes only the leader runs them: the holder of a PostgreSQL advisory lock
(held on its own connection, released by the server if the process dies), or of an exclusive file
lock next to a SQLite database. The others retry the lock and take over when the leader is gone.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from bot import outbox
from bot.cards import ticket_sender
from bot.db import Database
from bot.observability import METRICS
from bot.routing.assign import EveryoneHere, Presence, reassign_unacknowledged
from bot.send import slack_already_sent
from bot.support import SupportConfig
from bot.timeutil import Clock, utcnow
from jobs import digest, health, housekeeping, reminders, sla_sweep

log = logging.getLogger("deskbot.jobs")


@dataclass
class JobContext:
    db: Database
    config: SupportConfig
    client: Any  # slack_sdk WebClient
    clock: Clock = utcnow
    presence: Presence = field(default_factory=EveryoneHere)


@dataclass(frozen=True)
class Job:
    name: str
    trigger: Any
    describe: str
    run: Callable[[JobContext, datetime, bool], str]  # (context, now, dry_run) -> summary


def count(n: int, word: str, plural: str | None = None) -> str:
    """`1 ticket`, `2 tickets`, `0 breaches` (pass `plural` when adding an s is wrong)."""
    return f"{n} {word if n == 1 else plural or word + 's'}"


def sweep_summary(checked: int, warnings: int, breaches: int, escalated: list[int]) -> str:
    """`12 tickets checked: 1 warning, 2 breaches; escalated #118, #120`."""
    line = f"{count(checked, 'ticket')} checked: {count(warnings, 'warning')}, {count(breaches, 'breach', 'breaches')}"
    return line + (f"; escalated {', '.join(f'#{n}' for n in escalated)}" if escalated else "")


def _sweep(ctx: JobContext, now: datetime, dry: bool) -> str:
    r = sla_sweep.sla_sweep(ctx.db, config=ctx.config, now=now, dry_run=dry)
    return sweep_summary(r.checked, r.warnings, r.breaches, r.escalated) + "".join(
        f"\n  {line}" for line in r.lines
    )


def _deliver(ctx: JobContext, now: datetime, dry: bool) -> str:
    if dry:
        return f"{count(outbox.pending_count(ctx.db), 'notification')} waiting"
    r = outbox.deliver(
        ctx.db,
        send=ticket_sender(db=ctx.db, config=ctx.config, client=ctx.client, clock=ctx.clock),
        now=now,
        already_sent=slack_already_sent(ctx.client),
    )
    return f"{r.sent} sent, {r.retried} to retry, {r.failed} failed"


def _reassign(ctx: JobContext, now: datetime, dry: bool) -> str:
    if dry:
        return "would re-offer unacknowledged tickets"
    moved = reassign_unacknowledged(ctx.db, config=ctx.config, now=now, presence=ctx.presence)
    return f"{count(len(moved), 'ticket')} re-offered"


def _remind(ctx: JobContext, now: datetime, dry: bool) -> str:
    r = reminders.reminders(ctx.db, config=ctx.config, now=now, dry_run=dry)
    return (
        f"{r.stale} stale, {r.unclaimed} unclaimed, {count(r.followups, 'follow-up')}, {r.auto_resolved} auto-resolved"
        + "".join(f"\n  {line}" for line in r.lines)
    )


def _digest(name: str) -> Callable[[JobContext, datetime, bool], str]:
    def run(ctx: JobContext, now: datetime, dry: bool) -> str:
        text_, _, queued = digest.digest(ctx.db, config=ctx.config, now=now, name=name, dry_run=dry)
        return digest_summary(text_, queued=queued)

    return run


def digest_summary(text: str, *, queued: bool) -> str:
    """The digest's title on the first line, saying whether it was queued; the digest below it."""
    title, _, rest = text.partition("\n")
    title = title.replace("*", "").strip()
    state = (
        "queued for the managers' channel"
        if queued
        else "not queued (a dry run, already sent, or no managers' channel)"
    )
    return f"{title}: {state}" + (f"\n{rest}" if rest.strip() else "")


def _checkins(ctx: JobContext, now: datetime, dry: bool) -> str:
    posted = reminders.checkins(ctx.db, config=ctx.config, now=now, dry_run=dry)
    return f"{count(len(posted), 'check-in')} posted" + "".join(f"\n  {line}" for line in posted)


def _housekeeping(ctx: JobContext, now: datetime, dry: bool) -> str:
    pruned = housekeeping.prune_events(ctx.db, now=now, dry_run=dry)
    return f"{count(pruned, 'handled Slack event id')} {'to forget' if dry else 'forgotten'}"


def _articles(ctx: JobContext, now: datetime, dry: bool) -> str:
    from bot.drafts import recurring
    from bot.drafts.people import names_of

    with ctx.db.transaction() as s:
        offered = recurring.suggest(
            s, config=ctx.config, now=now, names=partial(names_of, ctx.client), dry_run=dry
        )
    verb = "to offer" if dry else "offered to the knowledge owners"
    return f"{count(len(offered), 'article draft')} {verb}" + "".join(
        f"\n  #{number}: the same question solved {times} times" for number, times in offered
    )


def _health(ctx: JobContext, now: datetime, dry: bool) -> str:
    r = health.health_warnings(ctx.db, config=ctx.config, now=now, dry_run=dry)
    line = f"{count(r.accounts, 'account')} scored, {r.at_risk} at risk: {count(len(r.warned), 'warning')}"
    return line + (f", {len(r.rearmed)} re-armed" if r.rearmed else "") + "".join(f"\n  {x}" for x in r.lines)


def jobs_for(config: SupportConfig) -> dict[str, Job]:
    """Every job with its trigger, from the configuration (time zones, times, days by name)."""
    zone = config.managers.timezone
    hour, minute = (int(x) for x in config.managers.digest_time.split(":"))
    out = [
        Job("sla_sweep", IntervalTrigger(minutes=1), "every minute: SLA warnings and breaches", _sweep),
        Job("deliver_notifications", IntervalTrigger(seconds=10), "every 10 s: send the outbox", _deliver),
        Job(
            "reassign_unacknowledged",
            IntervalTrigger(minutes=1),
            "every minute: re-offer unacknowledged tickets",
            _reassign,
        ),
        Job(
            "reminders",
            IntervalTrigger(minutes=5),
            "every 5 min: stale, unclaimed, waiting follow-ups",
            _remind,
        ),
        Job(
            "digest_daily",
            CronTrigger(hour=hour, minute=minute, timezone=zone),
            f"daily {config.managers.digest_time} {zone}: KPI digest",
            _digest("daily"),
        ),
        Job(
            "digest_weekly",
            CronTrigger(day_of_week="mon", hour=hour, minute=minute, timezone=zone),
            f"Mondays {config.managers.digest_time} {zone}: weekly digest",
            _digest("weekly"),
        ),
        Job(
            "digest_monthly",
            CronTrigger(day=1, hour=hour, minute=minute, timezone=zone),
            f"the 1st of each month {config.managers.digest_time} {zone}: monthly digest",
            _digest("monthly"),
        ),
        Job(
            "housekeeping",
            IntervalTrigger(hours=1),
            "hourly: forget Slack event ids older than two days",
            _housekeeping,
        ),
        Job(
            "article_suggestions",
            IntervalTrigger(hours=1),
            "hourly: offer article drafts for questions agents keep solving",
            _articles,
        ),
        Job(
            "account_health",
            IntervalTrigger(hours=1),
            "hourly: account health, early warnings to owners",
            _health,
        ),
        Job(
            "checkins",
            IntervalTrigger(minutes=1),
            f"every minute: check-ins due ({zone}), configured or /checkin",
            _checkins,
        ),
    ]
    return {job.name: job for job in out}


def run_job(ctx: JobContext, job: Job, *, now: datetime | None = None, dry_run: bool = False) -> str:
    try:
        summary = job.run(ctx, now or ctx.clock(), dry_run)
    except Exception:
        METRICS.job_runs.labels(job.name, "failed").inc()
        log.exception("job %s failed", job.name)
        raise
    METRICS.job_runs.labels(job.name, "ok").inc()
    return summary


class LeaderLock:
    """Who runs the jobs: a PostgreSQL advisory lock, or an exclusive file lock beside a SQLite file."""

    KEY = int.from_bytes(hashlib.sha256(b"deskbot-scheduler").digest()[:8], "big", signed=True)

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: Any = None
        self._file: Any = None

    def acquire(self) -> bool:
        if self.db.engine.dialect.name == "postgresql":
            conn = self.db.engine.connect()
            if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.KEY}).scalar():
                conn.commit()
                self._conn = conn
                return True
            conn.close()
            return False
        path = self.db.engine.url.database
        lock_path = (
            Path(f"{path}.scheduler.lock") if path and path != ":memory:" else Path(".deskbot/scheduler.lock")
        )
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def healthy(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - the database connection (and so the lock) is gone
                return False
        return self._file is not None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.KEY})
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def serve(
    ctx: JobContext,
    *,
    stop: threading.Event,
    poll: float = 15.0,
    on_leader: Callable[[bool], None] | None = None,
    speed: float = 1.0,
    on_start: Callable[[BackgroundScheduler], None] | None = None,
) -> None:
    """Run the jobs while this process is the leader; wait and retry otherwise; until `stop` is set.

    `speed` compresses time for tests and benchmarks whose clock runs faster than real time: interval
    jobs run `speed` times as often, and the clock-time (cron) jobs, which follow real time, are left out.
    """
    lock = LeaderLock(ctx.db)
    while not stop.is_set():
        if not lock.acquire():
            stop.wait(poll)
            continue
        log.info("this process is the scheduler leader")
        if on_leader:
            on_leader(True)
        scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}, timezone="UTC"
        )
        for job in jobs_for(ctx.config).values():
            trigger = job.trigger
            if speed != 1.0:
                if not isinstance(trigger, IntervalTrigger):
                    continue
                trigger = IntervalTrigger(seconds=trigger.interval.total_seconds() / speed)
            scheduler.add_job(
                run_job, trigger, args=[ctx, job], id=job.name, name=job.describe, replace_existing=True
            )
        scheduler.start()
        if on_start:
            on_start(scheduler)
        try:
            while not stop.wait(poll):
                if not lock.healthy():
                    log.warning("lost the scheduler lock; stopping jobs")
                    break
        finally:
            scheduler.shutdown(wait=True)
            if on_leader:  # said before the lock goes: the next leader is never announced first
                on_leader(False)
            lock.release()
