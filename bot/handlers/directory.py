"""Directory: platform events saying someone joined, changed or left (Slack's user events,
Teams' members added and its rosters) or that Slack took access away (app uninstalled, tokens
revoked), and the scheduled sync of every platform's roster, all keep the people directory
current."""

from __future__ import annotations

from bot.flows.directory.people import record_profile_change
from bot.flows.directory.slack_access import record_slack_access_lost
from bot.flows.directory.sync import sync_directory
from bot.handlers.routes import EventTurn, Routes, ScheduledTurn
from bot.intents import PeopleListed, ProfileChanged, SlackAccessLost


def register(dispatcher: Routes) -> None:
    async def profile_changed(turn: EventTurn) -> None:
        event = turn.event
        assert isinstance(event, ProfileChanged)
        await record_profile_change(turn.session, turn.services, event.profile,
                                    active=event.active)

    async def people_listed(turn: EventTurn) -> None:
        event = turn.event
        assert isinstance(event, PeopleListed)
        for profile in event.profiles:
            await record_profile_change(turn.session, turn.services, profile, active=True)

    async def slack_access_lost(turn: EventTurn) -> None:
        event = turn.event
        assert isinstance(event, SlackAccessLost)
        await record_slack_access_lost(turn.session, turn.services, event)

    dispatcher.on_event(ProfileChanged, profile_changed)
    dispatcher.on_event(SlackAccessLost, slack_access_lost)
    dispatcher.on_event(PeopleListed, people_listed)
    dispatcher.on_schedule("directory.sync", sync, "interval", hours=1)


async def sync(turn: ScheduledTurn) -> None:
    """The sync from every platform that lists its members: hourly, and at `touchpoint run`'s
    start. It commits batch by batch in the turn's session (see `ScheduledTurn`)."""
    await sync_directory(turn.session, turn.services)
