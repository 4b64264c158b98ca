"""Ticket benchmarks: creations/s and SLA computations/s (SQLite, PostgreSQL), and the indexed
"near or past SLA" query at 100k and 1M tickets on PostgreSQL.

Run: `make bench` (or `.venv/bin/python -m tests.bench.tickets [--sizes 100000 1000000]`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot import tickets
from bot.config import SAMPLE_DIR
from bot.db import Database
from bot.migrations import upgrade
from bot.models import TicketCreate
from bot.sla import Timeline, evaluate
from bot.support import Priority, load_support_config
from bot.tickets.clocks import calendar_for
from tests.bench.common import median_ms, report, timed

PG_ADMIN = os.environ.get("DESKBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
CONFIG = load_support_config(SAMPLE_DIR / "support.yaml")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
COMMAND = "make bench"


def bench_creations(db: Database, label: str, n: int = 400) -> None:
    def one() -> None:
        with db.transaction() as s:
            tickets.create(
                s,
                data=TicketCreate(
                    title="Bench ticket", requester="U0BENCH", category="billing", priority=Priority.HIGH
                ),
                actor="U0BENCH",
                config=CONFIG,
                now=NOW,
            )

    samples = timed(one, n)
    report(
        f"ticket_create_{label}",
        COMMAND,
        {
            "n": n,
            "median_ms": median_ms(samples),
            "per_second": round(n / sum(samples), 1),
        },
    )


def bench_sla_stored(db: Database, label: str) -> None:
    """Recompute SLA clocks for stored tickets: read the ticket and its events, run the engine."""
    with db.session() as s:
        numbers = [t.number for t in tickets.search(s, limit=400)]
    rng = random.Random(3)
    with db.transaction() as s:  # give each ticket some history to replay
        for number in numbers:
            tickets.claim(
                s, number=number, agent=rng.choice(["U0AGENT004", "U0AGENT005"]), config=CONFIG, now=NOW
            )
            tickets.wait_on_customer(
                s, number=number, actor="U0AGENT004", config=CONFIG, now=NOW + timedelta(minutes=5)
            )

    def one(number: int) -> None:
        with db.session() as s:
            ticket = tickets.get(s, number=number)
            tickets.report_for(CONFIG, ticket, tickets.events_of(s, number), NOW + timedelta(hours=2))

    start = time.perf_counter()
    for number in numbers:
        one(number)
    elapsed = time.perf_counter() - start
    report(
        f"sla_recompute_stored_{label}",
        COMMAND,
        {"n": len(numbers), "per_second": round(len(numbers) / elapsed, 1)},
    )


def bench_sla(n: int = 5000) -> None:
    rng = random.Random(7)
    calendar = calendar_for(CONFIG, "support")
    policy = CONFIG.sla.policies["standard"]
    cases = []
    for _ in range(n):
        created = NOW - timedelta(minutes=rng.randint(0, 20000))
        changes = [
            (
                created + timedelta(minutes=rng.randint(1, 3000)),
                rng.choice(["open", "waiting_on_customer", "open"]),
            )
        ]
        cases.append(
            (Timeline(created_at=created, priority=rng.choice(list(Priority)), status_changes=changes), NOW)
        )
    start = time.perf_counter()
    for timeline, now in cases:
        evaluate(timeline, policy, calendar, now)
    elapsed = time.perf_counter() - start
    report(
        "sla_due_time_computations",
        COMMAND,
        {"n": n, "per_second": round(n / elapsed, 1), "calendar": "Europe/Berlin business hours"},
    )


def fill_postgres(db: Database, size: int) -> None:
    """Insert `size` tickets in SQL: ~5% active with due times from -1 day to +14 days."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE notification, ticket_event, note, kb_query, feedback, ticket RESTART IDENTITY CASCADE"
            )
        )
        conn.execute(
            text("""
            INSERT INTO ticket (title, description, requester, priority, status, team, level, sla_policy,
                                created_at, updated_at, first_response_due, resolution_due, version)
            SELECT 'ticket ' || g, '', 'U' || (g % 5000), (ARRAY['urgent','high','normal','low'])[1 + g % 4],
                   CASE WHEN g % 20 = 0 THEN (ARRAY['new','open','waiting_on_customer','reopened'])[1 + (g / 20) % 4]
                        ELSE (ARRAY['resolved','closed'])[1 + g % 2] END,
                   (ARRAY['support','billing','technical','engineering'])[1 + g % 4], 'L1', 'standard',
                   :now - (g % 90000) * interval '1 minute', :now,
                   CASE WHEN g % 20 = 0 AND g % 3 = 0 THEN :now + ((g * 7919) % 21600 - 1440) * interval '1 minute' END,
                   CASE WHEN g % 20 = 0 AND (g / 20) % 4 <> 2 THEN :now + ((g * 104729) % 21600 - 1440) * interval '1 minute' END,
                   1
            FROM generate_series(1::bigint, :size) AS g
        """),
            {"now": NOW, "size": size},
        )
        # Realistic history for the digest (first response, resolution, CSAT) and the sweep's index:
        # each active ticket's next alert spread like its due times (-1 day … +14 days).
        conn.execute(
            text("""
            UPDATE ticket SET
              first_response_at = created_at + ((number % 240) + 5) * interval '1 minute',
              resolved_at = CASE WHEN status IN ('resolved','closed') THEN created_at + ((number % 2880) + 30) * interval '1 minute' END,
              csat = CASE WHEN status IN ('resolved','closed') AND number % 3 = 0 THEN 1 + number % 5 END,
              next_alert_at = CASE WHEN status IN ('new','open','waiting_on_customer','reopened')
                                   THEN :now + ((number::bigint * 7919) % 21600 - 1440) * interval '1 minute' END
        """),
            {"now": NOW},
        )
        conn.execute(text("ANALYZE ticket"))


