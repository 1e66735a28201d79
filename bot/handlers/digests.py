"""Digests: ``/touchpoint digest [NAME]`` for IT leads, each digest's claimed run at its time
in app.yaml, the catch-up that posts a period missed while Touchpoint was down, and the
roll-up of closed hours the digests read."""

from __future__ import annotations

from collections.abc import Iterator

from bot.config import AppConfig
from bot.config.digests import Digest
from bot.flows.digests.ids import CATCH_UP_JOB, CATCH_UP_MINUTES, WORD, job_name
from bot.flows.digests.leads import show_so_far
from bot.flows.digests.posting import catch_up, send_scheduled
from bot.flows.digests.rollups import ROLL_UP_JOB, ROLL_UP_MINUTES, roll_up
from bot.handlers.routes import Routes, ScheduledTurn, ScheduleRoute, Turn
from bot.intents import Command


def register(routes: Routes) -> None:
    async def so_far(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        await show_so_far(turn.session, turn.services, turn.actor, intent.origin, intent.rest)

    async def missed(turn: ScheduledTurn) -> None:
        await catch_up(turn.services)

    async def rolled_up(turn: ScheduledTurn) -> None:
        await roll_up(turn.services, turn.scheduled_for)

    routes.on_command("touchpoint", WORD, so_far)
    routes.on_schedule(ROLL_UP_JOB, rolled_up, "interval", minutes=ROLL_UP_MINUTES)
    routes.on_schedule(CATCH_UP_JOB, missed, "interval", minutes=CATCH_UP_MINUTES)
    routes.on_configured_schedules(scheduled)


def trigger_args(digest: Digest) -> dict[str, str | int]:
    """APScheduler cron fields of a digest's schedule (in the organisation's zone)."""
    schedule = digest.schedule
    at = {"hour": schedule.time.hour, "minute": schedule.time.minute}
    if schedule.every == "week":
        return {"day_of_week": schedule.day, **at}
    return {"day": schedule.day_of_month, **at}


def scheduled(app: AppConfig) -> Iterator[ScheduleRoute]:
    """A job per digest in app.yaml, posting it at its time."""
    for digest in app.digests:
        async def post(turn: ScheduledTurn, name: str = digest.name) -> None:
            await send_scheduled(turn.session, turn.services, name, turn.scheduled_for)

        yield ScheduleRoute(job_name(digest.name), post, "cron", trigger_args(digest))
