"""Slack's ``team_join`` and ``user_change`` events keep the directory current between syncs:
signed deliveries into the running bot, each handled once however often Slack retries it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import select

from storage.models import Person, ProcessedRequest
from tests.waiting import eventually


def user_event(kind: str, user: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "user": user, "cache_ts": 1_700_000_000,
            "event_ts": "1700000000.000100"}


async def person(bot, user_id: str) -> Person | None:
    async with bot.services.sessions() as session:
        return (await session.exec(select(Person).where(Person.slack_user_id == user_id))).first()


async def until(bot, user_id: str, check: Callable[[Person], bool]) -> Person:
    """The person once `check` holds: events are handled after Slack has its 200."""

    async def found() -> Person | None:
        someone = await person(bot, user_id)
        return someone if someone is not None and check(someone) else None

    return await eventually(found)


async def add_person(bot, **fields: Any) -> None:
    async with bot.services.sessions() as session:
        session.add(Person(**fields))
        await session.commit()


def handled_events(bot) -> float:
    return bot.services.metrics.registry.get_sample_value(
        "touchpoint_handler_seconds_count", {"intent": "ProfileChanged"}) or 0


async def test_a_retried_user_change_is_applied_once(bot, slack, slack_sender):
    await add_person(bot, slack_user_id="U0EMPL001", email="erin@example.com",
                     display_name="erin.employee", tz="Europe/London")
    renamed = slack.add_user(id="U0EMPL001", name="erin.renamed", email="erin@example.com",
                             tz="Asia/Tokyo")
    change = user_event("user_change", renamed)

    first = await slack_sender.event(change, event_id="Ev0CHANGE01")

    assert first.status == 200
    erin = await until(bot, "U0EMPL001", lambda p: p.display_name == "erin.renamed")
    assert erin.tz == "Asia/Tokyo"
    # A later change the retry must not undo.
    async with bot.services.sessions() as session:
        row = await session.get(Person, erin.id)
        assert row is not None
        row.display_name = "erin.meanwhile"
        await session.commit()

    retry = await slack_sender.event(change, event_id="Ev0CHANGE01", retry_num=1)
    joiner = slack.add_user(id="U0JOINER1", name="jo.joiner", email="jo@example.com")
    later = await slack_sender.event(user_event("team_join", joiner), event_id="Ev0JOIN001")

    assert (retry.status, later.status) == (200, 200)
    await until(bot, "U0JOINER1", lambda p: p.active)
    assert (await person(bot, "U0EMPL001")).display_name == "erin.meanwhile"
    assert handled_events(bot) == 2
    async with bot.services.sessions() as session:
        keys = (await session.exec(select(ProcessedRequest.key))).all()
    assert sorted(keys) == ["slack-event:Ev0CHANGE01", "slack-event:Ev0JOIN001"]


async def test_joiners_changes_and_leavers_update_the_directory(bot, slack, slack_sender):
    # As the last sync left her: IT staff through the help desk user group (S0HELPDSK).
    await add_person(bot, slack_user_id="U0GROUP01", email="gina@example.com",
                     display_name="gina.group", role="it_staff")
    joiner = slack.add_user(id="U0JOINER1", name="jo.joiner", email="Jo@Example.com",
                            tz="America/New_York")

    reply = await slack_sender.event(user_event("team_join", joiner))

    assert reply.status == 200
    jo = await until(bot, "U0JOINER1", lambda p: True)
    assert (jo.email, jo.tz, jo.role, jo.active) == (
        "jo@example.com", "America/New_York", "employee", True)

    gina = slack.add_user(id="U0GROUP01", name="gina.group", email="gina@example.com",
                          tz="Asia/Tokyo", status_text="In a meeting")
    await slack_sender.event(user_event("user_change", gina))

    gina_now = await until(bot, "U0GROUP01", lambda p: p.tz == "Asia/Tokyo")
    assert gina_now.role == "it_staff"

    robot = slack.add_user(id="U0BOT0001", name="robot", is_bot=True)
    await slack_sender.event(user_event("team_join", robot))
    joiner["deleted"] = True
    await slack_sender.event(user_event("user_change", joiner))

    await until(bot, "U0JOINER1", lambda p: not p.active)
    assert await person(bot, "U0BOT0001") is None
