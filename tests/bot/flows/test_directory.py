"""The directory flow between syncs: first contact by email through the real Slack port
(against the emulator), adding someone met for the first time inside a caller's transaction,
and profile changes from events and from Teams, where the Slack user groups a person is in
are not known.
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import AsyncMock

import pytest
from sqlmodel import select

from bot.chat.port import Profile
from bot.flows.directory import people
from bot.flows.directory.people import add_profile, record_profile_change, upsert_profile
from storage.directory import find_by_email
from storage.kudos import KudosLedger
from storage.models import Person
from tests.clock import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 4, 12, tzinfo=UTC))


async def everyone(services) -> list[Person]:
    async with services.sessions() as session:
        return list((await session.exec(select(Person).order_by(Person.id))).all())


async def test_someone_found_by_email_on_slack_is_added_once(services, slack):
    profile = await services.chat.profile_by_email("lee@example.com")
    assert profile is not None
    async with services.sessions() as session:
        lee = await add_profile(session, services.settings.app, profile)
        await session.commit()

    assert lee.id is not None
    assert (lee.slack_user_id, lee.role, lee.tz) == ("U0LEAD001", "it_lead", "America/New_York")
    [call] = slack.calls_to("users.lookupByEmail")
    assert call.args["email"] == "lee@example.com"
    async with services.sessions() as session:
        found = await find_by_email(session, " Lee@Example.COM ")
    assert found is not None and found.id == lee.id
    assert [person.id for person in await everyone(services)] == [lee.id]


async def test_slack_has_no_profile_for_an_unknown_deleted_or_bot_account(services, slack):
    slack.add_user(id="U0DEL0001", name="gone", email="gone@example.com", deleted=True)
    slack.add_user(id="U0BOT0001", name="robot", email="robot@example.com", is_bot=True)

    for email in ("nobody@example.com", "gone@example.com", "robot@example.com"):
        assert await services.chat.profile_by_email(email) is None

    assert len(slack.calls_to("users.lookupByEmail")) == 3


async def test_adding_someone_added_meanwhile_finds_them_and_keeps_the_callers_work(
        services, monkeypatch):
    async with services.sessions() as session:
        session.add(Person(slack_user_id="U0LEAD001", display_name="Lee"))
        await session.commit()
    # Another request added Lee between our look-up (which missed him) and our insert.
    missed = AsyncMock(return_value=None)
    monkeypatch.setattr(people, "find_by_id_or_email", missed)

    async with services.sessions() as session:
        erin = Person(slack_user_id="U0EMPL001", display_name="Erin")
        session.add(erin)
        await session.flush()
        session.add(KudosLedger(person_id=erin.id, kind="adjust", points=5))
        lee = await add_profile(session, services.settings.app,
                                Profile("slack", "U0LEAD001", "lee.lead"))
        await session.commit()

    missed.assert_awaited_once()
    assert [(p.id, p.display_name) for p in await everyone(services)] == [
        (lee.id, "Lee"), (erin.id, "Erin")]
    async with services.sessions() as session:
        assert len((await session.exec(select(KudosLedger))).all()) == 1


async def test_between_syncs_group_roles_stay_and_email_roles_follow_the_email(services):
    # As the last sync left them: IT staff through the S0HELPDSK group, admin by email.
    async with services.sessions() as session:
        session.add_all([
            Person(slack_user_id="U0GROUP01", email="gina@example.com", role="it_staff"),
            Person(slack_user_id="U0ADMIN01", email="admin@example.com", role="admin"),
        ])
        await session.commit()

    async with services.sessions() as session:
        # Gina shows up on Teams; the admin's Slack email changes.
        await upsert_profile(session, services.settings.app, Profile(
            "teams", "AAD-GINA", "Gina", email="GINA@example.com", tz="Europe/Paris"))
        await record_profile_change(session, services, Profile(
            "slack", "U0ADMIN01", "Ada", email="ada@example.com"), active=True)
        await session.commit()

    gina, ada = await everyone(services)
    assert (gina.slack_user_id, gina.teams_user_id, gina.tz, gina.role) == (
        "U0GROUP01", "aad-gina", "Europe/Paris", "it_staff")
    assert (ada.email, ada.role) == ("ada@example.com", "employee")


async def test_a_deleted_account_is_let_go_and_an_unknown_one_ignored(services):
    async with services.sessions() as session:
        session.add_all([
            Person(slack_user_id="U0EMPL001", email="erin@example.com"),
            Person(slack_user_id="U0TECH001", teams_user_id="aad-tom", email="tech1@example.com",
                   role="it_staff"),
        ])
        await session.commit()

    async with services.sessions() as session:
        for user_id in ("U0EMPL001", "U0TECH001", "U0NEVER01"):
            await record_profile_change(session, services, Profile("slack", user_id, ""),
                                        active=False)
        await session.commit()

    erin, tom = await everyone(services)
    assert (erin.slack_user_id, erin.active) == ("U0EMPL001", False)
    # Still on Teams: only the Slack link goes.
    assert (tom.slack_user_id, tom.teams_user_id, tom.active) == (None, "aad-tom", True)


async def test_someone_new_whose_platform_gives_no_zone_is_on_the_organisations(services):
    async with services.sessions() as session:
        teams = await upsert_profile(session, services.settings.app, Profile(
            platform="teams", user_id="7A1B2C3D-0000-4000-8000-00000000A001",
            display_name="Tina", email="tina@example.com"))
        slack = await upsert_profile(session, services.settings.app, Profile(
            platform="slack", user_id="U0NYC0001", display_name="Nia", tz="America/New_York"))
        await session.commit()

    assert services.settings.app.organisation.timezone == "Europe/London"
    assert (teams.tz, slack.tz) == ("Europe/London", "America/New_York")
