"""The Home tab refreshed when something of the person's changes that they did not do
themselves (here: kudos received): noted in the change's transaction, published by the
``board.home_refresh`` job once the debounce has passed, once for changes close together,
once whichever replica runs the job, and only for people whose Home tab was published."""

from __future__ import annotations

import asyncio
import json

from bot.flows.board.changes import DEBOUNCE_SECONDS
from bot.flows.board.home import REFRESHES_PER_RUN, refresh_due_homes
from storage import home_views
from tests.scenarios.board import board_kit as kit
from tests.waiting import eventually

ERIN, TOM, LEE = "U0EMPL001", "U0TECH001", "U0LEAD001"
JOB = "board.home_refresh"


async def _kudos_to_tom(slack, slack_sender, story: str, giver: str = ERIN) -> None:
    """`giver` thanks Tom (once a day each); back once Tom has been told (the command is
    acknowledged first, and its work, the refresh owed included, commits after)."""
    told = len(_told_tom(slack))
    reply = await slack_sender.command("/kudos", f"<@{TOM}|tom.tech> {story}", user_id=giver)
    assert reply.status == 200
    await eventually(lambda: len(_told_tom(slack)) > told)


def _told_tom(slack) -> list:
    return [call for call in slack.calls_to("chat.postMessage")
            if "sent you kudos" in str(call.args.get("text"))]


async def test_kudos_received_refresh_the_home_tab_once_after_the_debounce(
        bot, slack, slack_sender, clock):
    await slack_sender.event(kit.home_opened(TOM))
    await eventually(lambda: slack.homes.get(TOM))
    assert "you have *0* points" in json.dumps(slack.homes[TOM]["blocks"])

    await _kudos_to_tom(slack, slack_sender, "for the printer")
    await _kudos_to_tom(slack, slack_sender, "for the laptop", giver=LEE)
    # Within the debounce nothing is published yet.
    await bot.run_job(JOB, clock())
    assert len(slack.calls_to("views.publish")) == 1  # the tab's opening

    clock.advance(seconds=DEBOUNCE_SECONDS)
    await bot.run_job(JOB, clock())
    [_opened, call] = slack.calls_to("views.publish")
    assert call.args["user_id"] == TOM
    assert "you have *20* points" in json.dumps(slack.homes[TOM]["blocks"])

    # Nothing more is owed: the next runs publish nothing.
    clock.advance(seconds=60)
    await bot.run_job(JOB, clock())
    assert len(slack.calls_to("views.publish")) == 2


async def test_a_tab_never_opened_is_not_published(bot, slack, slack_sender, clock):
    await _kudos_to_tom(slack, slack_sender, "for the printer")
    clock.advance(seconds=DEBOUNCE_SECONDS)
    await bot.run_job(JOB, clock())
    assert slack.calls_to("views.publish") == []
    assert TOM not in slack.homes


async def test_two_replicas_running_the_job_together_publish_once(
        bot, slack, slack_sender, clock):
    await slack_sender.event(kit.home_opened(TOM))
    await eventually(lambda: slack.homes.get(TOM))
    await _kudos_to_tom(slack, slack_sender, "for the printer")
    clock.advance(seconds=DEBOUNCE_SECONDS)

    published = await asyncio.gather(refresh_due_homes(bot.services),
                                     refresh_due_homes(bot.services))
    assert sorted(published) == [0, 1]
    assert len(slack.calls_to("views.publish")) == 2  # the opening, then one refresh


async def test_a_run_publishes_at_most_its_share_of_the_rate(bot, clock):
    people = [await kit.add_person(bot, f"person{n}") for n in range(REFRESHES_PER_RUN + 5)]
    async with bot.services.sessions() as session:
        for person in people:
            await home_views.published(session, person.id, clock())
        await home_views.request_refresh(session, [p.id for p in people], clock())
        await session.commit()
    async with bot.services.sessions() as session:
        first = await home_views.claim_due(session, clock(), REFRESHES_PER_RUN)
        second = await home_views.claim_due(session, clock(), REFRESHES_PER_RUN)
        again = await home_views.claim_due(session, clock(), REFRESHES_PER_RUN)
        await session.commit()
    assert len(first) == REFRESHES_PER_RUN and len(second) == 5 and again == []
    assert set(first) | set(second) == {p.id for p in people}
