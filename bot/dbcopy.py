"""Copy every Deskbot table from one database to another (SQLite → PostgreSQL when scaling out).

The target gets the schema from the migrations, must hold no rows yet, and is written in one
transaction: a failure leaves it empty, never half-copied. Rows are streamed in batches, parents
before children; afterwards PostgreSQL's id sequences are moved past the copied rows, and the row
counts of both sides are compared.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Integer, func, select, text
from sqlmodel import SQLModel

import bot.models  # noqa: F401 - registers every table in SQLModel.metadata
from bot.db import Database
from bot.migrations import current_revision, upgrade

BATCH = 1000


class CopyError(Exception):
    """The copy cannot start (or did not check out); the message says why and what to do."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows copied
    seconds: float = 0.0


def copy_database(
    *,
    source: Database,
    target: Database,
    progress: Callable[[str, int, int], None] | None = None,
) -> CopyReport:
    """Copy all rows from `source` into the empty `target` (migrated first); (table, done, total) progress."""
    started = time.perf_counter()
    revision = current_revision(source)
    if revision is None:
        raise CopyError("the source database has no Deskbot schema; check DATABASE_URL (--from)")
    upgrade(target)
    if current_revision(target) != revision:
        raise CopyError(
            f"the source is at schema {revision} and the target at {current_revision(target)}; "
            "run `deskbot db upgrade` against the source first so both are at the latest version"
        )
    tables = SQLModel.metadata.sorted_tables  # parents before children
    with target.engine.connect() as conn:
        for table in tables:
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                raise CopyError(
                    f"the target already has rows in '{table.name}'; copy into a new, empty database"
                )
    report = CopyReport()
    with source.engine.connect() as read, target.engine.begin() as write:
        for table in tables:
            total = read.execute(select(func.count()).select_from(table)).scalar_one()
            done = 0
            order = list(table.primary_key.columns)
            result = read.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
            for batch in result.mappings().partitions(BATCH):
                write.execute(table.insert(), [dict(row) for row in batch])
                done += len(batch)
                if progress:
                    progress(table.name, done, total)
            if progress and not total:
                progress(table.name, 0, 0)
            report.rows[table.name] = done
        if write.dialect.name == "postgresql":
            _advance_sequences(write)
    with target.engine.connect() as conn:
        for table in tables:
            copied = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if copied != report.rows[table.name]:
                raise CopyError(
                    f"'{table.name}': {report.rows[table.name]} rows read but {copied} in the target"
                )
    report.seconds = time.perf_counter() - started
    return report


def _advance_sequences(conn: Connection) -> None:
    """New rows on PostgreSQL continue after the copied ids (ticket numbers included)."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false) "
                    f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"
                )
            )
