"""digest roll-ups: the digest's figures per UTC hour and service (storage.digest_rollups),
the triggers that mark an hour stale when a write touches what it counts, and the hours of
the data already there computed

The triggers are the database's, so every writer marks what it changes (the webhook, an
import, a late answer, a reopening, psql): on `ticket` the hours of its opening, its
resolution (before and after) and its survey's sending; on `survey_invitation` the hours of
its sending (before and after); on `survey_answer` the hour its survey was sent in. They
only mark hours that have a row: the current hours have none yet, so the webhook's writes do
not queue up behind one another on a shared row.

The backfill computes every whole hour from the first ticket to an hour ago, a week at a
time, in this migration's transaction (start the replicas after `touchpoint migrate`).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 10:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The hours each table's row touches, as SQL over a row (OLD or NEW); HOUR(x) is the hour a
# timestamp falls in, as storage.digest_rollups writes it (NULL for NULL).
TOUCHED = {
    'ticket': (
        ['opened_at', 'resolved_at', 'first_response_at', 'response_due_at',
         'resolution_due_at', 'reopen_count', 'service'],
        ['HOUR({row}.opened_at)', 'HOUR({row}.resolved_at)',
         '(SELECT HOUR(sent_at) FROM survey_invitation WHERE ticket_id = {row}.id)']),
    'survey_invitation': (['status', 'sent_at', 'ticket_id'], ['HOUR({row}.sent_at)']),
    'survey_answer': (
        ['score', 'invitation_id'],
        ['(SELECT HOUR(sent_at) FROM survey_invitation WHERE id = {row}.invitation_id)']),
}
HOUR = {'postgresql': "date_trunc('hour', ", 'sqlite': "strftime('%Y-%m-%d %H:00:00.000000', "}


def _hours(dialect: str, touched: Sequence[str], rows: Sequence[str]) -> str:
    return ', '.join(template.format(row=row).replace('HOUR(', HOUR[dialect])
                     for row in rows for template in touched)


def upgrade() -> None:
    op.create_table(
        'digest_hour',
        sa.Column('starts_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('stale', sa.Boolean(), nullable=False),
        sa.Column('computed_at', storage.types.UTCDateTime(), nullable=True),
        sa.Column('settles_at', storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('starts_at'),
    )
    op.create_table(
        'digest_hour_figures',
        sa.Column('starts_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('service', sa.String(length=200), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (
            'opened', 'resolved', 'response_met', 'response_breached', 'resolution_met',
            'resolution_breached', 'reopened', 'sent', 'answered', 'satisfied', 'score_sum')),
        sa.Column('pending_until', storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['starts_at'], ['digest_hour.starts_at']),
        sa.PrimaryKeyConstraint('starts_at', 'service'),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    # Imported here: the module's tables are those this migration has just made.
    from storage.digest_rollups import backfill

    backfill(bind, datetime.now(UTC))


def _postgresql_triggers() -> None:
    for table, (columns, touched) in TOUCHED.items():
        # OLD is NULL on an INSERT and NEW on a DELETE: their hours are NULL, matching nothing.
        # Built from this file's constants only.
        op.execute(f"""
            CREATE FUNCTION digest_hour_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE digest_hour SET stale = true
                WHERE starts_at IN ({_hours('postgresql', touched, ('OLD', 'NEW'))});
                RETURN NULL;
            END $$""")  # noqa: S608
        op.execute(f"""
            CREATE TRIGGER digest_hour_{table} AFTER INSERT OR DELETE
            OR UPDATE OF {', '.join(columns)} ON {table}
            FOR EACH ROW EXECUTE FUNCTION digest_hour_{table}()""")


def _sqlite_triggers() -> None:
    for table, (columns, touched) in TOUCHED.items():
        for event, rows in (('INSERT', ('NEW',)), ('DELETE', ('OLD',)),
                            (f"UPDATE OF {', '.join(columns)}", ('OLD', 'NEW'))):
            op.execute(f"""
                CREATE TRIGGER digest_hour_{table}_{event.split()[0].lower()}
                AFTER {event} ON {table}
                BEGIN
                    UPDATE digest_hour SET stale = 1
                    WHERE starts_at IN ({_hours('sqlite', touched, rows)});
                END""")  # noqa: S608


def downgrade() -> None:
    bind = op.get_bind()
    for table in TOUCHED:
        if bind.dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER digest_hour_{table} ON {table}')
            op.execute(f'DROP FUNCTION digest_hour_{table}()')
        else:
            for event in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER digest_hour_{table}_{event}')
    op.drop_table('digest_hour_figures')
    op.drop_table('digest_hour')
