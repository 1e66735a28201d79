"""pulses: the results card is posted until it is out (claimed, with a lease)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.add_column(sa.Column('results_claimed_at', storage.types.UTCDateTime(),
                                   nullable=True))
        batch.add_column(sa.Column('results_posted_at', storage.types.UTCDateTime(),
                                   nullable=True))
    # Campaigns closed before this revision had their card posted at the close (or lost it
    # then): none is posted again.
    op.execute("UPDATE pulse_campaign SET results_posted_at = closed_at "
               "WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.drop_column('results_posted_at')
        batch.drop_column('results_claimed_at')
