"""plans and milestones: improvement plan items (a figure, the change, owner, due date) and
the milestones celebrated, one unique row each

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:38:46
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reached_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_reached_at'), ['reached_at'], unique=False)

    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('figure', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['done_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_key')
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_item_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_status'))
        batch_op.drop_index(batch_op.f('ix_plan_item_owner_id'))

    op.drop_table('plan_item')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_reached_at'))
        batch_op.drop_index(batch_op.f('ix_milestone_kind'))

    op.drop_table('milestone')
