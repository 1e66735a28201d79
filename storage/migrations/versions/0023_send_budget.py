"""send budget: one row per workspace or tenant holding the next free send slot, shared by
every replica's outbox sender (storage.send_budget)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'send_budget',
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('next_at', sa.Float(), nullable=False),
        sa.Column('not_before', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )


def downgrade() -> None:
    op.drop_table('send_budget')
