"""SLA outcome flags on tickets (for compliance figures) and indexes for ticket-thread lookups

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(
            sa.Column("first_response_breached", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("resolution_breached", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_ticket_triage_thread", "ticket", ["triage_channel", "triage_ts"])
    op.create_index("ix_ticket_requester_thread", "ticket", ["channel", "thread_ts"])


def downgrade() -> None:
    op.drop_index("ix_ticket_requester_thread", table_name="ticket")
    op.drop_index("ix_ticket_triage_thread", table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("resolution_breached")
        batch.drop_column("first_response_breached")
