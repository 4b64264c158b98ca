"""customer accounts: tickets and questions carry their account; accounts, their people, check-ins and
daily health scores

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REOPEN = sa.text("action = 'reopen'")


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("account", sa.String(length=80), nullable=True))
    op.create_index("ix_ticket_created_account", "ticket", ["created_at", "account"])
    op.create_index("ix_ticket_account_created", "ticket", ["account", "created_at"])
    op.create_index(
        "ix_ticket_event_reopen_at", "ticket_event", ["at"], postgresql_where=REOPEN, sqlite_where=REOPEN
    )
    with op.batch_alter_table("kb_query") as batch:
        batch.add_column(sa.Column("account", sa.String(length=80), nullable=True))
    op.create_index("ix_kb_query_account", "kb_query", ["account"])
    op.create_table(
        "account",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("configured", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_contact_at", UTCDateTime(), nullable=True),
        sa.Column("warned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_account_owner", "account", ["owner"])
    op.create_index("ix_account_team_id", "account", ["team_id"])
    op.create_table(
        "account_member",
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("user"),
    )
    op.create_index("ix_account_member_account", "account_member", ["account"])
    op.create_table(
        "account_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_checkin_account_at", "account_checkin", ["account", "at"])
    op.create_table(
        "account_health_day",
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account", "day"),
    )


def downgrade() -> None:
    op.drop_table("account_health_day")
    op.drop_index("ix_account_checkin_account_at", table_name="account_checkin")
    op.drop_table("account_checkin")
    op.drop_index("ix_account_member_account", table_name="account_member")
    op.drop_table("account_member")
    op.drop_index("ix_account_team_id", table_name="account")
    op.drop_index("ix_account_owner", table_name="account")
    op.drop_table("account")
    op.drop_index("ix_kb_query_account", table_name="kb_query")
    with op.batch_alter_table("kb_query") as batch:
        batch.drop_column("account")
    op.drop_index("ix_ticket_event_reopen_at", table_name="ticket_event")
    op.drop_index("ix_ticket_account_created", table_name="ticket")
    op.drop_index("ix_ticket_created_account", table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("account")
