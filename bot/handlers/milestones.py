"""Milestones: the daily check, at milestones.check_hour in the organisation's time zone,
claimed once across replicas (and each milestone is celebrated once whatever runs)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.config import AppConfig
from bot.flows.milestones.celebrate import milestones_check
from bot.handlers.routes import Routes, ScheduledTurn, ScheduleRoute

JOB = "milestones.check"


async def check(turn: ScheduledTurn) -> None:
    await milestones_check(turn.session, turn.services, turn.scheduled_for)


def daily(app: AppConfig) -> Iterator[ScheduleRoute]:
    if app.milestones.enabled:
        yield ScheduleRoute(JOB, check, "cron", {"hour": app.milestones.check_hour,
                                                 "minute": 0})


def register(routes: Routes) -> None:
    routes.on_configured_schedules(daily)
