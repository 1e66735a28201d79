"""The people cache (storage/people_cache.py) never hides a change for long: a `user_change`
signed into one replica is seen at once by that replica, and within about a second by another
replica on the same database, which had the person cached."""

from __future__ import annotations

from bot.server import create_app
from storage.people_cache import cache_of, find_person
from tests.conftest import start_bot
from tests.scenarios.test_directory_events import handled_events, user_event
from tests.waiting import eventually

ERIN = "U0EMPL001"


async def name_seen_by(bot) -> str | None:
    async with bot.services.sessions() as session:
        person = await find_person(session, "slack", ERIN)
        return person.display_name if person is not None else None


def cached(bot) -> bool:
    session = bot.services.sessions()
    cache = cache_of(session)
    return cache is not None and cache.get("slack", ERIN) is not None


async def test_a_change_reaches_this_replica_at_once_and_another_within_a_second(
        bot, settings, slack, slack_sender):
    runner, other = await start_bot(create_app(settings, scheduler=False))
    try:
        await slack_sender.command("/touchpoint", "help", user_id=ERIN)
        await slack.wait_for_response(1)
        assert await name_seen_by(other) == "erin.employee"
        assert cached(bot) and cached(other)

        renamed = slack.add_user(id=ERIN, name="erin.renamed", email="erin@example.com",
                                 tz="Europe/London")
        await slack_sender.event(user_event("user_change", renamed))
        await eventually(lambda: handled_events(bot) >= 1)

        assert not cached(bot)  # forgotten by the commit that changed her
        assert await name_seen_by(bot) == "erin.renamed"
        await eventually(lambda: not cached(other), within_s=3)
        assert await name_seen_by(other) == "erin.renamed"
    finally:
        await runner.cleanup()
