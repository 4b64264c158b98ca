"""article drafts from resolved tickets, reviewed by the knowledge owners before they are published

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_number", sa.Integer(), sa.ForeignKey("ticket.number"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.String(40000), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("written_by", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("group_key", sa.String(200), nullable=True, unique=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("visibility", sa.String(16), nullable=True),
        sa.Column("path", sa.String(500), nullable=True),
    )
    op.create_index("ix_article_draft_ticket_number", "article_draft", ["ticket_number"])
    op.create_index("ix_article_draft_status", "article_draft", ["status"])


def downgrade() -> None:
    op.drop_index("ix_article_draft_status", table_name="article_draft")
    op.drop_index("ix_article_draft_ticket_number", table_name="article_draft")
    op.drop_table("article_draft")
