"""pulses: campaigns, delivery outbox, answers, opt-outs, replies

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 07:15:14.928337
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pulse_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('definition', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('anonymity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('min_group', sa.Integer(), nullable=False),
    sa.Column('reminders', sa.JSON(), nullable=False),
    sa.Column('send_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('opens_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('closes_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('pulse_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_campaign_status'), ['status'], unique=False)

    op.create_table('pulse_opt_out',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('opted_out_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('pulse_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('respondent_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('answered_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('reply_route', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.CheckConstraint('score BETWEEN 0 AND 10', name='ck_pulse_answer_score'),
    sa.ForeignKeyConstraint(['campaign_id'], ['pulse_campaign.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'respondent_key', name='uq_pulse_answer')
    )
    with op.batch_alter_table('pulse_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_answer_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('pulse_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', storage.types.UTCDateTime(), nullable=True),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('message_ref', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['pulse_campaign.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'person_id', 'kind', name='uq_pulse_delivery')
    )
    with op.batch_alter_table('pulse_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_delivery_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_delivery_person_id'), ['person_id'], unique=False)

    op.create_table('pulse_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('from_respondent', sa.Boolean(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['pulse_answer.id'], ),
    sa.ForeignKeyConstraint(['lead_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pulse_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_reply_answer_id'), ['answer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pulse_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_reply_answer_id'))

    op.drop_table('pulse_reply')
    with op.batch_alter_table('pulse_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_delivery_person_id'))
        batch_op.drop_index('ix_pulse_delivery_due')

    op.drop_table('pulse_delivery')
    with op.batch_alter_table('pulse_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_answer_campaign_id'))

    op.drop_table('pulse_answer')
    op.drop_table('pulse_opt_out')
    with op.batch_alter_table('pulse_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_campaign_status'))

    op.drop_table('pulse_campaign')
