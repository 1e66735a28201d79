"""The daily deletion of finished outbox messages and old delivery keys (bot.flows.retention)."""

from __future__ import annotations

from bot.flows.retention import PRUNE_JOB, prune
from bot.handlers.routes import Routes, ScheduledTurn


def register(routes: Routes) -> None:
    async def pruned(turn: ScheduledTurn) -> None:
        await prune(turn.services, turn.scheduled_for)

    # After scheduler.prune (03:30), at a quiet hour in the organisation's zone.
    routes.on_schedule(PRUNE_JOB, pruned, "cron", hour=3, minute=45)
