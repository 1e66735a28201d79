"""person locale: the language a person chose (person.locale) and the one their platform
gives (person.platform_locale); the language each CSAT answer, NPS pulse answer and
satisfaction survey response was given in

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=35),
                                   nullable=True))
        batch.add_column(sa.Column('platform_locale',
                                   sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True))
    for table in ('survey_answer', 'pulse_answer', 'pulse_response'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=35),
                                       nullable=True))


def downgrade() -> None:
    for table in ('pulse_response', 'pulse_answer', 'survey_answer'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('locale')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('platform_locale')
        batch.drop_column('locale')
