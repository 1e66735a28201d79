"""digest covering indexes: the digest's repeat contacts and satisfaction survey tallies read
from indexes alone (README, Sizing)

- `ix_ticket_opened_requester_service` (opened_at, requester_email, service): the tickets
  opened in the period with the two columns a repeat contact is looked up by, each looked up
  in `ix_ticket_requester_service_opened`; neither reads a ticket's row.
- `ix_pulse_question_answer_tally` (campaign_id, aspect, kind, value, response_id): a
  survey's tallies, per aspect or over all, from the index.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 11:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_ticket_opened_requester_service', 'ticket',
                    ['opened_at', 'requester_email', 'service'])
    op.create_index('ix_pulse_question_answer_tally', 'pulse_question_answer',
                    ['campaign_id', 'aspect', 'kind', 'value', 'response_id'])


def downgrade() -> None:
    op.drop_index('ix_pulse_question_answer_tally', table_name='pulse_question_answer')
    op.drop_index('ix_ticket_opened_requester_service', table_name='ticket')
