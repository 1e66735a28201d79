"""images: the PNGs Touchpoint serves Teams cards by signed link

Revision ID: 0011
Revises: 0010 (0009 on this branch until the outbox's 0010 is merged before it)
Create Date: 2026-12-06 01:34:24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_image',
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('png', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('chat_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_image_expires_at'), ['expires_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_image_expires_at'))
    op.drop_table('chat_image')
