"""The Alembic migrations produce the tables, columns and indexes the models describe (no drift)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from bot.models import EXPRESSION_INDEXES, foreign  # importing the models registers the tables


def _comparable(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    return not (type_ == "index" and name in EXPRESSION_INDEXES) and not foreign(type_, name, obj)


def test_migrated_schema_matches_models(db) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False, "include_object": _comparable}),
            SQLModel.metadata,
        )
        indexes = {i["name"] for i in inspect(conn).get_indexes("ticket")}
    assert diff == []
    # Expression indexes exist where the models create them (PostgreSQL's full-text index only there).
    assert EXPRESSION_INDEXES & indexes == (set() if db.is_sqlite else EXPRESSION_INDEXES)
