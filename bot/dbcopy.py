"""Copy every Deskbot table from one database to another (SQLite → PostgreSQL when scaling out).

The target gets the schema from the migrations, must hold no rows yet, and is written in one
transaction: a failure leaves it empty, never half-copied. Rows are streamed in batches, parents
before children; afterwards PostgreSQL's id sequences are moved past the copied rows, and the row
counts are checked before the transaction commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Integer, Table, func, select, text
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
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy all rows from `source` into the empty `target` (migrated first); `progress(table, rows)`
    after each table."""
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
    report = CopyReport()
    with source.engine.connect() as read, target.engine.begin() as write:
        for table in SQLModel.metadata.sorted_tables:  # parents before children
            if _count(write, table):
                raise CopyError(
                    f"the target already has rows in '{table.name}'; copy into a new, empty database"
                )
            result = read.execution_options(yield_per=BATCH).execute(
                select(table).order_by(*table.primary_key.columns)
            )
            taken = 0
            for batch in result.mappings().partitions(BATCH):
                write.execute(table.insert(), [dict(row) for row in batch])
                taken += len(batch)
            copied = _count(write, table)
            if copied != taken:  # raising here rolls the whole copy back
                raise CopyError(f"'{table.name}': {taken} rows read but {copied} in the target")
            report.rows[table.name] = copied
            if progress:
                progress(table.name, copied)
        if write.dialect.name == "postgresql":
            _advance_sequences(write)
    report.seconds = time.perf_counter() - started
    return report


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


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
