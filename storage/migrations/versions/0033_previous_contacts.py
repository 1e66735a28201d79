"""previous contacts: for each ticket, when its requester last opened one for the same service
before it (storage.previous_contacts), kept by triggers on `ticket`, and filled for the
tickets already there; the digest counts its repeat contacts from it, so 0032's
`ix_ticket_opened_requester_service`, read only for them, goes

The fill is one statement (on PostgreSQL a sort of every ticket), in this migration's
transaction: README, Sizing, gives its time at 10 million tickets.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.previous_contacts import TRIGGERED, WATCHED, fill, rows_of

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANGED = {'postgresql': ' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in WATCHED),
           'sqlite': ' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in WATCHED)}
"""An update that leaves the watched columns as they were (a desk's event repeating the
service) computes nothing."""


def _statements(event: str) -> str:
    return ';\n'.join(statement.format(row=row) for statement, row
                      in zip(TRIGGERED[event], rows_of(event), strict=True)) + ';'


def upgrade() -> None:
    op.create_table(
        'previous_contact',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('previous_at', storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    op.drop_index('ix_ticket_opened_requester_service', table_name='ticket')
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == 'postgresql':
        # Built from storage.previous_contacts' constants only.
        op.execute(f"""
            CREATE FUNCTION previous_contact_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN {_statements('INSERT')}
                ELSIF TG_OP = 'UPDATE' THEN {_statements('UPDATE')}
                ELSE {_statements('DELETE')}
                END IF;
                RETURN NULL;
            END $$""")
        op.execute("""
            CREATE TRIGGER previous_contact_ticket AFTER INSERT OR DELETE ON ticket
            FOR EACH ROW EXECUTE FUNCTION previous_contact_ticket()""")
        op.execute(f"""
            CREATE TRIGGER previous_contact_ticket_update
            AFTER UPDATE OF {', '.join(WATCHED)} ON ticket
            FOR EACH ROW WHEN ({CHANGED[dialect]})
            EXECUTE FUNCTION previous_contact_ticket()""")
    else:
        for event in TRIGGERED:
            on = f"UPDATE OF {', '.join(WATCHED)}" if event == 'UPDATE' else event
            when = f'WHEN {CHANGED[dialect]}' if event == 'UPDATE' else ''
            op.execute(f"""
                CREATE TRIGGER previous_contact_ticket_{event.lower()}
                AFTER {on} ON ticket {when}
                BEGIN
                    {_statements(event)}
                END""")
    fill(bind)
    # After the fill: one sort of its rows rather than an entry added row by row.
    op.create_index('ix_previous_contact_opened_previous', 'previous_contact',
                    ['opened_at', 'previous_at'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER previous_contact_ticket_update ON ticket')
        op.execute('DROP TRIGGER previous_contact_ticket ON ticket')
        op.execute('DROP FUNCTION previous_contact_ticket()')
    else:
        for event in TRIGGERED:
            op.execute(f'DROP TRIGGER previous_contact_ticket_{event.lower()}')
    op.create_index('ix_ticket_opened_requester_service', 'ticket',
                    ['opened_at', 'requester_email', 'service'])
    op.drop_index('ix_previous_contact_opened_previous', table_name='previous_contact')
    op.drop_table('previous_contact')
