"""Ambassadors: the monthly summaries' claimed run, at `ambassadors.day_of_month` and `.time`
in the organisation's zone, and the catch-up of a month missed while Touchpoint was down, when
app.yaml names ambassadors."""

from __future__ import annotations

from collections.abc import Iterator

from bot.config import AppConfig
from bot.flows.ambassadors.ids import CATCH_UP_JOB, CATCH_UP_MINUTES, JOB
from bot.flows.ambassadors.summary import catch_up, send_monthly
from bot.handlers.routes import Routes, ScheduledTurn, ScheduleRoute


async def _summaries(turn: ScheduledTurn) -> None:
    await send_monthly(turn.session, turn.services, turn.scheduled_for)


async def _missed(turn: ScheduledTurn) -> None:
    await catch_up(turn.services)


def scheduled(app: AppConfig) -> Iterator[ScheduleRoute]:
    config = app.ambassadors
    if config.by_value:
        yield ScheduleRoute(JOB, _summaries, "cron", {
            "day": config.day_of_month, "hour": config.time.hour, "minute": config.time.minute})
        yield ScheduleRoute(CATCH_UP_JOB, _missed, "interval", {"minutes": CATCH_UP_MINUTES})


def register(routes: Routes) -> None:
    routes.on_configured_schedules(scheduled)
