"""The Slack app manifest: what an operator pastes into api.slack.com to create the app.

Everything in it follows from the code: one slash command per command the handlers answer,
the events the listeners subscribe to, interactivity only when some button or form has a
handler, and the bot scopes the Web API calls in bot/slack/chat.py need. Its words come from
messages/manifest/ (the app, and one template per command) like every other word, and they
offer only the features whose commands have a handler.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from bot.chat import catalogues
from bot.chat.templates import Templates, templates_for
from bot.chat.text import Formatted
from bot.config.app import AppConfig
from bot.config.problems import ConfigError
from bot.handlers import Routes
from bot.slack.intents import ESCAPED_COMMANDS
from bot.slack.listeners.events import EVENT_INTENTS

EVENTS_PATH = "/slack/events"
MAX_NAME = 35
"""Slack's limit for the app's name, which is also the bot's name."""

BOT_SCOPES = (
    # Slash commands.
    "commands",
    # chat.postMessage (DMs and channel posts), chat.update, chat.postEphemeral.
    "chat:write",
    # Posting to the configured channels (triage, digests, kudos wall, broadcasts) without
    # first being invited to each one.
    "chat:write.public",
    # users.info and users.list (a person's name and time zone, the directory sync), and the
    # team_join and user_change events.
    "users:read",
    # Emails in those, and users.lookupByEmail: app.yaml grants roles by email, and the email
    # joins one person's Slack and Teams accounts.
    "users:read.email",
    # usergroups.users.list: app.yaml grants roles and segments by Slack user group.
    "usergroups:read",
    # The reaction_added and reaction_removed events: reactions to kudos wall posts.
    "reactions:read",
    # conversations.open, conversations.history and conversations.replies of the bot's own
    # DMs, the channels it posts to and their threads: after a crash, the outbox sender looks
    # for a message it may have sent before sending it again.
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    # files.getUploadURLExternal and files.completeUploadExternal: a message's image is
    # uploaded as a private file and shown from an image block (bot/slack/images.py).
    "files:write",
)


def slack_manifest(app: AppConfig, routes: Routes, *, url: str | None = None,
                   socket_mode: bool = False, name: str | None = None,
                   locale: str | None = None) -> dict[str, Any]:
    """The manifest as a dict; raise ConfigError when the url, the name or the language will
    not do.

    `url` is the https address Touchpoint is served at; in Socket Mode Slack needs none.
    `locale` is the language of its words (default: the organisation's): a Slack manifest has
    one language, since Slack shows an app's description and commands as written.
    """
    request_url = None if socket_mode else _request_url(url)
    language = locale or app.organisation.locale
    if catalogues.shipped(language) is None:
        raise ConfigError([f"--locale: no messages are shipped in {language!r}; the languages "
                           f"shipped are {', '.join(catalogues.available())}"])
    templates = templates_for("slack", language)
    # Manifest fields are plain text, so the operator's names go in as they are, unescaped.
    app_name = name or templates.render_block("manifest/app", "name", {})
    if len(app_name) > MAX_NAME:
        raise ConfigError([f"--name: at most {MAX_NAME} characters in Slack"])
    context = {"organisation": Formatted(app.organisation.name),
               "app_name": Formatted(app_name), "commands": routes.commands}

    def text(block: str) -> str:
        return templates.render_block("manifest/app", block, context)

    settings: dict[str, Any] = {}
    if EVENT_INTENTS:
        settings["event_subscriptions"] = _at(request_url, bot_events=sorted(EVENT_INTENTS))
    interactive = bool(routes.action_ids or routes.callback_ids)
    settings["interactivity"] = _at(request_url if interactive else None,
                                    is_enabled=interactive)
    settings.update(org_deploy_enabled=False, socket_mode_enabled=socket_mode,
                    token_rotation_enabled=False)
    return {
        "display_information": {
            "name": app_name,
            "description": text("short_description"),
            "background_color": text("accent_color"),
            "long_description": text("long_description"),
        },
        "features": {
            # Touchpoint writes to people in its Messages tab but reads no replies there;
            # its Home tab is each person's summary (bot.flows.board.home).
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": app_name, "always_online": True},
            "slash_commands": [_slash_command(templates, routes, command, request_url)
                               for command in routes.commands],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


class _Dumper(yaml.SafeDumper):
    """Writes text of several lines as a literal block, the way a person would."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        style = "|" if "\n" in data else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _Dumper.represent_str)


def manifest_yaml(manifest: dict[str, Any]) -> str:
    return yaml.dump(manifest, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _request_url(url: str | None) -> str:
    """Where Slack posts commands, events and clicks: the one route Bolt serves them on."""
    example = "like https://touchpoint.example.com"
    if not url:
        raise ConfigError([f"--url: required unless you use --socket-mode (the https "
                           f"address Touchpoint is served at, {example})"])
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError([f"--url: {url!r} is not an https address; Slack only calls "
                           f"https addresses, {example}"])
    if parts.query or parts.fragment:
        raise ConfigError([f"--url: {url!r} must not have a query or a fragment"])
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return urlunsplit(("https", parts.netloc, path, "", ""))


def _at(request_url: str | None, **section: Any) -> dict[str, Any]:
    """A settings section, with Slack's request URL unless there is none (Socket Mode)."""
    return {"request_url": request_url, **section} if request_url else section


def _slash_command(templates: Templates, routes: Routes, command: str,
                   request_url: str | None) -> dict[str, Any]:
    template = f"manifest/commands/{command}"
    context = {"words": routes.words(command)}
    entry: dict[str, Any] = {"command": f"/{command}"}
    if request_url:
        entry["url"] = request_url
    entry["description"] = templates.render_block(template, "description", context)
    if templates.has_block(template, "usage_hint"):
        entry["usage_hint"] = templates.render_block(template, "usage_hint", context)
    entry["should_escape"] = command in ESCAPED_COMMANDS
    return entry