def bench_near_sla(db: Database, size: int) -> None:
    fill_postgres(db, size)

    def query() -> None:
        with db.session() as s:
            tickets.near_or_past_sla(s, now=NOW, horizon=timedelta(hours=1), limit=500)

    query()  # warm the cache
    samples = timed(query, 15)
    with db.engine.connect() as conn:
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text("""
            EXPLAIN SELECT * FROM ticket WHERE status IN ('new','open','waiting_on_customer','reopened')
            AND (first_response_due <= :cut OR resolution_due <= :cut) ORDER BY resolution_due LIMIT 500
        """),
                {"cut": NOW + timedelta(hours=1)},
            )
        )
    with db.session() as s:
        found = len(tickets.near_or_past_sla(s, now=NOW, horizon=timedelta(hours=1), limit=500))
    report(
        f"near_or_past_sla_postgres_{size}",
        COMMAND,
        {
            "tickets": size,
            "rows_returned": found,
            "median_ms": median_ms(samples),
            "p90_ms": round(statistics.quantiles(samples, n=10)[-1] * 1000, 3),
            "uses_index": "Index" in plan and "Seq Scan" not in plan,
        },
    )


def bench_sweep_and_digest(db: Database, size: int) -> None:
    """SLA sweep: one catch-up run over the backlog of due alerts, then the steady state (the next
    minutes, each run reading only tickets whose alert just came due); the daily digest."""
    from jobs.digest import digest
    from jobs.sla_sweep import sla_sweep

    started = time.perf_counter()
    catch_up = sla_sweep(db, config=CONFIG, now=NOW, limit=1_000_000)
    catch_up_s = time.perf_counter() - started
    steady = []
    checked = 0
    for minute in range(1, 11):
        started = time.perf_counter()
        checked += sla_sweep(db, config=CONFIG, now=NOW + timedelta(minutes=minute)).checked
        steady.append(time.perf_counter() - started)
    report(
        f"sla_sweep_postgres_{size}",
        COMMAND,
        {
            "tickets": size,
            "catch_up_tickets": catch_up.checked,
            "catch_up_s": round(catch_up_s, 2),
            "steady_median_ms": median_ms(steady),
            "steady_max_ms": round(max(steady) * 1000, 1),
            "steady_tickets_per_run": round(checked / len(steady), 1),
        },
    )
    samples = timed(lambda: digest(db, config=CONFIG, now=NOW, name="daily", dry_run=True), 5)
    weekly = timed(lambda: digest(db, config=CONFIG, now=NOW, name="weekly", dry_run=True), 3)
    report(
        f"digest_postgres_{size}",
        COMMAND,
        {
            "tickets": size,
            "daily_median_ms": median_ms(samples),
            "weekly_median_ms": median_ms(weekly),
            "with_chart": True,
        },
    )


def bench_queue_and_home(db: Database, size: int) -> None:
    """`/ticket queue` for an agent and the App Home view for an agent and a manager, as Slack gets them."""
    from bot import slash
    from bot.desk import DeskContext
    from bot.desk.home import Home

    home = Home(DeskContext(config=CONFIG, db=db, client=None, answers=lambda: None, clock=lambda: NOW))  # type: ignore[arg-type]
    agent, manager = "U0AGENT001", "U0MANAGER1"

    def queue() -> None:
        slash.execute(slash.parse("queue"), user=agent, db=db, config=CONFIG, now=NOW)

    figures = {}
    for name, fn in (
        ("ticket_queue", queue),
        ("home_agent", lambda: home.view_for(user=agent)),
        ("home_manager", lambda: home.view_for(user=manager)),
    ):
        fn()  # warm the cache
        samples = timed(fn, 15)
        figures[f"{name}_median_ms"] = median_ms(samples)
        figures[f"{name}_max_ms"] = round(max(samples) * 1000, 1)
    report(f"queue_and_home_postgres_{size}", COMMAND, {"tickets": size, **figures})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument(
        "--only-large",
        action="store_true",
        help="only the per-size figures (skip creations and SLA micro-benchmarks)",
    )
    args = parser.parse_args()
    import psycopg

    name = f"deskbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg = Database(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        upgrade(pg)
        if not args.only_large:
            with tempfile.TemporaryDirectory() as tmp:
                lite = Database(f"sqlite:///{tmp}/bench.db")
                upgrade(lite)
                bench_creations(lite, "sqlite")
                bench_sla_stored(lite, "sqlite")
                lite.dispose()
            bench_creations(pg, "postgres")
            bench_sla_stored(pg, "postgres")
            bench_sla()
        for size in args.sizes:
            bench_near_sla(pg, size)
            bench_sweep_and_digest(pg, size)
            bench_queue_and_home(pg, size)
    finally:
        pg.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
