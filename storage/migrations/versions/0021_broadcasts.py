"""broadcasts: status updates for outages and maintenance, their numbered updates,
per-service subscriptions, the reminders and scheduled steps already taken, and subscribers'
ratings of how well they were kept informed

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 04:37:45.847829
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('impact', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('window_start', storage.types.UTCDateTime(), nullable=True),
    sa.Column('window_end', storage.types.UTCDateTime(), nullable=True),
    sa.Column('update_count', sa.Integer(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('related_tickets', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_key')
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_open_updated', ['is_open', 'updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_broadcast_owner_id'), ['owner_id'], unique=False)

    op.create_table('broadcast_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answered_at', storage.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name='ck_broadcast_rating_score'),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('broadcast_id', 'person_id', name='uq_broadcast_rating')
    )
    op.create_table('broadcast_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('claimed_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('broadcast_id', 'kind', 'number', name='uq_broadcast_reminder')
    )
    op.create_table('broadcast_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'service', name='uq_broadcast_subscription')
    )
    with op.batch_alter_table('broadcast_subscription', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_subscription_service', ['service'], unique=False)

    op.create_table('broadcast_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('impact', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('notify_channel', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('broadcast_id', 'number', name='uq_broadcast_update')
    )


def downgrade() -> None:
    op.drop_table('broadcast_update')
    op.drop_table('broadcast_reminder')
    op.drop_table('broadcast_rating')
    with op.batch_alter_table('broadcast_subscription', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcast_subscription_service')

    op.drop_table('broadcast_subscription')
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcast_owner_id'))
        batch_op.drop_index('ix_broadcast_open_updated')

    op.drop_table('broadcast')
