"""kudos: messages through the outbox; wall posts and approval cards known by their outbox keys

The outbox keeps where each message went, under a purpose key made from the voucher or the
redemption (``kudos:{voucher_id}:wall``, ``kudos:redemption:{id}:card``). So kudos_wall_post
and kudos_redemption.card_refs go; the posts and cards they knew become outbox rows already
sent under those keys, so a revocation, a decision or a reaction still finds them.
Reactions are counted per voucher rather than per post (the user ids of Slack and Teams
never collide).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 02:30:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX = sa.table(
    'outbox_message',
    sa.column('id', sa.Integer()), sa.column('key', sa.String()),
    sa.column('platform', sa.String()), sa.column('kind', sa.String()),
    sa.column('channel', sa.String()), sa.column('payload', sa.JSON()),
    sa.column('version', sa.Integer()), sa.column('sent_version', sa.Integer()),
    sa.column('priority', sa.Integer()), sa.column('status', sa.String()),
    sa.column('attempts', sa.Integer()), sa.column('due_at', storage.types.UTCDateTime()),
    sa.column('ref_channel', sa.String()), sa.column('ref_id', sa.String()),
    sa.column('created_at', storage.types.UTCDateTime()),
    sa.column('sent_at', storage.types.UTCDateTime()))
WALL_POST = sa.table(
    'kudos_wall_post', sa.column('id', sa.Integer()), sa.column('voucher_id', sa.Integer()),
    sa.column('platform', sa.String()), sa.column('channel', sa.String()),
    sa.column('message_id', sa.String()))
REDEMPTION = sa.table('kudos_redemption', sa.column('id', sa.Integer()),
                      sa.column('card_refs', sa.JSON()))


def _sent(key: str, platform: str, channel: str, message_id: str, template: str) -> dict:
    """An outbox row for a message sent before the outbox. Its payload is only read to send a
    version not sent yet, and every later version (an update) brings its own."""
    now = datetime.now(UTC)
    return {'key': key, 'platform': platform, 'kind': 'post', 'channel': channel,
            'payload': {'template': template, 'context': {}, 'sections': ['text'],
                        'buttons': [], 'inputs': [], 'key': None},
            'version': 1, 'sent_version': 1, 'priority': 0, 'status': 'sent', 'attempts': 1,
            'due_at': now, 'ref_channel': channel, 'ref_id': message_id, 'created_at': now,
            'sent_at': now}


def _reactions_keyed_by(column: str, table: str, *, instead_of: str) -> None:
    """kudos_reaction's row key becomes `column` (filled already), a foreign key to `table`,
    in place of `instead_of`."""
    with op.batch_alter_table('kudos_reaction', schema=None) as batch_op:
        batch_op.drop_constraint('uq_kudos_reaction', type_='unique')
        batch_op.drop_index(f'ix_kudos_reaction_{instead_of}')
        batch_op.drop_column(instead_of)
        batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(f'kudos_reaction_{column}_fkey', table, [column], ['id'])
        batch_op.create_index(f'ix_kudos_reaction_{column}', [column], unique=False)
        batch_op.create_unique_constraint('uq_kudos_reaction', [column, 'user_id', 'reaction'])


def upgrade() -> None:
    bind = op.get_bind()
    rows = [_sent(f'kudos:{voucher_id}:wall', platform, channel, message_id, 'kudos/wall')
            for voucher_id, platform, channel, message_id in bind.execute(
                sa.select(WALL_POST.c.voucher_id, WALL_POST.c.platform, WALL_POST.c.channel,
                          WALL_POST.c.message_id))]
    for redemption_id, refs in bind.execute(sa.select(REDEMPTION.c.id,
                                                      REDEMPTION.c.card_refs)):
        for raw in refs or []:
            ref = json.loads(raw)
            rows.append(_sent(f'kudos:redemption:{redemption_id}:card', ref['platform'],
                              ref['channel'], ref['message_id'], 'kudos/approval'))
    if rows:
        op.bulk_insert(OUTBOX, rows)

    with op.batch_alter_table('kudos_reaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voucher_id', sa.Integer(), nullable=True))
    op.execute('UPDATE kudos_reaction SET voucher_id = (SELECT voucher_id FROM kudos_wall_post '
               'WHERE kudos_wall_post.id = kudos_reaction.post_id)')
    # One reaction per person and voucher, as the new unique constraint has it.
    op.execute('DELETE FROM kudos_reaction WHERE id NOT IN (SELECT MIN(id) FROM kudos_reaction '
               'GROUP BY voucher_id, user_id, reaction)')
    _reactions_keyed_by('voucher_id', 'kudos_voucher', instead_of='post_id')

    with op.batch_alter_table('kudos_wall_post', schema=None) as batch_op:
        batch_op.drop_index('ix_kudos_wall_post_voucher_id')
    op.drop_table('kudos_wall_post')
    with op.batch_alter_table('kudos_redemption', schema=None) as batch_op:
        batch_op.drop_column('card_refs')


def downgrade() -> None:
    bind = op.get_bind()
    sent = bind.execute(sa.select(OUTBOX.c.key, OUTBOX.c.platform, OUTBOX.c.ref_channel,
                                  OUTBOX.c.ref_id)
                        .where(OUTBOX.c.key.like('kudos:%'), OUTBOX.c.ref_id.is_not(None))
                        .order_by(OUTBOX.c.id)).all()

    with op.batch_alter_table('kudos_redemption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_refs', sa.JSON(), nullable=True))
    cards: dict[int, list[str]] = {}
    for key, platform, channel, message_id in sent:
        parts = key.split(':')
        if len(parts) == 4 and parts[1] == 'redemption' and parts[3] == 'card':
            cards.setdefault(int(parts[2]), []).append(json.dumps(
                {'platform': platform, 'channel': channel, 'message_id': message_id}))
    for redemption_id, refs in cards.items():
        bind.execute(REDEMPTION.update().where(REDEMPTION.c.id == redemption_id)
                     .values(card_refs=refs))
    bind.execute(REDEMPTION.update().where(REDEMPTION.c.card_refs.is_(None))
                 .values(card_refs=[]))
    with op.batch_alter_table('kudos_redemption', schema=None) as batch_op:
        batch_op.alter_column('card_refs', existing_type=sa.JSON(), nullable=False)

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
        batch_op.create_index('ix_kudos_wall_post_voucher_id', ['voucher_id'], unique=False)
    posts = [{'voucher_id': int(key.split(':')[1]), 'platform': platform, 'channel': channel,
              'message_id': message_id}
             for key, platform, channel, message_id in sent
             if key.endswith(':wall') and key.split(':')[1].isdigit()]
    if posts:
        op.bulk_insert(WALL_POST, posts)

    with op.batch_alter_table('kudos_reaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_id', sa.Integer(), nullable=True))
    op.execute('UPDATE kudos_reaction SET post_id = (SELECT MIN(id) FROM kudos_wall_post '
               'WHERE kudos_wall_post.voucher_id = kudos_reaction.voucher_id)')
    op.execute('DELETE FROM kudos_reaction WHERE post_id IS NULL')
    _reactions_keyed_by('post_id', 'kudos_wall_post', instead_of='voucher_id')
