"""The scheduler's own housekeeping: the daily prune of old run claims."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.handlers.routes import Routes, ScheduledTurn
from bot.plurals import plural
from storage import scheduled_runs

log = logging.getLogger(__name__)

CLAIM_RETENTION = timedelta(days=30)
"""A claim only has to outlive its slot (no replica fires a slot older than the misfire
grace); a month of them is kept as a record of what ran, while an every-minute job alone adds
1,440 rows a day."""


async def prune_claims(turn: ScheduledTurn) -> None:
    """Delete the claims of runs more than `CLAIM_RETENTION` before this run's slot."""
    pruned = await scheduled_runs.prune(turn.session, turn.scheduled_for - CLAIM_RETENTION)
    log.info("pruned %s", plural(pruned, "scheduled run claim"))


def register(routes: Routes) -> None:
    routes.on_schedule("scheduler.prune", prune_claims, "cron", hour=3, minute=30)
