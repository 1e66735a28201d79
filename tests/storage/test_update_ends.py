"""Migration 0034 fills the end of every broadcast update already there (the next update's
time; none for a broadcast's latest), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import text
from sqlmodel import select

from storage.broadcasts import Broadcast, BroadcastUpdate
from storage.engine import create_engine, session_factory
from storage.migrate import alembic_config, upgrade
from storage.models import Person

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_the_migration_fills_the_ends_of_the_updates_already_there(database_url):
    command.downgrade(alembic_config(database_url), "0033")
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    # Three broadcasts of 1, 2 and 3 updates, the third's written last first.
    steps = {1: [0], 2: [10, 70], 3: [300, 200, 100]}
    try:
        async with sessions() as session:
            owner = Person(display_name="tom")
            session.add(owner)
            await session.flush()
            for n in steps:
                session.add(Broadcast(id=n, submission_key=f"t:{n}", kind="incident",
                                      title="t", services=["Email"], impact="outage",
                                      status="investigating", message="m", owner_id=owner.id))
            await session.flush()
            for n, minutes in steps.items():
                numbers = range(len(minutes), 0, -1) if n == 3 else range(1, len(minutes) + 1)
                for number, after in zip(numbers, minutes, strict=True):
                    # The table as it was before 0034: no ended_at column.
                    await session.exec(text(
                        "INSERT INTO broadcast_update (broadcast_id, number, action, status, "
                        "impact, message, notify_channel, created_at) VALUES (:b, :n, 'x', "
                        "'investigating', 'outage', 'm', false, :at)").bindparams(
                        b=n, n=number, at=START + timedelta(minutes=after)))
            await session.commit()
        upgrade(database_url)
        async with sessions() as session:
            ends = (await session.exec(
                select(BroadcastUpdate.broadcast_id, BroadcastUpdate.number,
                       BroadcastUpdate.ended_at)
                .order_by(BroadcastUpdate.broadcast_id, BroadcastUpdate.number))).all()
    finally:
        await engine.dispose()
    at = lambda minutes: START + timedelta(minutes=minutes)  # noqa: E731
    assert ends == [(1, 1, None), (2, 1, at(70)), (2, 2, None),
                    (3, 1, at(200)), (3, 2, at(300)), (3, 3, None)]
