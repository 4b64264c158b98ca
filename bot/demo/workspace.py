"""The demo workspace: Deskbot on its embedded defaults, wired to the fake Slack Web API.

Everything here is the product's own code path: the bolt app served over HTTP (`/slack/events`), its
WebClient pointed at the fake Web API server, the real knowledge base (MiniLM + embedded Chroma over the
sample help centre), SQLite, and the scheduled jobs. Only the clock is the demo's: it runs at real speed
from an offset that `advance()` moves forward, and the jobs run on it.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import Deps, build_app, health_checks
from bot.config import SAMPLE_DIR, Settings
from bot.db import Database
from bot.fakes.simulator import SlackSimulator
from bot.fakes.slack import FakeSlack
from bot.migrations import upgrade
from bot.server import make_http_server
from bot.support import SupportConfig
from bot.support.durations import parse_minutes
from bot.timeutil import utcnow
from jobs.digest import PERIODS
from jobs.scheduler import JobContext, jobs_for, run_job

log = logging.getLogger("deskbot.demo")

# The people you can be in the demo (ids match the sample configuration's roles and teams).
PEOPLE: dict[str, dict[str, str]] = {
    "U0CUSTOM01": {"name": "alice", "real_name": "Alice Moreau", "role": "Customer (Globex)"},
    "U0AGENT001": {"name": "bob", "real_name": "Bob Tanaka", "role": "Agent, Customer Support"},
    "U0AGENT004": {"name": "dana", "real_name": "Dana Okafor", "role": "Agent, Billing"},
    "U0MANAGER1": {"name": "carol", "real_name": "Carol Diaz", "role": "Support manager"},
}
# Everyone else the sample configuration and the seeded history mention, so names render everywhere.
OTHERS: dict[str, str] = {
    "U0AGENT002": "Chen Wei",
    "U0AGENT003": "Priya Nair",
    "U0AGENT005": "Lukas Brandt",
    "U0AGENT006": "Maya Cohen",
    "U0AGENT007": "Sam Rivera",
    "U0ENGINE01": "Ines Duarte",
    "U0ENGINE02": "Tom Becker",
    "U0CUSTOM02": "Omar Haddad",
    "U0CUSTOM03": "Julia Novak",
    "U0CUSTOM04": "Kenji Sato",
    "U0CUSTOM05": "Grace Lee",
    "U0ADMIN001": "Ada Admin",
}
ROUTINE_JOBS = ("sla_sweep", "reassign_unacknowledged", "reminders", "checkins", "deliver_notifications")


@dataclass
class DemoClock:
    """Real time plus an offset the demo moves forward (`/demo clock +2h`)."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, text: str) -> timedelta:
        """Move forward by a duration like '+2h', '30m', '1d'; raises ValueError with the fix on bad input."""
        cleaned = text.strip().removeprefix("+")
        if cleaned.startswith("-"):
            raise ValueError("The demo clock only moves forward: try `/demo clock +2h`.")
        delta = timedelta(minutes=parse_minutes(cleaned))
        if delta > timedelta(days=60):
            raise ValueError("That is more than 60 days: move the clock in smaller steps.")
        self.offset += delta
        return delta

    @classmethod
    def when_every_team_works(cls, config: SupportConfig, *, now: datetime | None = None) -> DemoClock:
        """Real time when every team is at work for the next hour (holidays included); otherwise the
        next such half hour. With the sample configuration that is 15:00 in Berlin, 9:00 in New York:
        a ticket of any team has its SLA clock running from the start, so `/demo clock +3h` breaches
        it as the README's tour says."""
        from bot.tickets.clocks import calendar_for

        real = now or utcnow()
        calendars = [calendar_for(config, key) for key in config.teams]
        hour = timedelta(hours=1)

        def everyone_works(at: datetime) -> bool:
            return all(cal.business_seconds(at, at + hour) >= hour.total_seconds() for cal in calendars)

        if everyone_works(real):
            return cls()
        start = real.replace(minute=0, second=0, microsecond=0)
        for step in range(1, 14 * 48):  # two weeks of half hours
            at = start + timedelta(minutes=30 * step)
            if everyone_works(at):
                return cls(offset=at - real)
        return cls()  # the teams never overlap: real time, and the tour's SLA steps may not fire


def channel_names(config: SupportConfig) -> dict[str, str]:
    """Every channel the demo shows: support channels, team triage channels, the managers' channel."""
    names = {cid: spec.name or cid for cid, spec in config.channels.items()}
    for key, team in config.teams.items():
        if team.triage_channel:
            names.setdefault(team.triage_channel, f"#{key}-triage")
    if config.managers.channel:
        names.setdefault(config.managers.channel, "#support-managers")
    return {cid: (name if name.startswith("#") else f"#{name}") for cid, name in names.items()}


