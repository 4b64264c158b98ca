"""Alembic environment: Deskbot's metadata; tables owned by other libraries are never touched."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers the tables on SQLModel.metadata)


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Skip tables other libraries create (slack_sdk's stores, APScheduler, the KB's lexical index), so
    autogenerate never drops them, and the expression indexes autogenerate cannot compare."""
    from bot.models import EXPRESSION_INDEXES, foreign

    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return not foreign(type_, name, obj)


def run_migrations() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
