"""Nothing is advertised that has no handler: the Slack manifest's slash commands, the Teams
command list, the words the Teams adapter takes for commands, the help answer and both apps'
descriptions all follow the registered routes (`handler_routes()`). A command word nobody
handles, typed in Teams, gets the help answer naming it back, never silence."""

from __future__ import annotations

import re

import pytest
from botbuilder.schema import Activity

from bot.chat.text import TEAMS
from bot.config.loading import parse_app_config
from bot.handlers import Routes, handler_routes
from bot.handlers import help as help_handlers
from bot.intents import Command
from bot.slack.manifest import slack_manifest
from bot.teams.intents import intent_of
from bot.teams.manifest import teams_manifest
from tests.conftest import app_config
from tests.scenarios.test_help_teams import card_of, message, post, seed_erin
from tests.teams_activities import recorded

ROUTES = handler_routes()
# Words a person may type as a command: DESIGN.md's, one routed as a word of /touchpoint
# (digest), and one nobody will ever register.
CANDIDATES = ("touchpoint", "complain", "kudos", "broadcast", "digest", "nope")
UNROUTED = [word for word in CANDIDATES
            if word not in ROUTES.commands and word not in ROUTES.words("touchpoint")]
APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
APP = parse_app_config(app_config())


@pytest.fixture
def settings(make_settings, connector):
    """The test settings, with app.yaml's Teams service URL at the connector emulator."""
    return make_settings(config=lambda raw: raw.update(teams={"service_url": connector.url}))


def descriptions(routes: Routes) -> str:
    """Every description either app shows where people install it, as one text."""
    slack = slack_manifest(APP, routes, socket_mode=True)["display_information"]
    teams = teams_manifest(APP, routes, app_id=APP_ID)["description"]
    return "\n".join([slack["description"], slack["long_description"], teams["short"],
                      teams["full"]]).lower()


def test_the_slack_manifest_lists_only_routed_commands():
    listed = [command["command"] for command in
              slack_manifest(APP, ROUTES, socket_mode=True)["features"]["slash_commands"]]

    assert listed and all(name.removeprefix("/") in ROUTES.commands for name in listed)
    assert "/broadcast" in listed


def test_the_teams_command_list_is_only_routed_commands():
    [command_list] = teams_manifest(APP, ROUTES, app_id=APP_ID)["bots"][0]["commandLists"]
    titles = [command["title"] for command in command_list["commands"]]

    # /touchpoint's words are typed alone in Teams, so it is listed as its routed "help".
    assert titles and all(title in ROUTES.commands if title != "help"
                          else "touchpoint help" in ROUTES.command_usages for title in titles)


def test_the_descriptions_offer_only_features_whose_commands_have_a_handler():
    everything = descriptions(ROUTES)
    assert "complaint" in everything and "kudos" in everything
    # Status updates are offered once /broadcast has a handler, and not before.
    for promise in ("status update", "outage", "maintenance"):
        assert (promise in everything) is ("broadcast" in ROUTES.commands), promise

    help_only = Routes()
    help_handlers.register(help_only)
    assert "complaint" not in descriptions(help_only)
    assert "kudos" not in descriptions(help_only)


@pytest.mark.parametrize("word", CANDIDATES)
def test_teams_reads_a_first_word_as_a_command_only_when_it_is_routed(word):
    typed = Activity().deserialize(recorded("message_mention_personal", entities=None,
                                            text=f"{word} the VPN is down"))

    intent = intent_of(typed, ROUTES.commands)

    assert isinstance(intent, Command)
    if word in ROUTES.commands:
        assert (intent.command, intent.text) == (word, "the VPN is down")
    else:
        assert (intent.command, intent.word) == ("touchpoint", word)


async def test_help_lists_only_routed_usages(bot, slack, slack_sender):
    await slack_sender.command("/touchpoint", "help", user_id="U0EMPL001")

    [posted] = await slack.wait_for_response(1)
    listed = re.findall(r"• `/([^`]+)`:", posted.body["blocks"][1]["text"]["text"])
    # Each line is a routed usage, then how its words go (``/kudos @name what they did``).
    assert listed and all(any(line == usage or line.startswith(usage + " ")
                              for usage in ROUTES.command_usages) for line in listed)
    assert {"complain what went wrong", "kudos @name what they did"} <= set(listed)


@pytest.mark.parametrize("word", UNROUTED)
async def test_an_unrouted_command_typed_in_teams_gets_the_help_answer(bot, connector, word):
    seed_erin(connector)

    status, _ = await post(bot.url, message(connector, f"{word} outage: VPN down"))

    assert status == 201
    [sent] = await connector.wait_for("send")
    text = card_of(sent)["body"][1]["text"]
    assert f"Sorry, I don't know {TEAMS.code(word)}." in text
    assert f"{TEAMS.code('help')}: Show this list of what I can do." in text
