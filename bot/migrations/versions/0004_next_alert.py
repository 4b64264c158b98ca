"""next SLA alert per ticket (the sweep reads only tickets with something due); digest indexes

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("next_alert_at", UTCDateTime(), nullable=True))
    op.create_index("ix_ticket_next_alert_at", "ticket", ["next_alert_at"])
    op.create_index("ix_ticket_resolved_at", "ticket", ["resolved_at"])  # digest periods
    op.create_index("ix_ticket_first_response_at", "ticket", ["first_response_at"])
    # Existing active tickets are looked at by the next sweep, which then stores their real next alert.
    op.execute(
        "UPDATE ticket SET next_alert_at = updated_at "
        "WHERE status IN ('new', 'open', 'waiting_on_customer', 'reopened')"
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_first_response_at", table_name="ticket")
    op.drop_index("ix_ticket_resolved_at", table_name="ticket")
    op.drop_index("ix_ticket_next_alert_at", table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("next_alert_at")
