"""complaints: the complaint log, tracking-number counters, SLA alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 06:34:22.554540
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('complaint_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('complainant_id', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('impact', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('ticket', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('acknowledged_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('resolved_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('acknowledge_due_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('resolve_due_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('acknowledge_remind_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('resolve_remind_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('acknowledge_business_s', sa.Integer(), nullable=True),
    sa.Column('resolve_business_s', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('root_cause', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('dm_ref', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('triage_refs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['complainant_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('submission_key')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_complainant_id'), ['complainant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_complaint_status_created', ['status', 'created_at'], unique=False)

    op.create_table('complaint_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('complaint_id', 'kind', name='uq_complaint_alert')
    )


def downgrade() -> None:
    op.drop_table('complaint_alert')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_status_created')
        batch_op.drop_index(batch_op.f('ix_complaint_owner_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_complainant_id'))

    op.drop_table('complaint')
    op.drop_table('complaint_counter')
