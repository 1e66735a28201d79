"""newsletter: one issue per period (its content as drafted, its intro, who decided it), and
on a complaint's resolution whether the newsletter may tell what changed, and what did

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:49:14
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('newsletter_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        # Complaints resolved before this were never marked shareable.
        batch_op.add_column(sa.Column('shareable', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('what_changed', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('what_changed')
        batch_op.drop_column('shareable')

    op.drop_table('newsletter_issue')
