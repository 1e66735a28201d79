"""Teams members by their 29: id (`bot.teams.members`): the roster asked through the
connector client (here the Bot Connector emulator), answers cached with a TTL, forgotten when
a member leaves, and the documented member shape understood."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from botbuilder.core import BotAdapter
from botbuilder.schema import Activity, ChannelAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from bot.emulators.teams import BotConnectorEmulator
from bot.metrics import Metrics
from bot.teams.members import TTL_S, MemberRoster, is_account_id, roster_of
from tests.teams_activities import recorded

TEAM = "19:team0123@thread.tacv2"
CHANNEL = "19:general0456@thread.tacv2"
LARRY = "29:1Larry-Case_Sensitive"
LARRY_AAD = "9D3E08F9-A7AE-43AA-A4D3-DE3F319A8A9C"


@pytest.fixture
async def connector() -> AsyncIterator[BotConnectorEmulator]:
    async with BotConnectorEmulator() as emulator:
        emulator.add_member(TEAM, id=LARRY, name="Larry Brown", aad_object_id=LARRY_AAD,
                            email="Larry.Brown@fabrikam.com")
        yield emulator


@pytest.fixture
async def turn(connector) -> AsyncIterator[SimpleNamespace]:
    """What MemberRoster reads of a turn: the activity (a channel message in the team) and
    the connector client the adapter put in the turn state."""
    activity = Activity().deserialize(recorded("message_mention_channel",
                                               serviceUrl=connector.url))
    activity.channel_data["team"] = {"id": TEAM}
    async with ConnectorClient(MicrosoftAppCredentials.empty(),
                               base_url=connector.url) as client:
        yield SimpleNamespace(activity=activity,
                              turn_state={BotAdapter.BOT_CONNECTOR_CLIENT_KEY: client})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def asked(connector) -> list[tuple[str | None, str]]:
    return [(call.conversation_id, call.query["memberId"])
            for call in connector.calls_of("get_member")]


async def test_a_member_is_asked_of_the_teams_roster_once_within_the_ttl(connector, turn):
    clock = Clock()
    members = MemberRoster(Metrics(), clock=clock)

    first = await members.profile(turn, LARRY)
    again = await members.profile(turn, LARRY)

    assert first is not None and again == first
    assert (first.user_id, first.email) == (LARRY_AAD.lower(), "Larry.Brown@fabrikam.com")
    assert asked(connector) == [(TEAM, LARRY)]
    clock.now += TTL_S
    await members.profile(turn, LARRY)
    assert asked(connector) == [(TEAM, LARRY)] * 2


async def test_a_member_removed_is_asked_again_and_an_unknown_one_is_none(connector, turn):
    members = MemberRoster(Metrics())
    await members.profile(turn, LARRY)

    members.forget([ChannelAccount(id=LARRY)])
    await members.profile(turn, LARRY)
    missing = await members.profile(turn, "29:1nobody")
    await members.profile(turn, "29:1nobody")

    assert missing is None
    # A 404 is not kept: the member may join later.
    assert asked(connector) == [(TEAM, LARRY), (TEAM, LARRY), (TEAM, "29:1nobody"),
                                (TEAM, "29:1nobody")]


async def test_the_documented_member_shape_names_its_aad_id_object_id(connector, turn):
    members = MemberRoster(Metrics())
    documented = ChannelAccount.deserialize(recorded("member"))

    members.keep([documented])
    profile = await members.profile(turn, documented.id)

    assert profile is not None
    assert (profile.user_id, profile.email) == ("9d3e08f9-a7ae-43aa-a4d3-de3f319a8a9c",
                                                "Larry.Brown@fabrikam.com")
    assert asked(connector) == []


def test_the_roster_of_a_channel_is_its_teams_and_of_a_thread_its_conversations():
    channel = Activity().deserialize(recorded("message_mention_channel"))
    personal = Activity().deserialize(recorded("message_mention_personal"))
    thread = Activity().deserialize(recorded(
        "message_mention_personal", conversation={"id": "19:chat@thread.v2;messageid=1"}))

    assert roster_of(channel) == "19:efa9296d959346209fea44151c742e73@thread.tacv2"
    assert roster_of(personal) == personal.conversation.id
    assert roster_of(thread) == "19:chat@thread.v2"
    assert is_account_id(LARRY) and is_account_id("8:orgid:x")
    assert not is_account_id(LARRY_AAD.lower())
