"""pulse tallies: a closed campaign's tallies kept in `pulse_campaign.tallies` (written by
the transaction that closes it, storage.pulse_tallies), and kept now for those closed
already: a few statements per closed campaign

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.pulse_tallies import fill

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('pulse_campaign', sa.Column('tallies', sa.JSON(), nullable=True))
    fill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.drop_column('tallies')
