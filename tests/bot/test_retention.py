"""The daily ``retention.prune`` job on SQLite and PostgreSQL, run as the scheduler hands it a
claimed run: outbox messages sent, given up or cancelled before `retention.outbox_days` and
delivery keys older than `retention.request_days` are deleted, in batches of
`retention.batch_size`; a message still to be sent is kept however old."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import col, select

from bot.flows.retention import PRUNE_JOB
from bot.intents import Scheduled
from bot.server import DISPATCHER, SCHEDULER, SERVICES, create_app
from storage.models import ProcessedRequest
from storage.outbox import OutboxMessage

SLOT = datetime(2030, 1, 31, 3, 45, tzinfo=ZoneInfo("Europe/London"))
DAY = timedelta(days=1)


@pytest.fixture
def settings(make_settings):
    def configure(raw: dict) -> None:
        raw["retention"] = {"outbox_days": 30, "request_days": 7, "batch_size": 2}
    return make_settings(configure)


def _message(key: str, status: str, age: timedelta) -> OutboxMessage:
    at = SLOT - age
    return OutboxMessage(key=key, platform="slack", kind="dm", channel="D0ANN", payload={},
                         status=status, due_at=at, created_at=at - DAY,
                         sent_at=at if status == "sent" else None,
                         sent_version=1 if status == "sent" else 0)


async def test_old_finished_rows_are_deleted_in_batches_and_nothing_unsent(settings):
    app = create_app(settings)
    [route] = [r for r in app[DISPATCHER].schedule_routes if r.job == PRUNE_JOB]
    job = app[SCHEDULER]._apscheduler.get_job(PRUNE_JOB)
    assert isinstance(job.trigger, CronTrigger)
    assert str(job.trigger) == "cron[hour='3', minute='45']"
    old, young = 30 * DAY + timedelta(minutes=1), 30 * DAY - timedelta(minutes=1)
    rows = [
        # Deleted: done with more than 30 days ago (five: three batches of two).
        _message("old:sent:1", "sent", old), _message("old:sent:2", "sent", 90 * DAY),
        _message("old:sent:3", "sent", old), _message("old:failed", "failed", old),
        _message("old:cancelled", "cancelled", 400 * DAY),
        # Kept: still to be sent, however old, or done with lately.
        _message("old:pending", "pending", 400 * DAY), _message("old:claimed", "claimed", old),
        _message("young:sent", "sent", young), _message("young:failed", "failed", young),
    ]
    keys = {"slack:old1": 8 * DAY, "slack:old2": 30 * DAY, "desk:old3": 7 * DAY + DAY / 24,
            "slack:young": 7 * DAY - DAY / 24, "desk:today": timedelta(0)}
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        async with app[SERVICES].sessions() as session:
            session.add_all(rows)
            session.add_all(ProcessedRequest(key=key, source=key.split(":")[0],
                                             received_at=SLOT - age)
                            for key, age in keys.items())
            await session.commit()
        await app[DISPATCHER].run(Scheduled(PRUNE_JOB, SLOT))
        async with app[SERVICES].sessions() as session:
            left = set((await session.exec(select(OutboxMessage.key))).all())
            kept = set((await session.exec(select(ProcessedRequest.key)
                                           .order_by(col(ProcessedRequest.key)))).all())
    finally:
        await runner.cleanup()
    assert route.job == PRUNE_JOB
    assert left == {"old:pending", "old:claimed", "young:sent", "young:failed"}
    assert kept == {"slack:young", "desk:today"}
