"""what the knowledge base searched for when it corrected a question's misspelt words

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kb_query") as batch:
        batch.add_column(sa.Column("searched_for", sa.String(length=4000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_query") as batch:
        batch.drop_column("searched_for")