class Workspace:
    """Starts and stops the whole demo: fake Slack, the bolt app over HTTP, the KB, the jobs."""

    def __init__(
        self, *, config: SupportConfig, data_dir: Path, kb_sources: Path, seed_days: int = 21
    ) -> None:
        self.config = config
        self.clock = DemoClock.when_every_team_works(config)
        directory = {uid: {"name": n.split()[0].lower(), "real_name": n} for uid, n in OTHERS.items()}
        self.fake = FakeSlack(
            users={**directory, **{uid: {**p} for uid, p in PEOPLE.items()}}, clock=self.clock
        )
        self.secret = secrets.token_hex(16)
        data_dir.mkdir(parents=True, exist_ok=True)
        db_file = data_dir / "demo.db"
        for stale in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
            stale.unlink(missing_ok=True)
        if kb_sources.resolve() == (SAMPLE_DIR / "kb").resolve():
            # Articles published in the demo go into its own copy, never into the package's sample.
            copy = data_dir / "kb"
            shutil.rmtree(copy, ignore_errors=True)
            kb_sources = Path(shutil.copytree(kb_sources, copy))
        self.settings = Settings(
            slack_bot_token=self.fake.token,
            slack_signing_secret=self.secret,
            slack_api_url=self.fake.url,
            database_url=f"sqlite:///{db_file}",
            chroma_path=data_dir / "chroma",
            kb_sources=kb_sources,
        )
        self.db = Database(self.settings.database_url)
        upgrade(self.db)
        self.seed_days = seed_days
        self.channels = channel_names(config)
        self._jobs_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.server: Any = None
        self.sim: SlackSimulator | None = None
        self.jobs_ctx: JobContext | None = None

    # ---- start and stop ---------------------------------------------------------------------------

    def start(self, *, progress: Any = print) -> None:
        from bot.demo.seed import seed

        made = seed(self.db, config=self.config, now=self.clock(), days=self.seed_days)
        progress(f"Seeded {made.tickets} tickets and {made.questions} questions over {self.seed_days} days.")
        deps = Deps(settings=self.settings, config=self.config, db=self.db, clock=self.clock)
        kb = deps.answer_service()().kb
        report = kb.ingest([self.settings.kb_sources])
        progress(
            f"Knowledge base: {report.added + report.updated} documents indexed, {report.unchanged} unchanged "
            f"({kb.store.count()} vectors); model ready in {kb.warm_up():.1f} s."
        )
        progress(f"Router trained on the categories' examples in {deps.warm_router():.1f} s.")
        app = build_app(deps)
        self.server = make_http_server(app, self.db, port=0, checks=health_checks(deps))
        self._spawn(self.server.serve_forever, "bolt-http")
        host, port = self.server.server_address[:2]
        self.sim = SlackSimulator(
            events_url=f"http://{host}:{port}/slack/events", secret=self.secret, fake=self.fake
        )
        self.jobs_ctx = JobContext(
            db=self.db, config=self.config, client=app.client, clock=self.clock, knowledge=lambda: kb
        )
        self._spawn(self._jobs_loop, "demo-jobs")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.fake.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.db.engine.dispose()

    # ---- the clock and the jobs -------------------------------------------------------------------

    def _jobs_loop(self) -> None:
        while not self._stop.wait(3.0):
            try:
                self.run_jobs()
            except Exception:  # noqa: BLE001 - the demo keeps going; the log says what failed
                log.exception("demo jobs failed")

    def run_jobs(self, *extra: str) -> list[str]:
        """Run the routine jobs (and `extra` ones) at the demo clock's now; returns their summaries."""
        assert self.jobs_ctx is not None
        jobs = jobs_for(self.config)
        out = []
        with self._jobs_lock:
            now = self.clock()
            for name in (*ROUTINE_JOBS[:-1], *extra, ROUTINE_JOBS[-1]):
                out.append(f"{name}: {run_job(self.jobs_ctx, jobs[name], now=now)}")
        return out

    def advance(self, text: str) -> str:
        """Move the clock forward, run what came due (the digest too if its time passed); say what happened."""
        before = self.clock()
        delta = self.clock.advance(text)
        after = self.clock()
        digests = [f"digest_{period}" for period in PERIODS]
        extra = [name for name in digests if _fires_between(self.config, name, before, after)]
        summaries = self.run_jobs(*extra)
        zone = self.config.managers.timezone
        local = after.astimezone(ZoneInfo(zone))
        happened = [line.split("\n")[0] for line in summaries if not _quiet(line)]
        return f":clock3: Demo clock moved {_human(delta)} → *{local:%a %d %b %H:%M}* ({zone}).\n" + (
            "\n".join(f"• {line}" for line in happened) if happened else "Nothing came due."
        )

    def digest_now(self, period: str = "daily") -> str:
        """Post the digest for the period ending now (what managers get that morning); ValueError for
        a period that is not daily, weekly or monthly."""
        if period not in PERIODS:
            raise ValueError(f"`{period}` is not a digest; use one of {', '.join(PERIODS)}.")
        job = f"digest_{period}"
        summaries = self.run_jobs(job)
        return next((s.split("\n")[0].removeprefix(f"{job}: ") for s in summaries if s.startswith(job)), "")


def _fires_between(config: SupportConfig, name: str, before: datetime, after: datetime) -> bool:
    """Whether job `name`'s own trigger (as the scheduler registers it) fires in (before, after]."""
    fire = jobs_for(config)[name].trigger.get_next_fire_time(None, before)
    return fire is not None and fire <= after


def _quiet(summary: str) -> bool:
    first = summary.split("\n")[0]
    return any(
        marker in first
        for marker in (
            "0 warnings, 0 breaches",
            ": 0 tickets re-offered",
            "0 stale, 0 unclaimed, 0 follow-ups, 0 auto-resolved",
            ": 0 check-ins posted",
            "0 sent, 0 to retry, 0 failed",
        )
    )


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return "+" + "".join(parts)
