"""The Slack app manifest: its shape, and proof through signed requests into the running bot
that it names exactly the commands and events the bot answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from bot.slack.listeners.events import EVENT_INTENTS
from tests.bot.manifest_kit import ORGANISATION, SLACK_CHANNELS, manifest_command, write_app_yaml

URL = "https://touchpoint.example.com"
# Slash commands DESIGN.md promises, and one nobody registers: each must get 200 from the bot
# exactly when the manifest lists it.
CONTRACT_COMMANDS = {"/touchpoint", "/complain", "/kudos", "/broadcast", "/nope"}
# Events a chat bot might plausibly hear: each must get 200 exactly when the manifest lists it.
CANDIDATE_EVENTS = {"team_join", "user_change", "app_home_opened", "app_mention", "message",
                    "reaction_added", "member_joined_channel", "channel_created"}
# The bot scopes each Web API method (slack_sdk's name for it) and each event needs, from the
# method and event pages at api.slack.com. A method missing here fails the scope test: add it,
# and its scopes to bot/slack/manifest.py.
_HISTORY = ("im:history", "channels:history", "groups:history")
"""Reading back a DM, a public or a private channel, or a thread in one."""
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "views_open": None,
    "views_update": None,
    "views_push": None,
    "views_publish": None,
    "users_info": "users:read",
    "users_list": "users:read",
    "users_lookupByEmail": "users:read.email",
    "usergroups_users_list": "usergroups:read",
    "usergroups_list": "usergroups:read",
    "conversations_open": "im:write",
    "conversations_history": _HISTORY,
    "conversations_replies": _HISTORY,
    "files_upload_v2": "files:write",
    "reactions_add": "reactions:write",
    "auth_test": None,
}
EVENT_SCOPES: dict[str, str | None] = {"team_join": "users:read", "user_change": "users:read",
                                       "app_home_opened": None,
                                       "app_mention": "app_mentions:read",
                                       "reaction_added": "reactions:read",
                                       "reaction_removed": "reactions:read",
                                       # "No scopes required" (api.slack.com/events/...).
                                       "app_uninstalled": None, "tokens_revoked": None}
SLACK_SOURCES = Path(__file__).resolve().parents[3] / "bot" / "slack"


@pytest.fixture
def app_yaml(tmp_path: Path) -> Path:
    return write_app_yaml(tmp_path / "app.yaml", SLACK_CHANNELS)


def manifest_cli(config: Path, *args: str) -> Result:
    """`touchpoint manifest slack ...` with app.yaml and no secrets at all in the environment."""
    return manifest_command(config, "slack", *args)


def manifest_of(config: Path, *args: str) -> dict[str, Any]:
    result = manifest_cli(config, *args)
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(result.stdout)


def subscribed_events(manifest: dict[str, Any]) -> set[str]:
    return set(manifest["settings"].get("event_subscriptions", {}).get("bot_events", []))


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(keys_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_in(item) for item in value))
    return set()


def test_the_manifest_is_yaml_in_slack_shape_without_any_token(app_yaml):
    manifest = manifest_of(app_yaml, "--url", URL)

    shown = manifest["display_information"]
    assert shown["name"] == manifest["features"]["bot_user"]["display_name"] == "Touchpoint"
    assert manifest["features"]["bot_user"]["always_online"] is True
    assert 0 < len(shown["description"]) <= 140
    assert 175 <= len(shown["long_description"]) <= 4000
    # Plain text: the organisation's name as written, with nothing escaped.
    assert ORGANISATION in shown["long_description"]
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", shown["background_color"])
    events_url = f"{URL}/slack/events"
    commands = manifest["features"]["slash_commands"]
    assert commands, "the bot answers at least /touchpoint"
    for command in commands:
        assert re.fullmatch(r"/[a-z][a-z0-9_-]{0,30}", command["command"])
        assert command["url"] == events_url
        # Only /kudos needs its mentions as user ids.
        assert command["should_escape"] is (command["command"] == "/kudos")
        assert 0 < len(command["description"]) <= 2000
    settings = manifest["settings"]
    # Slack refuses a subscription without events, so the section is there only with some.
    subscriptions = settings.get("event_subscriptions", {"request_url": events_url})
    assert subscriptions["request_url"] == events_url
    interactivity = settings["interactivity"]
    assert ("request_url" in interactivity) is interactivity["is_enabled"]
    assert interactivity.get("request_url", events_url) == events_url
    assert (settings["socket_mode_enabled"], settings["token_rotation_enabled"],
            settings["org_deploy_enabled"]) == (False, False, False)
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))


def test_the_general_command_hints_at_its_words(app_yaml):
    commands = manifest_of(app_yaml, "--url", URL)["features"]["slash_commands"]

    [general] = [c for c in commands if c["command"] == "/touchpoint"]
    assert "help" in general["usage_hint"].split(" | ")


def test_a_url_with_a_path_keeps_it(app_yaml):
    manifest = manifest_of(app_yaml, "--url", "https://gateway.example.com/touchpoint/")

    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {
        "https://gateway.example.com/touchpoint/slack/events"}


def test_socket_mode_has_no_request_urls(app_yaml):
    manifest = manifest_of(app_yaml, "--socket-mode")

    assert manifest["settings"]["socket_mode_enabled"] is True
    assert not {"url", "request_url"} & keys_in(manifest)
    assert manifest["features"]["slash_commands"]


def test_the_name_can_be_chosen_within_slacks_limit(app_yaml):
    manifest = manifest_of(app_yaml, "--url", URL, "--name", "IT Feedback")
    assert manifest["display_information"]["name"] == "IT Feedback"
    assert manifest["features"]["bot_user"]["display_name"] == "IT Feedback"

    result = manifest_cli(app_yaml, "--url", URL, "--name", "x" * 36)
    assert result.exit_code == 2
    assert "--name: at most 35 characters" in result.stderr


@pytest.mark.parametrize("url", ["http://touchpoint.example.com", "touchpoint.example.com",
                                 "ftp://touchpoint.example.com", "https://",
                                 "https://touchpoint.example.com/?x=1"])
def test_a_url_that_is_not_plain_https_is_refused(app_yaml, url):
    result = manifest_cli(app_yaml, "--url", url)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--url:" in result.stderr
    assert "Traceback" not in result.output


def test_a_url_is_required_without_socket_mode(app_yaml):
    result = manifest_cli(app_yaml)

    assert result.exit_code == 2
    assert "--url: required unless you use --socket-mode" in result.stderr


def test_a_broken_app_yaml_is_reported(tmp_path):
    broken = tmp_path / "app.yaml"
    broken.write_text("organisation: {}\n", encoding="utf-8")

    result = manifest_cli(broken, "--url", URL)

    assert result.exit_code == 2
    assert "organisation.name: required" in result.stderr


def test_the_scopes_are_exactly_those_the_code_needs(app_yaml):
    manifest = manifest_of(app_yaml, "--url", URL)
    called = {match for path in SLACK_SOURCES.rglob("*.py")
              for match in re.findall(r"client\.(\w+)\(", path.read_text(encoding="utf-8"))}
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {sorted(unknown)} to the manifest and this table"
    events = subscribed_events(manifest)
    assert events <= EVENT_SCOPES.keys()

    method_scopes = [METHOD_SCOPES[method] for method in called]
    needed = ({scope for scopes in method_scopes if isinstance(scopes, tuple) for scope in scopes}
              | {scopes for scopes in method_scopes if not isinstance(scopes, tuple)}
              | {EVENT_SCOPES[event] for event in events}
              # Slash commands; posting to the configured channels without an invitation.
              | {"commands", "chat:write.public"}) - {None}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


async def test_the_bot_answers_exactly_the_commands_in_the_manifest(settings, bot,
                                                                    slack_sender):
    manifest = manifest_of(settings.config_path, "--url", URL)
    listed = {command["command"] for command in manifest["features"]["slash_commands"]}

    for command in sorted(listed | CONTRACT_COMMANDS):
        reply = await slack_sender.command(command, "help", user_id="U0EMPL001")
        assert reply.status == (200 if command in listed else 404), command


async def test_the_manifest_subscribes_the_events_listened_to_and_all_get_200(settings, bot,
                                                                              slack_sender):
    manifest = manifest_of(settings.config_path, "--url", URL)
    subscribed = subscribed_events(manifest)

    assert subscribed == set(EVENT_INTENTS)
    # Slack disables the subscriptions of an app that fails deliveries: every signed event
    # is acknowledged, listened to or not.
    for event_type in sorted(subscribed | CANDIDATE_EVENTS):
        user = {"id": "U0NEWBIE1", "name": "nina.new", "tz": "Europe/London",
                "profile": {"display_name": "Nina", "email": "nina@example.com"}}
        reply = await slack_sender.event({"type": event_type, "user": user,
                                          "event_ts": "1700000000.000100"})
        assert reply.status == 200, event_type


def test_the_manifest_in_german_with_locale(app_yaml):
    """Slack shows a manifest as written, in one language: --locale chooses it (default: the
    organisation's); the command names stay, their descriptions are translated."""
    english = manifest_of(app_yaml, "--url", URL)
    german = manifest_of(app_yaml, "--url", URL, "--locale", "de")

    assert german["display_information"]["description"].startswith(
        "Sagen Sie der IT, wie gut sie arbeitet")
    assert ORGANISATION in german["display_information"]["long_description"]
    by_command = {c["command"]: c for c in german["features"]["slash_commands"]}
    assert [c["command"] for c in english["features"]["slash_commands"]] == list(by_command)
    assert by_command["/kudos"]["description"] == (
        "Jemandem aus der IT für großartigen Service danken")
    assert by_command["/complain"]["usage_hint"].startswith("[was passiert ist] | ")
    assert english["features"]["slash_commands"][0]["description"] != (
        german["features"]["slash_commands"][0]["description"])


def test_a_locale_with_no_messages_is_refused_kindly(app_yaml):
    result = manifest_cli(app_yaml, "--url", URL, "--locale", "pt-BR")

    assert result.exit_code == 2
    assert "--locale: no messages are shipped in 'pt-BR'" in result.stderr
    assert "en, de" in result.stderr and "Traceback" not in result.stderr
