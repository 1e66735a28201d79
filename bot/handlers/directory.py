"""Directory: platform events saying someone joined, changed or left, and the scheduled sync
of every platform's roster, both keep the people directory current."""

from __future__ import annotations

from datetime import datetime

from bot.flows.directory.people import record_profile_change
from bot.flows.directory.sync import sync_directory
from bot.handlers.dispatcher import EventTurn, Routes
from bot.intents import ProfileChanged
from bot.services import Services


def register(dispatcher: Routes) -> None:
    async def profile_changed(turn: EventTurn) -> None:
        event = turn.event
        assert isinstance(event, ProfileChanged)
        await record_profile_change(turn.session, turn.services, event.profile,
                                    active=event.active)

    dispatcher.on_event(ProfileChanged, profile_changed)


async def sync_on_schedule(services: Services, _scheduled_for: datetime) -> None:
    """The scheduled directory sync (see `bot.scheduler.register_jobs`): a claimed run, so it
    opens its own session."""
    async with services.sessions() as session:
        await sync_directory(session, services)
