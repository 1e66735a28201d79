"""outbox: one table for every outbound message, one row per (purpose key, platform); pulse
deliveries become the schedule, their sending the outbox's

A pulse delivery no longer holds a send's lease or reference (the outbox row under its key
does), and the results card is handed to the outbox in the transaction that records it, so it
needs no lease either. Deliveries a sender held at the upgrade go back to waiting (the tick
hands them to the outbox); those sent before keep saying so.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('parent_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sent_version', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('claimed_until', storage.types.UTCDateTime(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('ref_channel', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('ref_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'platform', name='uq_outbox_message_key')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'priority', 'due_at'],
                              unique=False)
        batch_op.create_index('ix_outbox_message_ref', ['ref_channel', 'ref_id'], unique=False)

    op.execute("UPDATE pulse_delivery SET status = 'pending' WHERE status = 'claimed'")
    with op.batch_alter_table('pulse_delivery', schema=None) as batch_op:
        for column in ('attempts', 'claimed_until', 'sent_at', 'message_ref'):
            batch_op.drop_column(column)
    with op.batch_alter_table('pulse_campaign', schema=None) as batch_op:
        batch_op.drop_column('results_claimed_at')


def downgrade() -> None:
    with op.batch_alter_table('pulse_campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_claimed_at', storage.types.UTCDateTime(),
                                      nullable=True))
    with op.batch_alter_table('pulse_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('claimed_until', storage.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('sent_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('message_ref',
                                      sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))
    # What the outbox queued or sent is, to the older schema, sent or still waiting.
    op.execute("UPDATE pulse_delivery SET status = CASE WHEN EXISTS (SELECT 1 FROM "
               "outbox_message o WHERE o.key = 'pulse:' || pulse_delivery.campaign_id || ':' "
               "|| pulse_delivery.person_id || ':' || pulse_delivery.kind AND o.status = "
               "'sent') THEN 'sent' ELSE 'pending' END WHERE status = 'queued'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_ref')
        batch_op.drop_index('ix_outbox_message_due')
    op.drop_table('outbox_message')
