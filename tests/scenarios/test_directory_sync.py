"""The directory sync, end to end: the real Slack client pages through the Slack emulator's
users and user groups, and the flow writes the directory on SQLite and on PostgreSQL.

The workspace has 456 users (three pages of 200): the three people every scenario knows, 440
more, someone in the help desk user group, an admin by email, bots, an app, Slackbot and
deleted accounts. app.yaml adds two segments filled from user groups.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.emulators.slack import SlackEmulator
from bot.flows.directory.sync import SyncSummary, sync_directory
from bot.server import SERVICES, create_app
from bot.services import Services
from storage.engine import create_engine, session_factory
from storage.models import Person

PEOPLE = 440
TIMEZONES = ("Europe/London", "America/New_York", "Asia/Tokyo")
MEMBERS = 3 + 2 + PEOPLE  # the conftest people, the group member and the admin, the rest
DELETED = ["U0DEL0001", "U0DEL0002", "U0DEL0003", "U0DEL0004", "U0DEL0005"]
NOT_PEOPLE = ["U0BOTUSER", "U0BOT0001", "U0BOT0002", "U0BOT0003", "U0APP0001", "USLACKBOT"]


def person_id(n: int) -> str:
    return f"U0P{n:06d}"


def configure(raw: dict[str, Any]) -> None:
    raw["roles"]["admin"]["emails"].append("new.boss@example.com")
    raw["segments"]["department"]["Engineering"] = {"slack_usergroups": ["S0ENGINEER"]}
    raw["segments"]["site"] = {"London": {"slack_usergroups": ["S0LONDON1"]}}


def seed_workspace(slack: SlackEmulator) -> dict[str, dict[str, Any]]:
    """Users beyond the conftest ones (erin, tom the technician, lee the lead, a bot)."""
    users = {
        "group": slack.add_user(id="U0GROUP01", name="gina.group", email="gina@example.com"),
        "admin": slack.add_user(id="U0ADMIN01", name="ada.admin", email="Admin@Example.com",
                                tz="Asia/Tokyo"),
    }
    for n in range(PEOPLE):
        users[person_id(n)] = slack.add_user(id=person_id(n), name=f"person.{n}",
                                             email=f"person{n}@example.com",
                                             tz=TIMEZONES[n % 3])
    for bot in NOT_PEOPLE[1:4]:
        slack.add_user(id=bot, name=bot.lower(), is_bot=True)
    slack.add_user(id="U0APP0001", name="workflow.app")["is_app_user"] = True
    slack.add_user(id="USLACKBOT", name="slackbot")
    for user_id in DELETED:
        slack.add_user(id=user_id, name=user_id.lower(), email=f"{user_id.lower()}@example.com",
                       deleted=True)
    slack.add_usergroup("S0HELPDSK", "helpdesk", ["U0GROUP01"])
    slack.add_usergroup("S0ENGINEER", "engineering",
                        [person_id(n) for n in range(PEOPLE) if n % 5 == 0])
    slack.add_usergroup("S0LONDON1", "london", [person_id(n) for n in range(0, PEOPLE, 2)])
    return users


@pytest.fixture
def workspace(slack: SlackEmulator) -> dict[str, dict[str, Any]]:
    return seed_workspace(slack)


@pytest.fixture
async def services(make_settings, workspace) -> AsyncIterator[Services]:
    """A Slack-only Touchpoint's services, without the scheduler (so no sync of its own)."""
    settings = make_settings(config=configure, env={"TOUCHPOINT_TEAMS_DEV_MODE": None})
    services = create_app(settings, scheduler=False)[SERVICES]
    yield services
    await services.engine.dispose()


async def sync(services: Services) -> SyncSummary:
    async with services.sessions() as session:
        [summary] = await sync_directory(session, services)
    return summary


async def people(services: Services) -> dict[str, Person]:
    """Everyone in the directory, by Slack user id (or by Teams id for Teams-only rows)."""
    async with services.sessions() as session:
        rows = (await session.exec(select(Person))).all()
    return {p.slack_user_id or f"teams:{p.teams_user_id}": p for p in rows}


async def add_people(services: Services, *rows: Person) -> None:
    async with services.sessions() as session:
        session.add_all(rows)
        await session.commit()


