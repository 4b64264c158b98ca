"""Similar-ticket lookup per new ticket on PostgreSQL at 100k and 1M tickets (bot/tickets/similar.py).

The tickets are synthetic: titles of 6-9 and descriptions of 15-30 words drawn from a 20,000-word
vocabulary with a Zipf-like (log-uniform) frequency, the commonest word in about one ticket in ten,
rarer words longer (as in real text); 95% of tickets resolved or closed. New tickets are drawn the same
way. No real ticket text is used. The notes and audit events of the matched tickets are not filled, so
the "how it was solved" reads are on empty tables (two primary-key lookups each).

Run: `make bench-similar` (or `.venv/bin/python -m tests.bench.similar [--sizes 100000 1000000]`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from bot.db import Database
from bot.migrations import upgrade
from bot.models import TICKET_TEXT_SQL, Status, Ticket
from bot.tickets import similar
from tests.bench.common import report

PG_ADMIN = os.environ.get("DESKBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
COMMAND = "make bench-similar"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VOCABULARY = 20_000
SKIP = 50  # the commonest words of real text are stop words, left out of both sides


def word(i: int) -> str:
    """The i-th commonest synthetic word: short when common, longer when rare (as `WORD_SQL`)."""
    out = "k" + chr(97 + i % 26) + chr(97 + i // 26 % 26)
    if i >= 26 * 26:
        out += chr(97 + i // 676 % 26)
    if i >= 26**3:
        out += chr(97 + i // 17576 % 26)
    return out


WORD_SQL = (
    "'k' || chr(97 + i % 26) || chr(97 + i / 26 % 26) || CASE WHEN i >= 676 THEN chr(97 + i / 676 % 26) "
    "ELSE '' END || CASE WHEN i >= 17576 THEN chr(97 + i / 17576 % 26) ELSE '' END"
)
WORDS = [word(i) for i in range(VOCABULARY)]
SPAN = math.log((VOCABULARY + SKIP) / SKIP)


def draw(rng: random.Random, n: int) -> list[str]:
    """`n` words with P(i) ~ 1/(i + SKIP), like the SQL fill."""
    return [WORDS[int(SKIP * math.exp(rng.random() * SPAN)) - SKIP] for _ in range(n)]


def _words_sql(n: str) -> str:
    # `0 * w` ties each draw to its row, so PostgreSQL draws again for every word of every ticket
    index = f"floor({SKIP} * exp(random() * {SPAN}))::int - {SKIP} + 0 * w::int"
    return f"(SELECT string_agg({WORD_SQL}, ' ') FROM (SELECT {index} AS i FROM generate_series(1, {n}) AS w) AS d)"


def fill(db: Database, size: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE notification, ticket_event, note, kb_query, feedback, ticket RESTART IDENTITY CASCADE"
            )
        )
        conn.execute(text("DROP INDEX IF EXISTS ix_ticket_text"))
        conn.execute(
            text(f"""
            INSERT INTO ticket (title, description, requester, priority, status, team, level, sla_policy,
                                created_at, updated_at, version)
            SELECT {_words_sql("6 + g % 4")}, {_words_sql("15 + g % 16")}, 'U' || (g % 5000), 'normal',
                   CASE WHEN g % 20 = 0 THEN 'open' ELSE (ARRAY['resolved','closed'])[1 + g % 2] END,
                   'support', 'L1', 'standard', :now, :now, 1
            FROM generate_series(1::bigint, :size) AS g
        """),
            {"now": NOW, "size": size},
        )
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        conn.execute(text(f"CREATE INDEX ix_ticket_text ON ticket USING gin ({TICKET_TEXT_SQL})"))
        conn.execute(text("ANALYZE ticket"))


def _new_tickets(db: Database, size: int, n: int) -> list[tuple[Ticket, int | None]]:
    """`n` new tickets: half fresh draws, half near-copies of a stored ticket (a quarter of the words
    redrawn), each with the stored ticket it copies (None for fresh ones)."""
    rng = random.Random(11)
    out: list[tuple[Ticket, int | None]] = []
    with db.session() as s:
        for i in range(n):
            source, title, body = None, draw(rng, 7), draw(rng, 20)
            if i % 2:
                source = rng.randint(1, size)
                row = s.exec(text(f"SELECT title, description FROM ticket WHERE number = {source}")).one()
                title, body = row[0].split(), row[1].split()
                for words in (title, body):
                    for k in rng.sample(range(len(words)), len(words) // 4):
                        words[k] = draw(rng, 1)[0]
            ticket = Ticket(
                number=10**9 + i,
                title=" ".join(title),
                description=" ".join(body),
                requester="U0NEW",
                team="support",
                status=Status.NEW,
            )
            out.append((ticket, source))
    return out


def bench(db: Database, size: int, n: int = 200) -> None:
    started = time.perf_counter()
    fill(db, size)
    filled = time.perf_counter() - started
    new = _new_tickets(db, size, n)
    samples, planted, found_planted, shown = [], 0, 0, 0
    with db.session() as s:
        similar.find(s, new[0][0])  # warm the cache
        for ticket, source in new:
            start = time.perf_counter()
            found = similar.find(s, ticket)
            samples.append(time.perf_counter() - start)
            numbers = {m.number for m in found.resolved + found.duplicates}
            shown += bool(numbers)
            planted += source is not None
            found_planted += source in numbers
    report(
        f"similar_tickets_postgres_{size}",
        COMMAND,
        {
            "tickets": size,
            "lookups": n,
            "p50_ms": round(statistics.median(samples) * 1000, 2),
            "p95_ms": round(statistics.quantiles(samples, n=20)[-1] * 1000, 2),
            "max_ms": round(max(samples) * 1000, 2),
            "near_copies_found": f"{found_planted}/{planted}",
            "lookups_showing_any": shown,
            "fill_and_index_s": round(filled, 1),
            "data": "synthetic (Zipf-like 20k-word vocabulary)",
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--keep", help="use (and keep) this database instead of a fresh one")
    args = parser.parse_args()
    import psycopg

    name = args.keep or f"deskbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        upgrade(db)
        for size in args.sizes:
            bench(db, size)
    finally:
        db.dispose()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
