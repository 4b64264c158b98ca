"""partial index over active tickets by team and resolution due (queues, App Home, backlog counts)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('new', 'open', 'waiting_on_customer', 'reopened')")


def upgrade() -> None:
    op.create_index(
        "ix_ticket_active_team_due",
        "ticket",
        ["team", "resolution_due", "number"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_active_team_due", table_name="ticket")
