"""Shared fixtures: the sample configuration, a clock, and migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import SAMPLE_DIR
from bot.db import Database
from bot.migrations import upgrade
from bot.support import SupportConfig, load_support_config

PG_ADMIN_URL = os.environ.get("DESKBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def config() -> SupportConfig:
    return load_support_config(SAMPLE_DIR / "support.yaml")


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # a Tuesday, inside working hours


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: a missing service is a failure, not a skip)")
        pytest.skip(problem)
    import psycopg

    name = f"deskbot_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for table in (
                "feedback",
                "kb_query",
                "note",
                "ticket_event",
                "notification",
                "processed_event",
                "ticket",
                "account",
                "account_member",
                "account_checkin",
                "account_health_day",
            ):
                conn.execute(text(f"DELETE FROM {table}"))
        else:
            conn.execute(
                text(
                    "TRUNCATE feedback, kb_query, note, ticket_event, notification, processed_event, ticket, "
                    "account, account_member, account_checkin, account_health_day RESTART IDENTITY CASCADE"
                )
            )


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'deskbot.db'}")
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_database_url: str) -> Iterator[Database]:
    db = Database(pg_database_url)
    _truncate(db)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")
