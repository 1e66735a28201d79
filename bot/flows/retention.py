"""Keeping the tables that grow with traffic small: the daily ``retention.prune`` job
(claimed once across replicas) deletes outbox messages done with more than
`retention.outbox_days` ago and the keys of inbound deliveries older than
`retention.request_days`, `retention.batch_size` rows per transaction, until none is left.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.plurals import plural
from bot.services import Services
from storage import once, outbox
from storage.retention import delete_in_batches

log = logging.getLogger(__name__)

PRUNE_JOB = "retention.prune"


async def prune(services: Services, now: datetime) -> tuple[int, int]:
    """(outbox rows, delivery keys) deleted."""
    config = services.settings.app.retention
    messages = await delete_in_batches(services.sessions, outbox.prune_finished,
                                       now - timedelta(days=config.outbox_days),
                                       config.batch_size)
    deliveries = await delete_in_batches(services.sessions, once.prune_deliveries,
                                         now - timedelta(days=config.request_days),
                                         config.batch_size)
    log.info("deleted %s done with and %s", plural(messages, "outbox message"),
             plural(deliveries, "delivery key"))
    return messages, deliveries
