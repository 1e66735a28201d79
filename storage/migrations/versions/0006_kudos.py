"""kudos: vouchers, recipients, wall posts, reactions, ledger, redemptions, reward stock

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 06:53:55.531199
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kudos_reward_stock',
    sa.Column('reward_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('reward_key')
    )
    op.create_table('kudos_redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reward_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reward_name', sqlmodel.sql.sqltypes.AutoString(length=75), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('fulfilled_by', sa.Integer(), nullable=True),
    sa.Column('fulfilled_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('card_refs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['person.id'], ),
    sa.ForeignKeyConstraint(['fulfilled_by'], ['person.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kudos_redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_redemption_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_redemption_status'), ['status'], unique=False)

    op.create_table('kudos_voucher',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('story', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=75), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['giver_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kudos_voucher', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_voucher_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_voucher_giver_id'), ['giver_id'], unique=False)

    op.create_table('kudos_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['redemption_id'], ['kudos_redemption.id'], ),
    sa.ForeignKeyConstraint(['voucher_id'], ['kudos_voucher.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kudos_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_ledger_person_id'), ['person_id'], unique=False)

    op.create_table('kudos_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['giver_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['voucher_id'], ['kudos_voucher.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('giver_id', 'person_id', 'given_on', name='uq_kudos_pair_day')
    )
    with op.batch_alter_table('kudos_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_recipient_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_recipient_voucher_id'), ['voucher_id'], unique=False)

    op.create_table('kudos_wall_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['voucher_id'], ['kudos_voucher.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'channel', 'message_id', name='uq_kudos_wall_post')
    )
    with op.batch_alter_table('kudos_wall_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_wall_post_voucher_id'), ['voucher_id'], unique=False)

    op.create_table('kudos_reaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reaction', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['kudos_wall_post.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id', 'user_id', 'reaction', name='uq_kudos_reaction')
    )
    with op.batch_alter_table('kudos_reaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_reaction_post_id'), ['post_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kudos_reaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_reaction_post_id'))

    op.drop_table('kudos_reaction')
    with op.batch_alter_table('kudos_wall_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_wall_post_voucher_id'))

    op.drop_table('kudos_wall_post')
    with op.batch_alter_table('kudos_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_recipient_voucher_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_recipient_person_id'))

    op.drop_table('kudos_recipient')
    with op.batch_alter_table('kudos_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_ledger_person_id'))

    op.drop_table('kudos_ledger')
    with op.batch_alter_table('kudos_voucher', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_voucher_giver_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_voucher_created_at'))

    op.drop_table('kudos_voucher')
    with op.batch_alter_table('kudos_redemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_redemption_status'))
        batch_op.drop_index(batch_op.f('ix_kudos_redemption_person_id'))

    op.drop_table('kudos_redemption')
    op.drop_table('kudos_reward_stock')
