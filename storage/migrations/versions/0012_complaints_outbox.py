"""complaints: their messages are found by outbox key, not by platform references they store

A complaint's receipt and triage cards are sent by the outbox under the keys
complaint:{id}:receipt and complaint:{id}:triage, so `complaint.dm_ref` and
`complaint.triage_refs` go. The messages of complaints filed before are written as sent
outbox rows under those keys, with the references the complaint kept: their cards are still
updated in place and their notices still go in the receipt's thread. (Such a row's payload is
empty: it is never sent again, and an update brings its own message.)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

complaint = sa.table(
    'complaint', sa.column('id', sa.Integer()), sa.column('complainant_id', sa.Integer()),
    sa.column('dm_ref', sa.String()), sa.column('triage_refs', sa.JSON()),
    sa.column('created_at', storage.types.UTCDateTime()))
outbox = sa.table(
    'outbox_message', *(sa.column(name, kind) for name, kind in (
        ('key', sa.String()), ('platform', sa.String()), ('kind', sa.String()),
        ('person_id', sa.Integer()), ('channel', sa.String()), ('payload', sa.JSON()),
        ('version', sa.Integer()), ('sent_version', sa.Integer()), ('priority', sa.Integer()),
        ('status', sa.String()), ('attempts', sa.Integer()),
        ('due_at', storage.types.UTCDateTime()), ('ref_channel', sa.String()),
        ('ref_id', sa.String()), ('created_at', storage.types.UTCDateTime()),
        ('sent_at', storage.types.UTCDateTime()))))


def _sent(key: str, kind: str, ref: dict[str, Any], filed: Any,
          person_id: int | None = None) -> dict[str, Any]:
    return {'key': key, 'platform': ref['platform'], 'kind': kind, 'person_id': person_id,
            'channel': ref['channel'], 'payload': {}, 'version': 1, 'sent_version': 1,
            'priority': 0, 'status': 'sent', 'attempts': 1, 'due_at': filed,
            'ref_channel': ref['channel'], 'ref_id': ref['message_id'], 'created_at': filed,
            'sent_at': filed}


def upgrade() -> None:
    rows = []
    for id_, complainant_id, dm_ref, triage_refs, filed in op.get_bind().execute(sa.select(
            complaint.c.id, complaint.c.complainant_id, complaint.c.dm_ref,
            complaint.c.triage_refs, complaint.c.created_at)):
        if dm_ref:
            rows.append(_sent(f'complaint:{id_}:receipt', 'dm', json.loads(dm_ref), filed,
                              complainant_id))
        rows += [_sent(f'complaint:{id_}:triage', 'post', ref, filed)
                 for ref in triage_refs or []]
    if rows:
        op.bulk_insert(outbox, rows)
    with op.batch_alter_table('complaint') as batch:
        batch.drop_column('dm_ref')
        batch.drop_column('triage_refs')


def downgrade() -> None:
    with op.batch_alter_table('complaint') as batch:
        batch.add_column(sa.Column('dm_ref', sqlmodel.sql.sqltypes.AutoString(length=500),
                                   nullable=True))
        batch.add_column(sa.Column('triage_refs', sa.JSON(), nullable=False,
                                   server_default='[]'))
    # Back from the outbox: where each complaint's receipt and triage cards were sent.
    bind = op.get_bind()
    refs: dict[int, dict[str, Any]] = {}
    for key, platform, channel, message_id in bind.execute(
            sa.select(outbox.c.key, outbox.c.platform, outbox.c.ref_channel, outbox.c.ref_id)
            .where(outbox.c.key.like('complaint:%'), outbox.c.ref_id.is_not(None))):
        _prefix, id_, purpose = key.split(':', 2)
        if purpose not in ('receipt', 'triage'):
            continue
        ref = {'platform': platform, 'channel': channel, 'message_id': message_id}
        found = refs.setdefault(int(id_), {'dm_ref': None, 'triage_refs': []})
        if purpose == 'receipt':
            found['dm_ref'] = json.dumps(ref)
        else:
            found['triage_refs'].append(ref)
    for id_, values in refs.items():
        bind.execute(complaint.update().where(complaint.c.id == id_).values(**values))
