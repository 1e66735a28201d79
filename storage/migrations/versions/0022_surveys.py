"""surveys: a pulse campaign may ask several questions; answer sets and their answers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 05:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.add_column(sa.Column('questions', sa.JSON(), nullable=True))
    with op.batch_alter_table('pulse_delivery') as batch:
        # Existing rows are NPS invites, which have no "finished" of their own.
        batch.add_column(sa.Column('finished', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table('pulse_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('respondent_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('answered_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['pulse_campaign.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'person_id', name='uq_pulse_response_person'),
    sa.UniqueConstraint('campaign_id', 'respondent_key', name='uq_pulse_response_key')
    )
    with op.batch_alter_table('pulse_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_response_campaign_id'), ['campaign_id'],
                              unique=False)
    op.create_table('pulse_question_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Integer(), nullable=False),
    sa.Column('aspect', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.CheckConstraint('value BETWEEN 0 AND 10', name='ck_pulse_question_answer_value'),
    sa.ForeignKeyConstraint(['campaign_id'], ['pulse_campaign.id'], ),
    sa.ForeignKeyConstraint(['response_id'], ['pulse_response.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_id', 'question', name='uq_pulse_question_answer')
    )
    with op.batch_alter_table('pulse_question_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_question_answer_campaign_id'),
                              ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_question_answer_response_id'),
                              ['response_id'], unique=False)


def downgrade() -> None:
    op.drop_table('pulse_question_answer')
    op.drop_table('pulse_response')
    with op.batch_alter_table('pulse_delivery') as batch:
        batch.drop_column('finished')
    with op.batch_alter_table('pulse_campaign') as batch:
        batch.drop_column('questions')
