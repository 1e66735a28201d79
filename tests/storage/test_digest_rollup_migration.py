"""Migration 0031 on SQLite and PostgreSQL: the hours of the data already there are computed
(the fixed digest data set, tests/digest_data.py), and a digest reads the same figures from
them as from the raw rows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from alembic import command
from sqlmodel import func, select

from bot.flows.digests.periods import parse
from storage import digest_stats
from storage.digest_rollup_reads import weeks
from storage.digest_rollups import DigestHour, DigestHourFigures
from storage.digest_stats import Scope
from storage.engine import create_engine, session_factory
from storage.migrate import alembic_config, upgrade
from tests import digest_data


async def test_the_migration_computes_the_hours_already_there(database_url):
    # Seeded through today's models, then taken back to before the roll-ups (their tables
    # and triggers go, the rows stay), so that 0031 finds the data already there.
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await digest_data.seed(session)
    await engine.dispose()
    command.downgrade(alembic_config(database_url), "0030")
    upgrade(database_url)
    edges = parse(digest_data.WEEK, ZoneInfo("Europe/London")).week_edges()
    try:
        async with sessions() as session:
            hours = (await session.exec(select(func.count()).select_from(DigestHour).where(
                DigestHour.stale.is_(False), DigestHour.computed_at.is_not(None)))).one()
            opened = (await session.exec(select(func.sum(DigestHourFigures.opened)))).one()
            rolled = await weeks(session, edges, digest_data.NOW, Scope())
            raw = (await digest_stats.ticket_weeks(session, edges, digest_data.NOW, Scope()),
                   await digest_stats.csat_weeks(session, edges, Scope()))
    finally:
        await engine.dispose()
    # From the first ticket (the Tuesday before W48) to an hour before the migration ran.
    assert hours > 13 * 24
    assert opened == 8
    assert rolled == raw
    assert [week.opened for week in raw[0][-2:]] == [2, 6]
