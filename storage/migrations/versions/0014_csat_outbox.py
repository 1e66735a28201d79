"""csat: survey messages are the outbox's; the invitation and the answer keep no message refs

The survey DM of every invitation still open to change (sent or answered) and each copy of a
low-score alert become sent rows of `outbox_message` under the keys the flows use
(``csat:{invitation}:survey``, ``csat:{invitation}:alert``), so later updates find them;
then `survey_invitation.message_ref` and `survey_answer.alert_refs` are dropped. Downgrading
puts the references back from those rows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 03:00:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OUTBOX = sa.table(
    "outbox_message", sa.column("key", sa.String), sa.column("platform", sa.String),
    sa.column("kind", sa.String), sa.column("person_id", sa.Integer),
    sa.column("payload", sa.JSON), sa.column("version", sa.Integer),
    sa.column("sent_version", sa.Integer), sa.column("priority", sa.Integer),
    sa.column("status", sa.String), sa.column("attempts", sa.Integer),
    sa.column("due_at", sa.DateTime), sa.column("ref_channel", sa.String),
    sa.column("ref_id", sa.String), sa.column("created_at", sa.DateTime),
    sa.column("sent_at", sa.DateTime))
_INVITATION = sa.table(
    "survey_invitation", sa.column("id", sa.Integer), sa.column("person_id", sa.Integer),
    sa.column("status", sa.String), sa.column("message_ref", sa.String),
    sa.column("sent_at", sa.DateTime))
_ANSWER = sa.table(
    "survey_answer", sa.column("invitation_id", sa.Integer), sa.column("alert_refs", sa.JSON))


def _sent_row(key: str, kind: str, template: str, ref: dict, person_id: int | None,
              sent_at: datetime) -> dict:
    """A row the outbox holds as sent (version 1) to `ref`. Its payload is never sent again:
    an update brings its own message."""
    return {"key": key, "platform": ref["platform"], "kind": kind, "person_id": person_id,
            "payload": {"template": template, "context": {}, "sections": [], "buttons": [],
                        "inputs": [], "key": None},
            "version": 1, "sent_version": 1, "priority": 0, "status": "sent", "attempts": 0,
            "due_at": sent_at, "ref_channel": ref["channel"], "ref_id": ref["message_id"],
            "created_at": sent_at, "sent_at": sent_at}


def upgrade() -> None:
    bind = op.get_bind()
    # Naive UTC, as the UTCDateTime columns store it.
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [_sent_row(f"csat:{invitation_id}:survey", "dm", "csat/survey", json.loads(ref),
                      person_id, sent_at or now)
            for invitation_id, person_id, ref, sent_at in bind.execute(
                sa.select(_INVITATION.c.id, _INVITATION.c.person_id, _INVITATION.c.message_ref,
                          _INVITATION.c.sent_at)
                .where(_INVITATION.c.message_ref.is_not(None),
                       _INVITATION.c.status.in_(("sent", "answered"))))]
    for invitation_id, refs in bind.execute(sa.select(_ANSWER.c.invitation_id,
                                                      _ANSWER.c.alert_refs)):
        rows += [_sent_row(f"csat:{invitation_id}:alert", "post", "csat/alert", json.loads(ref),
                           None, now) for ref in refs or []]
    if rows:
        op.bulk_insert(_OUTBOX, rows)
    with op.batch_alter_table('survey_answer') as batch:
        batch.drop_column('alert_refs')
    with op.batch_alter_table('survey_invitation') as batch:
        batch.drop_column('message_ref')


def downgrade() -> None:
    with op.batch_alter_table('survey_invitation') as batch:
        batch.add_column(sa.Column('message_ref', sqlmodel.sql.sqltypes.AutoString(length=500),
                                   nullable=True))
    with op.batch_alter_table('survey_answer') as batch:
        batch.add_column(sa.Column('alert_refs', sa.JSON(), nullable=False,
                                   server_default='[]'))
    bind = op.get_bind()
    alerts: dict[int, list[str]] = {}
    for key, platform, channel, message_id in bind.execute(sa.text(
            "SELECT key, platform, ref_channel, ref_id FROM outbox_message "
            "WHERE key LIKE 'csat:%' AND ref_id IS NOT NULL")):
        _csat, invitation_id, purpose = key.split(":", 2)
        ref = json.dumps({"platform": platform, "channel": channel, "message_id": message_id})
        if purpose == "survey":
            bind.execute(sa.text("UPDATE survey_invitation SET message_ref = :ref "
                                 "WHERE id = :id"), {"ref": ref, "id": int(invitation_id)})
        elif purpose == "alert":
            alerts.setdefault(int(invitation_id), []).append(ref)
    for invitation_id, refs in alerts.items():
        bind.execute(sa.text("UPDATE survey_answer SET alert_refs = :refs "
                             "WHERE invitation_id = :id"),
                     {"refs": json.dumps(refs), "id": invitation_id})
