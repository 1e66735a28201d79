"""The directory flow between syncs: look-ups by email through the real Slack port (against
the emulator), and profile changes from events and from Teams, where the Slack user groups a
person is in are not known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Profile
from bot.flows.directory.people import lookup_by_email, record_profile_change, upsert_profile
from storage.engine import create_engine, session_factory
from storage.models import Person


@pytest.fixture
async def engine(database_url) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def everyone(sessions) -> list[Person]:
    async with sessions() as session:
        return list((await session.exec(select(Person).order_by(Person.id))).all())


async def test_lookup_by_email_asks_slack_once_then_remembers(sessions, chat, slack, settings):
    lee = await lookup_by_email(sessions, settings.app, chat, " Lee@Example.COM ")

    assert lee is not None and lee.id is not None
    assert (lee.slack_user_id, lee.role, lee.tz) == ("U0LEAD001", "it_lead", "America/New_York")
    [call] = slack.calls_to("users.lookupByEmail")
    assert call.args["email"] == "lee@example.com"
    assert [person.id for person in await everyone(sessions)] == [lee.id]

    again = await lookup_by_email(sessions, settings.app, chat, "lee@example.com")

    assert again is not None and again.id == lee.id
    assert len(slack.calls_to("users.lookupByEmail")) == 1


async def test_lookup_by_email_holds_no_connection_while_asking_the_platform(
        engine, sessions, chat, settings, monkeypatch):
    # An open transaction holds a pooled connection (on SQLite, the write lock as well).
    held_during_call: list[int] = []
    ask = chat.profile_by_email

    async def profile_by_email(email: str) -> Profile | None:
        held_during_call.append(engine.pool.checkedout())
        return await ask(email)

    monkeypatch.setattr(chat, "profile_by_email", profile_by_email)

    assert await lookup_by_email(sessions, settings.app, chat, "lee@example.com") is not None
    assert held_during_call == [0]
    assert engine.pool.checkedout() == 0


async def test_lookup_by_email_finds_no_unknown_deleted_or_bot_account(sessions, chat, slack,
                                                                        settings):
    slack.add_user(id="U0DEL0001", name="gone", email="gone@example.com", deleted=True)
    slack.add_user(id="U0BOT0001", name="robot", email="robot@example.com", is_bot=True)

    for email in ("nobody@example.com", "gone@example.com", "robot@example.com"):
        assert await lookup_by_email(sessions, settings.app, chat, email) is None

    assert len(slack.calls_to("users.lookupByEmail")) == 3
    assert await everyone(sessions) == []


async def test_between_syncs_group_roles_stay_and_email_roles_follow_the_email(sessions,
                                                                              settings):
    # As the last sync left them: IT staff through the S0HELPDSK group, admin by email.
    async with sessions() as session:
        session.add_all([
            Person(slack_user_id="U0GROUP01", email="gina@example.com", role="it_staff"),
            Person(slack_user_id="U0ADMIN01", email="admin@example.com", role="admin"),
        ])
        await session.commit()

    async with sessions() as session:
        # Gina shows up on Teams; the admin's Slack email changes.
        await upsert_profile(session, settings.app, Profile(
            "teams", "AAD-GINA", "Gina", email="GINA@example.com", tz="Europe/Paris"))
        await record_profile_change(session, settings.app, Profile(
            "slack", "U0ADMIN01", "Ada", email="ada@example.com"), active=True)
        await session.commit()

    gina, ada = await everyone(sessions)
    assert (gina.slack_user_id, gina.teams_user_id, gina.tz, gina.role) == (
        "U0GROUP01", "aad-gina", "Europe/Paris", "it_staff")
    assert (ada.email, ada.role) == ("ada@example.com", "employee")


async def test_a_deleted_account_is_let_go_and_an_unknown_one_ignored(sessions, settings):
    async with sessions() as session:
        session.add_all([
            Person(slack_user_id="U0EMPL001", email="erin@example.com"),
            Person(slack_user_id="U0TECH001", teams_user_id="aad-tom", email="tech1@example.com",
                   role="it_staff"),
        ])
        await session.commit()

    async with sessions() as session:
        for user_id in ("U0EMPL001", "U0TECH001", "U0NEVER01"):
            await record_profile_change(session, settings.app,
                                        Profile("slack", user_id, ""), active=False)
        await session.commit()

    erin, tom = await everyone(sessions)
    assert (erin.slack_user_id, erin.active) == ("U0EMPL001", False)
    # Still on Teams: only the Slack link goes.
    assert (tom.slack_user_id, tom.teams_user_id, tom.active) == (None, "aad-tom", True)
