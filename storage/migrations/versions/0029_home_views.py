"""home views: the Slack Home tabs published, and the refresh each is owed
(storage.home_views)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'home_view',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('published_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('refresh_due_at', storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('person_id'),
    )
    op.create_index(op.f('ix_home_view_refresh_due_at'), 'home_view', ['refresh_due_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_home_view_refresh_due_at'), table_name='home_view')
    op.drop_table('home_view')
