"""What Teams says about people reaches the directory as events through the dispatcher, as
Slack's user events do: a member added to a team the bot is in is a `ProfileChanged`, the
roster read when the bot is added comes as `PeopleListed`, and a member removed from a team
stays in the directory (leaving a team is not leaving the organisation)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Person
from tests.scenarios.test_help_teams import (
    BOT,
    CHANNEL,
    ERIN,
    ERIN_AAD,
    TENANT,
    message,
    post,
    seed_erin,
    settings,
)
from tests.teams_activities import account, recorded

__all__ = ["settings"]  # the Teams settings of test_help_teams, used as this module's fixture

OWNER = {"id": "29:1olga-teams-id", "name": "Olga Owner",
         "aadObjectId": "0a0a0a0a-0000-4000-8000-00000000000b"}


@pytest.fixture(autouse=True)
async def owner_known(bot) -> None:
    """The team's owner, who adds and removes members, is in the directory already."""
    async with bot.services.sessions() as session:
        session.add(Person(teams_user_id=OWNER["aadObjectId"], display_name=OWNER["name"]))
        await session.commit()


def conversation_update(connector, event_type: str, **members: list[dict]) -> dict:
    """A team's conversationUpdate as Teams posts it (recorded), with `membersAdded` or
    `membersRemoved`, from the owner who made the change."""
    name = ("conversation_update_members_added" if "membersAdded" in members
            else "conversation_update_members_removed")
    changed = {key: [{"id": m["id"], **({"aadObjectId": m["aadObjectId"]}
                                         if "aadObjectId" in m else {})} for m in people]
               for key, people in members.items()}
    update = recorded(name, serviceUrl=connector.url, recipient=BOT, **changed)
    update["from"] = account(OWNER)
    update["conversation"].update(id=CHANNEL, tenantId=TENANT)
    update["channelData"].update(team={"id": CHANNEL}, eventType=event_type,
                                 tenant={"id": TENANT})
    return update


async def people(bot) -> dict[str, Person]:
    async with bot.services.sessions() as session:
        return {p.teams_user_id: p for p in (await session.exec(select(Person))).all()}


def handled(bot, intent: str) -> float:
    return bot.services.metrics.registry.get_sample_value(
        "touchpoint_handler_seconds_count", {"intent": intent}) or 0


async def test_a_member_added_to_a_team_joins_the_directory_through_the_dispatcher(
        bot, connector):
    seed_erin(connector, CHANNEL)

    status, _ = await post(bot.url, conversation_update(connector, "teamMemberAdded",
                                                        membersAdded=[ERIN]))

    assert status == 201
    # Looked up in the roster, which has the email app.yaml's segments go by.
    [lookup] = connector.calls_of("get_member")
    assert lookup.query["memberId"] == ERIN["id"]
    erin = (await people(bot))[ERIN_AAD]
    assert (erin.email, erin.display_name, erin.active) == (
        "erin@example.com", "Erin Employee", True)
    assert erin.segments == {"department": "Finance"}
    assert handled(bot, "ProfileChanged") == 1


async def test_the_roster_read_when_the_bot_is_added_comes_as_one_event_per_page(
        bot, connector):
    seed_erin(connector, CHANNEL)
    connector.add_member(CHANNEL, id="29:1tom", name="Tom Tech", aad_object_id="TOM-AAD-1",
                         email="tech1@example.com", tenant_id=TENANT)

    status, _ = await post(bot.url, conversation_update(connector, "teamMemberAdded",
                                                        membersAdded=[BOT]))

    assert status == 201
    assert set(await people(bot)) == {OWNER["aadObjectId"], ERIN_AAD, "tom-aad-1"}
    assert (handled(bot, "PeopleListed"), handled(bot, "ProfileChanged")) == (1, 0)


async def test_installing_the_app_in_a_team_reads_its_roster(bot, connector):
    """The installationUpdate Teams sends when the app is added to a team (recorded)."""
    seed_erin(connector, CHANNEL)
    installed = recorded("installation_update_add", serviceUrl=connector.url, recipient=BOT)
    installed["from"] = account(OWNER)
    installed["conversation"].update(id=CHANNEL, tenantId=TENANT)
    installed["channelData"].update(team={"id": CHANNEL}, channel={"id": CHANNEL},
                                    tenant={"id": TENANT})

    status, _ = await post(bot.url, installed)

    assert status == 201
    [page] = connector.calls_of("get_paged_members")
    assert page.conversation_id == CHANNEL
    assert ERIN_AAD in await people(bot)
    assert handled(bot, "PeopleListed") == 1


async def test_a_member_removed_from_a_team_stays_in_the_directory(bot, connector):
    seed_erin(connector, CHANNEL)
    await post(bot.url, conversation_update(connector, "teamMemberAdded", membersAdded=[ERIN]))

    status, _ = await post(bot.url, conversation_update(connector, "teamMemberRemoved",
                                                        membersRemoved=[ERIN]))

    assert status == 201
    erin = (await people(bot))[ERIN_AAD]
    assert (erin.active, erin.teams_user_id) == (True, ERIN_AAD)
    assert handled(bot, "ProfileChanged") == 1


async def test_a_new_sender_joins_through_the_dispatcher_before_their_message_is_handled(
        bot, connector):
    seed_erin(connector)

    status, _ = await post(bot.url, message(connector, "help"))
    await connector.wait_for("send")

    assert status == 201
    assert (handled(bot, "ProfileChanged"), handled(bot, "command:touchpoint help")) == (1, 1)
    erin = (await people(bot))[ERIN_AAD]
    assert erin.email == "erin@example.com"
    # Known now: the next message asks the roster nothing.
    await post(bot.url, message(connector, "help"))
    await connector.wait_for("send", 2)
    assert len(connector.calls_of("get_member")) == 1
    assert handled(bot, "ProfileChanged") == 1
