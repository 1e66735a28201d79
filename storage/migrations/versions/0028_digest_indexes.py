"""digest indexes: the digest's 13 weeks of surveys and answers read from covering indexes

On PostgreSQL the two range indexes the digest's CSAT weeks use also carry the columns that
statement reads (INCLUDE), so at millions of answers it scans the two indexes alone instead
of the tables (see the README's Sizing). SQLite has no INCLUDE: there the indexes stay as
they were.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 08:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_survey_invitation_sent_at_status', table_name='survey_invitation')
    op.create_index('ix_survey_invitation_sent_at_status', 'survey_invitation',
                    ['sent_at', 'status'], postgresql_include=['id', 'ticket_id'])
    op.drop_index('ix_survey_answer_answered_at', table_name='survey_answer')
    op.create_index('ix_survey_answer_answered_at', 'survey_answer', ['answered_at'],
                    postgresql_include=['invitation_id', 'score', 'id'])


def downgrade() -> None:
    op.drop_index('ix_survey_answer_answered_at', table_name='survey_answer')
    op.create_index('ix_survey_answer_answered_at', 'survey_answer', ['answered_at'])
    op.drop_index('ix_survey_invitation_sent_at_status', table_name='survey_invitation')
    op.create_index('ix_survey_invitation_sent_at_status', 'survey_invitation',
                    ['sent_at', 'status'])
