"""`deskbot db copy`: a support desk on SQLite moves to a new PostgreSQL database with nothing lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from bot import tickets
from bot.cli import app as cli
from bot.db import Database
from bot.models import CheckinRow, Feedback, KbQuery, Notification, ProcessedEvent, TicketCreate
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.postgres


@pytest.fixture
def new_pg_url(pg_database_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database, as an operator would create for the move."""
    import psycopg

    name = f"deskbot_copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _desk_history(db: Database, config, clock) -> None:  # noqa: ANN001
    now = clock()
    with db.transaction() as s:
        for i in range(30):
            n = tickets.create(
                s,
                data=TicketCreate(
                    title=f"Export {i} fails — “quoted” ✓", requester="U0CUSTOM01", category="billing"
                ),
                actor="U0CUSTOM01",
                config=config,
                now=now + timedelta(minutes=i),
            ).number
            if i % 3 == 0:
                tickets.claim(
                    s, number=n, agent="U0AGENT004", config=config, now=now + timedelta(minutes=i + 1)
                )
                tickets.add_note(
                    s,
                    number=n,
                    author="U0AGENT004",
                    body="looking",
                    internal=i % 2 == 0,
                    config=config,
                    now=now,
                )
        q = KbQuery(
            question="Can I pay in CHF?", grounded=False, sources=["payment-declined"], created_at=now
        )
        s.add(q)
        s.flush()
        s.add(Feedback(query_id=q.id, user="U0CUSTOM01", helpful=False, created_at=now))
        s.add(ProcessedEvent(event_id="Ev0001", received_at=now))
        s.add(
            Notification(
                dedupe_key="sla:1:warn", channel="C0TRIAGE01", payload={"text": "soon"}, created_at=now
            )
        )
        s.add(
            CheckinRow(
                channel="C0ACME",
                days=[0, 3],
                at="09:00",
                message="How is it going?",
                created_by="U0AGENT001",
                created_at=now,
            )
        )


def _rows(db: Database) -> dict[str, list[dict]]:
    with db.engine.connect() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
            for t in SQLModel.metadata.sorted_tables
        }


def test_copy_moves_every_row_and_new_tickets_continue_the_numbering(
    sqlite_db, new_pg_url, config, clock
) -> None:
    _desk_history(sqlite_db, config, clock)
    env = {"DATABASE_URL": str(sqlite_db.engine.url)}
    result = CliRunner().invoke(cli, ["db", "copy", "--to", new_pg_url], env=env)
    assert result.exit_code == 0, result.output
    assert "ticket: 30 rows" in result.output and "rows copied to" in result.output
    target = Database(new_pg_url)
    try:
        assert _rows(target) == _rows(sqlite_db)  # every table, every column, every value
        with target.transaction() as s:
            n = tickets.create(
                s,
                data=TicketCreate(title="after the move", requester="U0CUSTOM01"),
                actor="U0CUSTOM01",
                config=config,
                now=clock(),
            ).number
            assert n == 31  # the numbering continues; no clash with a copied ticket
            s.add(KbQuery(question="new", grounded=True, created_at=clock()))
        again = CliRunner().invoke(cli, ["db", "copy", "--to", new_pg_url], env=env)
        assert again.exit_code == 1
        assert (
            "nothing copied: the target already has rows in" in again.output
            and "new, empty database" in again.output
        )
        assert len(_rows(target)["ticket"]) == 31  # the refused copy changed nothing
    finally:
        target.dispose()


def test_copy_refuses_what_it_cannot_do_with_the_fix(sqlite_db, tmp_path) -> None:  # noqa: ANN001
    env = {"DATABASE_URL": str(sqlite_db.engine.url)}
    same = CliRunner().invoke(cli, ["db", "copy", "--to", str(sqlite_db.engine.url)], env=env)
    assert same.exit_code == 1 and "is the database being copied" in same.output
    bad = CliRunner().invoke(cli, ["db", "copy", "--to", "mysql://x/y"], env=env)
    assert bad.exit_code == 1 and "use a sqlite:// or postgresql:// URL" in bad.output
    empty = CliRunner().invoke(
        cli,
        [
            "db",
            "copy",
            "--from",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--to",
            f"sqlite:///{tmp_path / 'to.db'}",
        ],
    )
    assert empty.exit_code == 1 and "no database to copy at" in empty.output
    assert not (tmp_path / "none.db").exists()  # nothing created by looking
    (tmp_path / "blank.db").touch()
    blank = CliRunner().invoke(
        cli,
        [
            "db",
            "copy",
            "--from",
            f"sqlite:///{tmp_path / 'blank.db'}",
            "--to",
            f"sqlite:///{tmp_path / 'to.db'}",
        ],
    )
    assert blank.exit_code == 1 and "the source database has no Deskbot schema" in blank.output
