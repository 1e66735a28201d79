"""broadcast update ends: each update's `ended_at` (the next update's time), kept by a
trigger and filled for the updates already there (storage.update_ends), with an index on
(impact, ended_at), so the digest's time in outage reads a range

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.update_ends import ON_INSERT, fill

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('broadcast_update',
                  sa.Column('ended_at', storage.types.UTCDateTime(), nullable=True))
    bind = op.get_bind()
    body = ';\n'.join(ON_INSERT) + ';'
    if bind.dialect.name == 'postgresql':
        # Built from storage.update_ends' constants only.
        op.execute(f"""
            CREATE FUNCTION broadcast_update_end() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {body}
                RETURN NULL;
            END $$""")
        op.execute("""
            CREATE TRIGGER broadcast_update_end AFTER INSERT ON broadcast_update
            FOR EACH ROW EXECUTE FUNCTION broadcast_update_end()""")
    else:
        op.execute(f"""
            CREATE TRIGGER broadcast_update_end AFTER INSERT ON broadcast_update
            BEGIN
                {body}
            END""")
    fill(bind)
    # After the fill: one sort of its rows rather than an entry added row by row.
    op.create_index('ix_broadcast_update_impact_ended', 'broadcast_update',
                    ['impact', 'ended_at'])


def downgrade() -> None:
    op.execute('DROP TRIGGER broadcast_update_end ON broadcast_update'
               if op.get_bind().dialect.name == 'postgresql'
               else 'DROP TRIGGER broadcast_update_end')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION broadcast_update_end()')
    op.drop_index('ix_broadcast_update_impact_ended', table_name='broadcast_update')
    with op.batch_alter_table('broadcast_update') as batch:
        batch.drop_column('ended_at')
