"""pulse wording: an NPS pulse keeps the question and the why-question app.yaml gave its
campaign (one text or one per language), so its reminders ask what its invite asked

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.add_column(sa.Column('wording', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.drop_column('wording')
