"""board: the bulletin board's used sign-in links and its sessions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('board_signin_used',
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('board_signin_used', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_signin_used_expires_at'), ['expires_at'],
                              unique=False)
    op.create_table('board_session',
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('secret_hash')
    )
    with op.batch_alter_table('board_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_session_expires_at'), ['expires_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_board_session_person_id'), ['person_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('board_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_session_person_id'))
        batch_op.drop_index(batch_op.f('ix_board_session_expires_at'))
    op.drop_table('board_session')
    with op.batch_alter_table('board_signin_used', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_signin_used_expires_at'))
    op.drop_table('board_signin_used')
