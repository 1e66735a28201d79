"""ticket SLA: when an open ticket becomes at risk of missing its response and resolution targets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_at_risk_from', storage.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('resolution_at_risk_from', storage.types.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('resolution_at_risk_from')
        batch_op.drop_column('response_at_risk_from')
