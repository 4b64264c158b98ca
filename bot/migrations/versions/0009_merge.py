"""merged duplicates point at their original; PostgreSQL's full-text index for similar tickets

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import TICKET_TEXT_SQL

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
    op.create_index("ix_ticket_merged_into", "ticket", ["merged_into"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_ticket_text ON ticket USING gin ({TICKET_TEXT_SQL})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_ticket_text")
    op.drop_index("ix_ticket_merged_into", table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("merged_into")
