"""Keeping the tables that grow with traffic small: the daily ``retention.prune`` job
(claimed once across replicas) deletes outbox messages done with more than
`retention.outbox_days` ago and the keys of inbound deliveries older than
`retention.request_days`, `retention.batch_size` rows per transaction, until none is left.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.plurals import plural
from bot.services import Services
from storage import once, outbox

log = logging.getLogger(__name__)

PRUNE_JOB = "retention.prune"


async def prune(services: Services, now: datetime) -> tuple[int, int]:
    """(outbox rows, delivery keys) deleted."""
    config = services.settings.app.retention
    messages = await _in_batches(services, outbox.prune_finished,
                                 now - timedelta(days=config.outbox_days), config.batch_size)
    deliveries = await _in_batches(services, once.prune_deliveries,
                                   now - timedelta(days=config.request_days), config.batch_size)
    log.info("deleted %s done with and %s", plural(messages, "outbox message"),
             plural(deliveries, "delivery key"))
    return messages, deliveries


async def _in_batches(services: Services,
                      delete: Callable[[AsyncSession, datetime, int], Awaitable[int]],
                      before: datetime, batch: int) -> int:
    total = 0
    while True:
        async with services.sessions() as session:
            deleted = await delete(session, before, batch)
            await session.commit()
        total += deleted
        if deleted < batch:
            return total
