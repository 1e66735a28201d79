"""digests: one digest_post per digest and period; the indexes the digest's figures use

Surveys by when they were sent, complaints by when filed and resolved, and tickets by
requester and service for repeat contacts (bench/digest.py measures them).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 04:38:40.485208
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('digest_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('posted_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('posted_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest', 'period', name='uq_digest_post_period')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_complaint_resolved_at', ['resolved_at'], unique=False)

    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_survey_invitation_sent_at_status', ['sent_at', 'status'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_requester_service_opened', ['requester_email', 'service', 'opened_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_requester_service_opened')

    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_invitation_sent_at_status')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_resolved_at')
        batch_op.drop_index('ix_complaint_created_at')

    op.drop_table('digest_post')
