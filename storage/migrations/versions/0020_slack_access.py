"""slack_access: what Slack took away (app uninstalled, tokens revoked), so calls stop

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('slack_access_loss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('token_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=16),
              nullable=False),
    sa.Column('lost_at', storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'kind', 'user_id', 'token_fingerprint',
                        name='uq_slack_access_loss')
    )


def downgrade() -> None:
    op.drop_table('slack_access_loss')
