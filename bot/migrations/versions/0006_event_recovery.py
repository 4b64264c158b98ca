"""processed events keep their body until handled, so a crash after the ack can be recovered

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("done_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("processed_event") as batch:
        batch.add_column(sa.Column("body", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("done_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    # Events taken before this version were handled by the code of that version: mark them done.
    op.execute("UPDATE processed_event SET done_at = received_at")
    op.create_index(
        "ix_processed_event_pending",
        "processed_event",
        ["received_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_processed_event_pending", table_name="processed_event")
    with op.batch_alter_table("processed_event") as batch:
        batch.drop_column("attempts")
        batch.drop_column("done_at")
        batch.drop_column("body")
