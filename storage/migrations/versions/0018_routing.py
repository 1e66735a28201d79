"""routing: where each person last acted, and the platform they chose for direct messages

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('last_platform', sqlmodel.sql.sqltypes.AutoString(length=8),
                                   nullable=True))
        batch.add_column(sa.Column('preferred_platform',
                                   sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('preferred_platform')
        batch.drop_column('last_platform')
