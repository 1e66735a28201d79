"""digest period indexes: on PostgreSQL `ix_ticket_opened_at` also carries the columns the
digest reads of a period's tickets (INCLUDE), so its SLA per priority, response and
resolution percentiles and worst breaches scan the index alone (README, Sizing; SQLite has
no INCLUDE: there it stays as it was); `ix_broadcast_created_at`, so the broadcasts opened
in a period are a range, and their updates looked up by broadcast, not all scanned; and
`ix_broadcast_rating_answered_at`, for the "kept informed" answers of a period.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 17:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0036'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ['priority', 'first_response_at', 'response_due_at', 'response_at_risk_from',
            'resolved_at', 'resolution_due_at', 'resolution_at_risk_from', 'id']


def upgrade() -> None:
    op.create_index('ix_broadcast_created_at', 'broadcast', ['created_at'])
    op.create_index('ix_broadcast_rating_answered_at', 'broadcast_rating', ['answered_at'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_ticket_opened_at', table_name='ticket')
    op.create_index('ix_ticket_opened_at', 'ticket', ['opened_at'],
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index('ix_broadcast_rating_answered_at', table_name='broadcast_rating')
    op.drop_index('ix_broadcast_created_at', table_name='broadcast')
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_ticket_opened_at', table_name='ticket')
    op.create_index('ix_ticket_opened_at', 'ticket', ['opened_at'])