def statements_on(services: Services) -> list[str]:
    """Every SQL statement the engine sends from now on."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        sent.append(" ".join(statement.split()).upper())

    event.listen(services.engine.sync_engine, "before_cursor_execute", record)
    return sent


async def test_first_sync_pages_through_everyone_and_applies_app_yaml(services, slack):
    summary = await sync(services)

    assert summary == SyncSummary(platform="slack", members=MEMBERS, added=MEMBERS, updated=0,
                                  deactivated=0)
    pages = slack.calls_to("users.list")
    cursors = [page.args.get("cursor") for page in pages]
    assert len(pages) == 3 and cursors[0] is None and all(cursors[1:])
    assert len(set(cursors)) == 3
    assert {page.args["limit"] for page in pages} == {"200"}
    assert sorted(c.args["usergroup"] for c in slack.calls_to("usergroups.users.list")) == [
        "S0ENGINEER", "S0HELPDSK", "S0LONDON1"]

    found = await people(services)
    assert len(found) == MEMBERS
    assert not set(found) & set(NOT_PEOPLE + DELETED)
    assert all(p.active for p in found.values())
    roles = {user_id: found[user_id].role for user_id in
             ("U0EMPL001", "U0TECH001", "U0LEAD001", "U0GROUP01", "U0ADMIN01", person_id(1))}
    assert roles == {"U0EMPL001": "employee", "U0TECH001": "it_staff", "U0LEAD001": "it_lead",
                     "U0GROUP01": "it_staff", "U0ADMIN01": "admin", person_id(1): "employee"}
    assert found["U0EMPL001"].segments == {"department": "Finance"}
    assert found[person_id(10)].segments == {"department": "Engineering", "site": "London"}
    assert found[person_id(5)].segments == {"department": "Engineering"}
    assert found[person_id(2)].segments == {"site": "London"}
    assert found[person_id(1)].segments == {}
    assert found["U0LEAD001"].tz == "America/New_York"
    assert [found[person_id(n)].tz for n in range(3)] == list(TIMEZONES)
    admin = found["U0ADMIN01"]
    assert (admin.email, admin.display_name, admin.tz) == (
        "admin@example.com", "ada.admin", "Asia/Tokyo")


async def test_sync_loads_the_directory_once_and_writes_in_batches(services):
    sent = statements_on(services)
    await sync(services)

    person_reads = [s for s in sent if s.startswith("SELECT") and "FROM PERSON" in s]
    person_inserts = [s for s in sent if s.startswith("INSERT INTO PERSON")]
    assert len(person_reads) == 1
    assert 1 <= len(person_inserts) < 10, f"{len(person_inserts)} inserts for {MEMBERS} people"

    sent.clear()
    summary = await sync(services)

    assert (summary.added, summary.updated, summary.deactivated) == (0, 0, 0)
    assert [s for s in sent if s.startswith(("INSERT", "UPDATE"))] == []


async def test_people_deleted_or_gone_from_slack_are_let_go_and_emails_join_platforms(services):
    await add_people(
        services,
        # Known before, now deleted in Slack; and known before, now not listed at all.
        Person(slack_user_id="U0DEL0001", email="u0del0001@example.com"),
        Person(slack_user_id="U0GONE001", email="gone@example.com"),
        # On Teams too: leaving Slack only unlinks them, so Teams messages still reach them.
        Person(slack_user_id="U0DEL0002", teams_user_id="aad-del-2", email="u0del0002@ex.com"),
        # Known only from Teams: the Slack account with the same email is the same person.
        Person(teams_user_id="aad-person-7", email="person7@example.com", display_name="P7"),
    )

    summary = await sync(services)

    assert summary == SyncSummary(platform="slack", members=MEMBERS, added=MEMBERS - 1,
                                  updated=2, deactivated=2)
    found = await people(services)
    assert (found["U0DEL0001"].active, found["U0GONE001"].active) == (False, False)
    unlinked = found["teams:aad-del-2"]
    assert (unlinked.slack_user_id, unlinked.active) == (None, True)
    joined = found[person_id(7)]
    assert (joined.teams_user_id, joined.display_name) == ("aad-person-7", "person.7")
    assert "teams:aad-person-7" not in found


async def test_second_sync_follows_deletions_email_changes_and_joiners(services, slack,
                                                                      workspace):
    await sync(services)
    workspace[person_id(3)]["deleted"] = True
    workspace[person_id(4)]["profile"]["email"] = "New.Boss@example.com"
    slack.add_user(id="U0JOINER1", name="jo.joiner", email="jo@example.com", tz="Asia/Tokyo")
    slack.clear()

    summary = await sync(services)

    assert summary == SyncSummary(platform="slack", members=MEMBERS, added=1, updated=1,
                                  deactivated=1)
    assert len(slack.calls_to("users.list")) == 3
    found = await people(services)
    assert found[person_id(3)].active is False
    promoted = found[person_id(4)]
    assert (promoted.email, promoted.role) == ("new.boss@example.com", "admin")
    joiner = found["U0JOINER1"]
    assert (joiner.active, joiner.tz, joiner.role) == (True, "Asia/Tokyo", "employee")

    workspace[person_id(3)]["deleted"] = False
    summary = await sync(services)

    assert (summary.added, summary.updated, summary.deactivated) == (0, 1, 0)
    assert (await people(services))[person_id(3)].active is True


async def test_rate_limits_while_paging_are_waited_out(services, slack):
    slack.fail_next("users.list", status=429, retry_after=1)
    # Then two pages in a burst, and the third must wait for the bucket to refill.
    slack.rate_limit("users.list", per_second=1, burst=2, per_channel=False)

    summary = await sync(services)

    assert summary.added == MEMBERS
    calls = slack.calls_to("users.list")
    assert [call.faulted for call in calls] == [True, False, False, True, False]
    assert calls[0].args.get("cursor") is None and calls[1].args.get("cursor") is None
    third_page = calls[3].args["cursor"]
    assert third_page and calls[4].args["cursor"] == third_page
    assert calls[1].at - calls[0].at >= 1.0


async def test_a_user_group_that_does_not_exist_is_skipped_with_a_warning(
        make_settings, workspace, slack, caplog):
    def with_missing_group(raw: dict[str, Any]) -> None:
        configure(raw)
        raw["segments"]["site"]["Paris"] = {"slack_usergroups": ["S0NOSUCH1"]}

    settings = make_settings(config=with_missing_group, env={"TOUCHPOINT_TEAMS_DEV_MODE": None})
    services = create_app(settings, scheduler=False)[SERVICES]
    try:
        with caplog.at_level(logging.WARNING, logger="bot.slack.directory"):
            summary = await sync(services)
        found = await people(services)
    finally:
        await services.engine.dispose()

    assert summary.added == MEMBERS
    [warning] = [r for r in caplog.records if r.name == "bot.slack.directory"]
    assert warning.levelno == logging.WARNING and "S0NOSUCH1" in warning.getMessage()
    assert found["U0GROUP01"].role == "it_staff"
    assert found[person_id(2)].segments == {"site": "London"}


def cli_env(settings: Settings, slack: SlackEmulator, database_url: str) -> dict[str, str]:
    token = settings.secrets.slack_bot_token
    secret = settings.secrets.slack_signing_secret
    assert token is not None and secret is not None
    return {
        "PATH": os.environ.get("PATH", ""),
        "TOUCHPOINT_CONFIG": str(settings.config_path),
        "SLACK_BOT_TOKEN": token.get_secret_value(),
        "SLACK_SIGNING_SECRET": secret.get_secret_value(),
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
    }


@asynccontextmanager
async def database(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def touchpoint(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_touchpoint_directory_sync_prints_the_summary(make_settings, workspace, slack,
                                                            database_url):
    settings = make_settings(config=configure, env={"TOUCHPOINT_TEAMS_DEV_MODE": None})

    code, out, err = await touchpoint(cli_env(settings, slack, database_url),
                                      "directory", "sync")

    assert code == 0, err
    assert out == f"slack: {MEMBERS} members; {MEMBERS} added, 0 updated, 0 deactivated\n"
    assert "ERROR" not in err and "Traceback" not in err
    assert len(slack.calls_to("users.list")) == 3
    async with database(database_url) as sessions, sessions() as session:
        count = len((await session.exec(select(Person.id))).all())
    assert count == MEMBERS


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_touchpoint_directory_sync_failing_says_why_in_one_line(make_settings, slack,
                                                                     database_url):
    env = cli_env(make_settings(), slack, database_url)

    code, out, err = await touchpoint({**env, "SLACK_BOT_TOKEN": "xoxp-not-a-bot"},
                                      "directory", "sync")

    assert (code, out) == (4, "")
    assert err == ("Error: Slack refused users.list: invalid_auth (check SLACK_BOT_TOKEN)\n")
